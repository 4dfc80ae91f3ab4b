"""Coverage against selection on the test split: pass@k, oracle coverage, the system's own pick."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from archon.search import run_search, summarize
from archon.search.report.coverage import pass_at_k, sample_counts, with_samples
from tests.search.search_helpers import SearchFactory


@pytest.mark.parametrize(("n", "c", "k", "expected"), [
    (8, 0, 1, 0.0), (8, 8, 1, 1.0), (8, 2, 1, 0.25), (8, 1, 8, 1.0), (8, 2, 2, 1 - math.comb(6, 2) / math.comb(8, 2)),
    (4, 1, 4, 1.0), (5, 3, 3, 1.0),
])
def test_pass_at_k_is_the_unbiased_estimator(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_sample_counts_are_powers_of_two_then_n() -> None:
    assert sample_counts(8) == [1, 2, 4, 8]
    assert sample_counts(6) == [1, 2, 4, 6]
    assert sample_counts(2) == [1, 2]


def test_with_samples_changes_only_the_sampled_generators() -> None:
    system = {"name": "s", "nodes": [
        {"id": "greedy_a", "type": "generate", "models": ["a"], "samples": 1, "temperature": 0.0},
        {"id": "generate_a", "type": "generate", "models": ["a"], "samples": 8},
        {"id": "vote", "type": "vote", "inputs": ["greedy_a", "generate_a"]}]}
    smaller = with_samples(system, 2)
    assert [n.get("samples") for n in smaller["nodes"]] == [1, 2, None]
    assert system["nodes"][1]["samples"] == 8 and smaller["name"] == "s-k2"


def test_the_final_evaluation_explains_a_sampling_architecture(make_search: SearchFactory, tmp_path: Path) -> None:
    path = make_search(space={"generators": {"count": [1, 1], "samples": [4, 4]}, "fusion": {"layers": [0, 0]},
                              "final_stage": ["vote"], "rank": [False]},
                       search={"n_trials": 1, "startup_trials": 1})
    outcome = run_search(path, run_dir=tmp_path / "run")
    summary = summarize(outcome)
    coverage = json.loads((outcome.run_dir / "final.json").read_text())["coverage"]
    rows = coverage["rows"]
    assert [r["k"] for r in rows] == [1, 2, 4] and coverage["items"] == 8
    assert [r["coverage"] for r in rows] == sorted(r["coverage"] for r in rows)  # more samples cover more
    assert all(r["selected"] <= r["coverage"] and r["gap"] == pytest.approx(r["coverage"] - r["selected"])
               for r in rows)
    assert rows[-1]["selected"] == summary["final"]["best"]["score"]  # k = n is the system itself
    # pass@k estimates from all 4 samples, coverage counts the first k: both grow with k.
    assert [r["pass_at_k"] for r in rows] == sorted(r["pass_at_k"] for r in rows)
    assert Path(summary["plots"]["coverage"]).stat().st_size > 10_000
    report = (outcome.run_dir / "report.md").read_text()
    assert "## Coverage against selection (test split, 8 items)" in report
