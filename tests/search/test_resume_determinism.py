"""A search resumed in a new process proposes exactly what the same search run in one go would:
the sampler is reseeded from (seed, trial number), so a recording made over several sittings replays."""

from __future__ import annotations

from pathlib import Path

from archon.search import run_search
from tests.search.search_helpers import SearchFactory


def test_a_search_in_two_sittings_proposes_what_one_sitting_does(make_search: SearchFactory, tmp_path: Path,
                                                                 zoo: list[str]) -> None:
    path = make_search(search={"n_trials": 10, "startup_trials": 3, "seed": 7})
    once = run_search(path, run_dir=tmp_path / "once")
    run_search(path, run_dir=tmp_path / "twice", n_trials=4)
    twice = run_search(path, run_dir=tmp_path / "twice")  # a new sampler object, as in a new process
    assert [t.params for t in once.study.trials] == [t.params for t in twice.study.trials]
    assert [t.values for t in once.study.trials] == [t.values for t in twice.study.trials]
    assert len(once.study.trials) >= 10
