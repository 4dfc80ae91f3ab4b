"""The saved plots: the optimization history draws each model alone as a labelled reference line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
import pytest

from archon.search.report import plots
from archon.search.study.power_ranking import PowerRanking
from tests.search.search_helpers import SearchFactory


def spy_on_history(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The Axes of every optimization history save_plots draws (it saves and closes them)."""
    drawn: list[Any] = []
    real = plots.optimization_history

    def spy(*args: Any, **kwargs: Any) -> Any:
        drawn.append(real(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(plots, "optimization_history", spy)
    return drawn


def reference_lines(axes: Any) -> dict[str, float]:
    """label -> y of the horizontal lines spanning the axes."""
    return {line.get_label(): line.get_ydata()[0] for line in axes.get_lines()
            if list(line.get_xdata()) == [0, 1] and len(set(line.get_ydata())) == 1}


def test_the_history_draws_each_model_alone_as_a_labelled_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    study = optuna.create_study(direction="maximize")
    for value in (0.5, 0.625, 0.875, 0.75):
        study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=value))
    ranking = PowerRanking(("big", "small"), {"big": {"score": 0.625}, "small": {"score": 0.25}}, 0.0)
    drawn = spy_on_history(monkeypatch)
    saved = plots.save_plots(study, ["score"], tmp_path, ranking)
    assert Path(saved["optimization_history"]).stat().st_size > 10_000
    (axes,) = drawn
    assert reference_lines(axes) == {"big alone, greedy: 0.625": 0.625, "small alone, greedy: 0.250": 0.25}
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert {"big alone, greedy: 0.625", "small alone, greedy: 0.250"} <= set(legend)
    low, high = axes.get_ylim()
    assert low <= 0.25 and high >= 0.875  # every line and every trial in view
    assert "each model alone" in axes.get_title()
    # Without a ranking it is optuna's history alone.
    plain = plots.optimization_history(study, ["score"], None)
    assert reference_lines(plain) == {}


def test_a_search_saves_its_history_with_its_power_ranking(make_search: SearchFactory, tmp_path: Path,
                                                           zoo: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from archon.search import run_search, summarize

    path = make_search(models={"r": "fake/right", "w": "fake/wrong", "a": "fake/alpha"}, search={"n_trials": 4})
    outcome = run_search(path, run_dir=tmp_path / "run", say=lambda _message: None)
    drawn = spy_on_history(monkeypatch)
    summary = summarize(outcome, final=False, audit=False)
    assert Path(summary["plots"]["optimization_history"]) == tmp_path / "run" / "plots" / "optimization_history.png"
    (axes,) = drawn
    scores = {alias: result["score"] for alias, result in outcome.ranking.results.items()}
    assert scores["r"] == 1.0 and scores["w"] == 0.0
    assert reference_lines(axes) == {f"{alias} alone, greedy: {score:.3f}": score for alias, score in scores.items()}
