"""`archon` itself (archon/cli/main.py): help starts fast, a user's error is one line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.cli_helpers import FAKE_SYSTEM


def test_help_starts_fast_without_heavy_imports() -> None:
    code = "import sys; from archon.cli.main import build_parser; build_parser(); " \
           "print(','.join(m for m in ('litellm', 'optuna', 'xllamacpp', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"heavy modules imported at CLI start: {out}"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "archon.cli.main", "--help"], capture_output=True, check=True)
    assert time.perf_counter() - start < 5  # generous: the machine is shared; typical ~0.1 s


def test_user_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "typo.yaml"
    bad.write_text(FAKE_SYSTEM.replace("type: critique", "type: critic"))
    proc = subprocess.run([sys.executable, "-m", "archon.cli.main", "run", str(bad), "hi"],
                          capture_output=True, text=True, env={**os.environ})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "nodes[1].type" in proc.stderr and "unknown technique 'critic'" in proc.stderr
    assert "critique" in proc.stderr  # the valid choices are listed
