"""`archon replay`: a recording replayed from the command line (the replay itself:
tests/search/test_recording.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_cli_reports_a_missing_call_in_one_line(recording: Path, tmp_path: Path) -> None:
    (recording / "responses.jsonl").write_text("")
    done = subprocess.run([sys.executable, "-m", "archon.cli.main", "replay", str(recording),
                           "--run-dir", str(tmp_path / "replay")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "the recording has no model call" in done.stderr and "Traceback" not in done.stderr
