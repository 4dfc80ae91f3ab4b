"""search.select: simplest hands over the cheapest architecture within noise of the best on dev (each
model alone included); the report shows both when they differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from archon.search import run_search, summarize
from tests.search.search_helpers import SearchFactory


def search(make_search: SearchFactory, tmp_path: Path, select: str) -> dict[str, Any]:
    # fake/right answers every question: the model alone is as good as any architecture over it.
    path = make_search(models={"r": "fake/right", "w": "fake/wrong"},
                       space={"generators": {"count": [1, 2], "samples": [2, 3]}, "final_stage": ["vote"],
                              "fusion": {"layers": [0, 0]}},
                       search={"n_trials": 4, "select": select, "warm_start": ["best_of_n_vote"]})
    return summarize(run_search(path, run_dir=tmp_path / select), final=False, plots=False)


def test_simplest_hands_over_the_model_alone_when_it_ties_the_best(make_search: SearchFactory, tmp_path: Path,
                                                                   zoo: list[str]) -> None:
    summary = search(make_search, tmp_path, "simplest")
    simplest = summary["selection"]["simplest"]
    assert simplest["model"] == "r" and simplest["calls"] == 1.0 and not simplest["is_best"]
    assert simplest["vs_best"]["difference"] == 0.0
    exported = yaml.safe_load(Path(summary["best"]["path"]).read_text())
    assert [n["type"] for n in exported["nodes"]] == ["generate"] and exported["nodes"][0]["temperature"] == 0.0
    report = (tmp_path / "simplest" / "report.md").read_text()
    assert "Simplest within noise of the best on dev: r alone, greedy" in report and "handed over" in report


def test_best_keeps_the_best_and_still_names_the_simplest(make_search: SearchFactory, tmp_path: Path,
                                                          zoo: list[str]) -> None:
    summary = search(make_search, tmp_path, "best")
    exported = yaml.safe_load(Path(summary["best"]["path"]).read_text())
    assert "vote" in [n["type"] for n in exported["nodes"]]
    assert summary["selection"]["simplest"]["model"] == "r"
    assert "not chosen (search.select: best)" in (tmp_path / "best" / "report.md").read_text()
