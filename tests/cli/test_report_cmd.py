"""`archon report` from the command line (a report of a finished search: tests/cli/test_search_cmd.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archon.cli.main import main


def test_report_of_a_directory_that_is_not_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "not a search run directory" in capsys.readouterr().err
