"""perf/adaptive_local.py, dry-run on the fake provider: it records every call, and its replay
from that recording alone prints the same table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "perf" / "adaptive_local.py"


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          timeout=300, check=check)


def test_the_adaptive_local_script_replays_its_own_recording(tmp_path: Path) -> None:
    common = ("--smoke", "fake/echo", "--items", "6", "--recording", str(tmp_path / "rec"))
    live = run(*common, "--run-dir", str(tmp_path / "live"))
    results = json.loads((tmp_path / "rec" / "results.json").read_text())
    assert set(results) == {"adaptive", "adaptive-majority", "confidence", "shuffle", "cascade"}
    assert results["adaptive"]["vote-8"]["n"] == 6 and "1.5b-greedy" in results["cascade"]
    replayed = run(*common, "--run-dir", str(tmp_path / "replay"), "--replay")
    assert replayed.stdout == live.stdout and "wins/losses/ties" in live.stdout
    # The replay answers from the recording alone: without it, the first call is an error.
    (tmp_path / "rec" / "responses.jsonl").write_text("")
    missing = run(*common, "--run-dir", str(tmp_path / "again"), "--replay", check=False)
    assert missing.returncode != 0 and "recording" in missing.stderr
