"""`archon validate`: ok lines on stdout, each problem on stderr, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from archon.cli.main import main
from tests.cli.cli_helpers import FAKE_SYSTEM


def test_validate_reports_ok_and_errors(system_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(FAKE_SYSTEM.replace("top_k: 1", "top_k: 9"))
    assert main(["validate", str(system_file), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "ok: " in captured.out and "5 calls/query" in captured.out
    assert f"{bad}" in captured.err and "nodes[2]" in captured.err and "top_k is 9" in captured.err
    assert "Traceback" not in captured.err
