"""`archon search` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import archon
from archon.cli.main import main
from tests.search.search_helpers import SearchFactory


def test_search_then_report_then_export(make_search: SearchFactory, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = make_search(search={"n_trials": 4})
    run_dir = tmp_path / "run"
    assert main(["search", str(path), "--run-dir", str(run_dir), "--n-trials", "3"]) == 0
    captured = capsys.readouterr()
    assert "power ranking:" in captured.err and "trial   0" in captured.err  # progress on stderr
    out = captured.out
    for expected in ("Power ranking", "Leaderboard", "Best architecture", "best_system.yaml",
                     "Held-out test split", "paired difference (best - single)", f"archon report {run_dir}"):
        assert expected in out, expected
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["study"] == "fake-search" and meta["storage"].startswith("sqlite:///")
    assert (run_dir / "search.yaml").read_text() == path.read_text()
    assert archon.load(str(run_dir / "best_system.yaml")).spec.name == "fake-search-best"

    assert main(["report", str(run_dir)]) == 0
    again = capsys.readouterr().out
    for expected in ("Power ranking", "Leaderboard", "Best architecture", "Held-out test split"):
        assert expected in again, expected

    assert main(["report", str(run_dir), "--export-trial", "0", "--out", str(tmp_path / "t0.yaml")]) == 0
    exported = yaml.safe_load((tmp_path / "t0.yaml").read_text())
    assert exported["name"] == "fake-search-trial-0"
    archon.load(str(tmp_path / "t0.yaml"))  # a valid system file


def test_search_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    out = capsys.readouterr().out
    for option in ("--storage", "--study", "--n-trials", "--timeout", "--run-dir", "--workers"):
        assert option in out


def test_a_sitting_cut_short_in_its_summary_is_still_counted(make_search: SearchFactory, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import archon.search.report.results

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C during a long pruning audit or final evaluation

    monkeypatch.setattr(archon.search.report.results, "summarize", interrupted)
    run_dir = tmp_path / "run"
    assert main(["search", str(make_search(search={"n_trials": 2})), "--run-dir", str(run_dir), "--no-final"]) == 130
    (sitting,) = json.loads((run_dir / "run.json").read_text())["sittings"]
    assert sitting["summary_interrupted"] and sitting["evaluated_trials"] == 2 and sitting["wall_s"] > 0


def test_the_cli_prints_one_line_and_exits_2(make_search: SearchFactory, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = make_search(space={"generators": {"samples": [3, 1]}})
    assert main(["search", str(path), "--run-dir", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "space.generators.samples" in err and "Traceback" not in err
