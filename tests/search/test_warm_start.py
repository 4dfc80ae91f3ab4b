"""Warm start: known-good architectures are the search's first trials, the largest the budget allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archon.layers.registry import presets
from archon.search import load_search_spec, run_search
from archon.search.define.budget import Budget
from archon.search.define.warm_start import entry_params
from archon.search.trial.attributes import SEEDED_ATTR, WARM_START_ATTR
from tests.search.search_helpers import BASE_SEARCH, SearchFactory, merge

RANKING = ["a", "b", "c"]


def spec_of(**overrides: Any) -> Any:
    return load_search_spec(merge(BASE_SEARCH, overrides))[0]


def test_a_preset_takes_the_largest_version_that_fits_the_budget() -> None:
    spec = spec_of(space={"generators": {"count": [1, 3], "samples": [1, 6]}}, budget={"max_calls": 5})
    params, system = entry_params(presets()["best_of_n_vote"], spec, RANKING, Budget(spec.budget, 100, {}))
    assert params["generators"] == 1 and params["final_stage"] == "vote"
    assert params["samples"] == 5  # 6 samples would be 6 calls
    assert [n["type"] for n in system["nodes"]] == ["generate", "vote"]


def test_knobs_an_entry_does_not_name_take_their_cheapest_value() -> None:
    spec = spec_of()
    params, _ = entry_params({"final_stage": "vote", "samples": 2}, spec, RANKING, Budget(spec.budget, 100, {}))
    assert params == {"generators": 1, "samples": 2, "fusion_layers": 0, "final_stage": "vote", "rank": False}


def test_the_search_runs_the_warm_start_first_and_marks_it(make_search: SearchFactory, tmp_path: Path,
                                                           zoo: list[str]) -> None:
    path = make_search(search={"n_trials": 3, "warm_start": ["best_of_n_vote", "moa", {"samples": 2},
                                                            "example_tests"]})
    messages: list[str] = []
    outcome = run_search(path, run_dir=tmp_path / "run", say=messages.append)
    trials = outcome.study.trials
    assert [t.user_attrs.get(SEEDED_ATTR) for t in trials[:3]] == ["best_of_n_vote", "moa", "warm_start[2]"]
    assert trials[0].params["final_stage"] == "vote" and trials[1].params["fusion_layers"] == 1
    # example_tests is not a stage of this space: said so, and skipped.
    assert any("example_tests skipped: final_stage='example_tests' is not in the space" in m for m in messages)
    assert outcome.study.user_attrs[WARM_START_ATTR] == ["best_of_n_vote", "moa", "warm_start[2]"]
    again = run_search(path, run_dir=tmp_path / "run", n_trials=4)  # a resumed search queues nothing again
    assert sum(SEEDED_ATTR in t.user_attrs for t in again.study.trials) == 3
