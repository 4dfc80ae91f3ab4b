"""adaptive_vote (adaptive self-consistency): the stopping rules' probabilities, and sampling that stops
once the vote is settled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import archon
from archon.errors import ConfigErrors
from archon.layers.adaptive_vote import majority_confidence, vote_holds
from archon.runtime.estimate import estimate_cost
from tests.layers.layer_helpers import Register, calls_of, system


@pytest.mark.parametrize(("leading", "runner_up", "expected"), [(0, 0, 0.5), (3, 0, 15 / 16), (4, 0, 31 / 32),
                                                                (5, 1, 120 / 128), (2, 2, 0.5)])
def test_majority_confidence_is_the_beta_posterior_tail(leading: int, runner_up: int, expected: float) -> None:
    assert majority_confidence(leading, runner_up) == pytest.approx(expected)


def integrated_vote_holds(leading: int, runner_up: int, remaining: int, steps: int = 4000) -> float:
    """The same probability by brute force: the Beta posterior integrated numerically against the
    binomial chance that the runner-up's gain leaves the leader strictly ahead."""
    from math import comb, gamma
    norm = gamma(leading + 1) * gamma(runner_up + 1) / gamma(leading + runner_up + 2)  # B(a + 1, b + 1)
    total = 0.0
    for k in range(steps):
        p = (k + 0.5) / steps  # the leader's share
        density = p**leading * (1 - p) ** runner_up / norm
        holds = sum(comb(remaining, g) * (1 - p) ** g * p ** (remaining - g) for g in range(remaining + 1)
                    if runner_up + g < leading + remaining - g)
        total += density * holds / steps
    return total


@pytest.mark.parametrize(("leading", "runner_up", "remaining"),
                         [(3, 0, 9), (4, 2, 2), (2, 1, 5), (6, 6, 4), (1, 0, 15)])
def test_vote_holds_is_the_beta_binomial_chance_the_leader_stays_ahead(leading: int, runner_up: int,
                                                                         remaining: int) -> None:
    assert vote_holds(leading, runner_up, remaining) == pytest.approx(
        integrated_vote_holds(leading, runner_up, remaining), abs=1e-4)


def test_vote_holds_is_certain_when_the_lead_cannot_be_overturned() -> None:
    assert vote_holds(5, 2, 2) == pytest.approx(1.0) and vote_holds(3, 3, 0) == 0.0 and vote_holds(4, 1, 0) == 1.0
    assert vote_holds(3, 0, 2) > vote_holds(3, 0, 8)  # fewer samples left, less that can change


def test_vote_holds_is_exact_where_the_chance_is_a_round_number(fake_model: Register) -> None:
    # Two agreeing samples with two left: the runner-up takes both with chance 1/10, so the vote
    # holds with 0.9 exactly (in floating point it came out 0.8999999999999996 and did not stop).
    assert vote_holds(2, 0, 2) == 0.9 and vote_holds(2, 1, 1) == 0.6
    model = fake_model("sure", lambda call: "The answer is 42.")
    result = system([{"id": "vote", "type": "adaptive_vote", "models": ["m"], "max_samples": 4, "confidence": 0.9,
                      "rule": "final_vote"}], {"m": model}).run("q")
    assert result.answer == "The answer is 42." and result.usage.total.calls == 2


def test_the_final_vote_rule_stops_once_the_rest_cannot_change_the_vote(fake_model: Register) -> None:
    said = {1: 7, 3: 7}  # samples 1 and 3 dissent: 42 leads 5-2 after 7 of 8, and one more cannot overturn it
    model = fake_model("mostly", lambda call: f"The answer is {said.get(call.seed, 42)}.")
    nodes: dict[str, Any] = {"id": "vote", "type": "adaptive_vote", "models": ["m"], "max_samples": 8,
                             "confidence": 0.95}
    final = system([{**nodes, "rule": "final_vote"}], {"m": model}).run("q")
    majority = system([nodes], {"m": model}).run("q")
    assert calls_of(final) == 7 and final.candidates[0].notes["stopped"] == "confident"
    assert calls_of(majority) == 8 and majority.candidates[0].notes["stopped"] == "max_samples"  # Beta(7, 4): 0.83
    assert final.candidates[0].notes["answer"] == majority.candidates[0].notes["answer"] == "42"


def test_adaptive_vote_stops_early_when_every_sample_agrees(fake_model: Register) -> None:
    model = fake_model("steady", lambda call: "The answer is 42.")
    sys_ = system([{"id": "vote", "type": "adaptive_vote", "models": ["m"], "max_samples": 16,
                    "min_samples": 2, "confidence": 0.95}], {"m": model})
    result = sys_.run("What is 6 * 7?")
    first = result.candidates[0]
    # 2 agreeing: 0.875; 3: 0.9375; 4: 0.969 >= 0.95
    assert calls_of(result) == 4 and first.notes["samples"] == 4 and first.notes["stopped"] == "confident"
    assert estimate_cost(sys_.graph).calls == 16  # the budget check prices the worst case


def test_adaptive_vote_samples_to_the_limit_when_answers_split(fake_model: Register) -> None:
    model = fake_model("torn", lambda call: f"The answer is {42 + call.seed % 2}.")
    result = system([{"id": "vote", "type": "adaptive_vote", "models": ["m"], "max_samples": 9, "step": 3}],
                    {"m": model}).run("q")
    assert calls_of(result) == 9 and result.candidates[0].notes["stopped"] == "max_samples"
    assert result.candidates[0].notes["answer"] == "42"  # 5 of 9


def test_adaptive_samples_are_the_cached_calls_of_a_fixed_vote(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    fixed = archon.System.from_dict({"name": "f", "models": {"m": "fake/alpha"}, "nodes": [
        {"id": "gen", "type": "generate", "models": ["m"], "samples": 8}, {"id": "vote", "type": "vote"}]},
        cache=cache)
    fixed.run("What is 6 * 7?")
    adaptive = archon.System.from_dict({"name": "a", "models": {"m": "fake/alpha"}, "nodes": [
        {"id": "vote", "type": "adaptive_vote", "models": ["m"], "max_samples": 8}]}, cache=cache)
    result = adaptive.run("What is 6 * 7?")
    assert result.usage.total.calls == 0 and result.usage.total.cache_hits >= 2  # every sample was paid already


@pytest.mark.parametrize(("node", "snippet"), [
    ({"type": "adaptive_vote", "models": ["m"], "max_samples": 2, "min_samples": 4},
     "`min_samples <= max_samples` must hold"),
    ({"type": "adaptive_vote", "models": ["m"], "confidence": 1.0}, "confidence"),
    ({"type": "adaptive_vote", "models": ["m"], "confidence": 0.3}, "confidence"),
])
def test_bad_thresholds_and_limits_are_clear_errors(node: dict[str, object], snippet: str) -> None:
    with pytest.raises(ConfigErrors) as caught:
        system([{"id": "answer", **node}], {"m": "fake/alpha"})
    text = str(caught.value)
    assert snippet in text and "nodes[0]" in text and "Traceback" not in text
