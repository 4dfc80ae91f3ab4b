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
    assert set(results) == {"adaptive", "adaptive-majority", "adaptive-large", "confidence", "shuffle", "cascade"}
    assert results["adaptive"]["vote-8"]["n"] == 6 and "1.5b-greedy" in results["cascade"]
    replayed = run(*common, "--run-dir", str(tmp_path / "replay"), "--replay")
    assert replayed.stdout == live.stdout and "wins/losses/ties" in live.stdout
    # The replay answers from the recording alone: without it, the first call is an error.
    (tmp_path / "rec" / "responses.jsonl").write_text("")
    missing = run(*common, "--run-dir", str(tmp_path / "again"), "--replay", check=False)
    assert missing.returncode != 0 and "recording" in missing.stderr


def test_the_committed_recording_replays_to_its_results(tmp_path: Path) -> None:
    # The real local run (hours over several sittings) answers every call from recordings/adaptive-local/
    # and prints the paired differences its live run saved in results.json.
    recording = SCRIPT.parents[1] / "recordings" / "adaptive-local"
    results = json.loads((recording / "results.json").read_text())
    replayed = run("--replay", "--run-dir", str(tmp_path))
    lines = replayed.stdout.splitlines()
    for name, systems in results.items():
        for label, pair in systems.items():
            if " - " not in label:
                continue
            b, a = label.split(" - ")
            expected = (f"{a} {systems[a]['score']:.3f}", f"{b} {systems[b]['score']:.3f}",
                        f"b - a {pair['difference'] * 100:+.1f} points [{pair['low'] * 100:+.1f}, "
                        f"{pair['high'] * 100:+.1f}], n {pair['n']}")
            assert any(line.split()[0] == name and all(e in line for e in expected) for line in lines), (label, lines)
    assert lines[-1] == f"{results['adaptive']['adaptive-8']['calls'] / results['adaptive']['vote-8']['calls']:.3f}"
