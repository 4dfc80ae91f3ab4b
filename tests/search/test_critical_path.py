"""The latency of a query is its slowest chain of calls, from each call's recorded latency."""

from __future__ import annotations

import math

from archon.search.trial.evaluation import critical_path_s


def call(model: str, latency: float, sample: int = 0) -> dict[str, object]:
    return {"model": model, "sample_index": sample, "latency_s": latency}


def test_calls_of_one_node_run_together_and_the_slowest_counts() -> None:
    trace = [{"node": "gen", "inputs": [], "calls": [call("a", 1.0, 0), call("a", 3.0, 1), call("b", 2.0, 0)]}]
    assert critical_path_s(trace) == 3.0


def test_calls_for_the_same_candidate_run_one_after_the_other() -> None:
    # verify: reasoning, then the verdict, for each candidate (same model and sample index).
    trace = [
        {"node": "gen", "inputs": [], "calls": [call("a", 1.0)]},
        {"node": "verify", "inputs": ["gen"], "calls": [call("j", 2.0, 0), call("j", 0.5, 0), call("j", 1.0, 1)]},
    ]
    assert critical_path_s(trace) == 1.0 + 2.5


def test_a_node_starts_when_its_slowest_input_is_done_and_the_longest_branch_wins() -> None:
    trace = [
        {"node": "fast", "inputs": [], "calls": [call("a", 1.0)]},
        {"node": "slow", "inputs": [], "calls": [call("b", 4.0)]},
        {"node": "tests", "inputs": [], "calls": [call("t", 0.5)]},
        {"node": "rank", "inputs": ["fast", "slow"], "calls": [call("j", 1.0)]},
        {"node": "vote", "inputs": ["rank"], "calls": []},  # no call: passes the time on
    ]
    assert critical_path_s(trace) == 5.0


def test_cached_and_broken_latencies() -> None:
    assert critical_path_s([]) == 0.0
    assert critical_path_s([{"node": "g", "inputs": [], "calls": [{"model": "a", "latency_s": None}]}]) == 0.0
    assert critical_path_s([{"node": "g", "inputs": [], "calls": [call("a", math.inf)]}]) == 0.0


def test_a_cascades_branches_run_one_after_the_other() -> None:
    cheap = [{"node": "answer.draft", "inputs": [], "calls": [call("c", 1.0, 0), call("c", 1.5, 1)]}]
    escalate = [{"node": "answer.strong", "inputs": [], "calls": [call("s", 3.0)]}]
    trace = [{"node": "answer", "inputs": [], "calls": [], "branches": {"cheap": cheap, "escalate": escalate}}]
    assert critical_path_s(trace) == 1.5 + 3.0
    assert critical_path_s([{**trace[0], "branches": {"cheap": cheap}}]) == 1.5  # it did not escalate
