"""The adaptive techniques on the fake provider: adaptive self-consistency, the confidence vote,
choice shuffling, routing and the cascade; and the item context they read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import archon
from archon.errors import ConfigError, ConfigErrors, ContextMissingError
from archon.layers.adaptive_vote import majority_confidence, vote_holds
from archon.layers.choice_shuffle import permutation
from archon.runtime.estimate import estimate_cost
from archon.runtime.executor import RunResult
from archon.testing import FakeCall

Register = Callable[[str, Callable[[FakeCall], Any]], str]
QUESTION = "Which planet is largest?\n\nA. Mars\nB. Jupiter\nC. Venus\nD. Mercury"
CHOICES = {"choices": ["Mars", "Jupiter", "Venus", "Mercury"]}


def system(nodes: list[dict[str, Any]], models: dict[str, str], **extra: Any) -> archon.System:
    return archon.System.from_dict({"name": "t", "models": models, "nodes": nodes, **extra}, cache=False)


def calls_of(result: RunResult) -> int:
    return result.usage.total.calls


# -- adaptive self-consistency -------------------------------------------------------------------


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


# -- confidence-weighted vote ----------------------------------------------------------------------


def test_a_confident_minority_outvotes_an_unsure_majority(fake_model: Register) -> None:
    def responder(call: FakeCall) -> tuple[str, float]:
        return ("The answer is 42.", -0.05) if call.seed in (0, 1) else ("The answer is 7.", -3.0)

    model = fake_model("calibrated", responder)
    nodes = [{"id": "gen", "type": "generate", "models": ["m"], "samples": 5, "logprobs": True},
             {"id": "vote", "type": "vote", "weighting": "confidence"}]
    result = system(nodes, {"m": model}).run("q")
    assert result.candidates[0].notes["answer"] == "42" and result.candidates[0].notes["weighting"] == "confidence"
    plain = system([nodes[0], {"id": "vote", "type": "vote"}], {"m": model}).run("q")
    assert plain.candidates[0].notes["answer"] == "7"  # 3 of 5 without the weights


def test_the_confidence_vote_falls_back_to_a_plain_one_without_logprobs(fake_model: Register) -> None:
    model = fake_model("plain", lambda call: f"The answer is {42 if call.seed < 3 else 7}.")
    from archon.layers.vote import ConfidenceFallbackWarning

    with pytest.warns(ConfidenceFallbackWarning, match="node 'vote': a confidence-weighted vote got candidates"):
        result = system([{"id": "gen", "type": "generate", "models": ["m"], "samples": 5},
                         {"id": "vote", "type": "vote", "weighting": "confidence"}], {"m": model}).run("q")
    assert result.candidates[0].notes["weighting"] == "plain (no log-probabilities)"
    assert result.candidates[0].notes["answer"] == "42"


def test_logprobs_are_cached_with_the_text_and_old_entries_still_serve(tmp_path: Path) -> None:
    cache_path = tmp_path / "cache.sqlite"
    with_logprobs = {"name": "l", "models": {"m": "fake/alpha"},
                     "nodes": [{"id": "gen", "type": "generate", "models": ["m"], "samples": 2, "logprobs": True}]}
    first = archon.System.from_dict(with_logprobs, cache=cache_path).run("q")
    assert all("mean_logprob" in c.notes for c in first.candidates)
    again = archon.System.from_dict(with_logprobs, cache=cache_path).run("q")
    assert again.usage.total.calls == 0 and [c.notes for c in again.candidates] == [c.notes for c in first.candidates]
    # Asked without log-probabilities, the same calls are the same cache entries.
    without = {**with_logprobs, "nodes": [{**with_logprobs["nodes"][0], "logprobs": False}]}
    plain = archon.System.from_dict(without, cache=cache_path).run("q")
    assert plain.usage.total.calls == 0


# -- choice shuffling --------------------------------------------------------------------------------


def test_permutations_are_seeded_and_sample_zero_keeps_the_order() -> None:
    assert permutation("q", 0, 4) == [0, 1, 2, 3]
    assert permutation("q", 3, 4) == permutation("q", 3, 4)
    assert sorted(permutation("q", 3, 4)) == [0, 1, 2, 3]
    assert len({tuple(permutation("q", i, 4)) for i in range(1, 12)}) > 3


def test_choice_shuffle_maps_each_answer_back_to_the_original_letters(fake_model: Register) -> None:
    seen: list[str] = []

    def knows_jupiter(call: FakeCall) -> str:  # always right, whatever letter Jupiter has now
        seen.append(call.prompt)
        letter = next(line[0] for line in call.prompt.splitlines() if line.endswith(". Jupiter"))
        return f"Jupiter is the largest. Answer: {letter}"

    model = fake_model("jupiter", knows_jupiter)
    sys_ = system([{"id": "shuffle", "type": "choice_shuffle", "models": ["m"], "samples": 6},
                   {"id": "vote", "type": "vote", "extractor": "choice"}], {"m": model})
    result = sys_.run(QUESTION, context=CHOICES)
    assert seen[0] == QUESTION and len(set(seen)) > 2  # sample 0 as asked, the others shuffled
    assert {c.notes["answer"] for c in result.candidates} == {"B"}
    assert result.answer.rstrip().endswith("Answer: B")


def test_choice_shuffle_without_choices_says_what_it_needs() -> None:
    sys_ = system([{"id": "shuffle", "type": "choice_shuffle", "models": ["m"], "samples": 2}], {"m": "fake/alpha"})
    with pytest.raises(ContextMissingError, match="needs the item's choices"):
        sys_.run(QUESTION)
    with pytest.raises(ContextMissingError, match="does not list its choices"):
        sys_.run("Which planet is largest?", context=CHOICES)


def test_a_bad_context_is_a_clear_error() -> None:
    sys_ = system([{"id": "g", "type": "generate", "models": ["m"]}], {"m": "fake/alpha"})
    with pytest.raises(ConfigError, match="choices"):
        sys_.run("q", context={"choices": "not a list"})
    with pytest.raises(ConfigError, match="a context has: choices, labels, category"):
        sys_.run("q", context={"subject": "x"})


# -- routing -----------------------------------------------------------------------------------------


def test_route_answers_each_category_with_its_model(fake_model: Register) -> None:
    math = fake_model("mathy", lambda call: "math model")
    prose = fake_model("prosy", lambda call: "prose model")
    sys_ = system([{"id": "route", "type": "route", "models": ["m", "p"], "routes": {"algebra": "m"},
                    "default": "p"}], {"m": math, "p": prose})
    assert sys_.run("q", context={"category": "algebra"}).answer == "math model"
    other = sys_.run("q", context={"category": "poetry"})
    assert other.answer == "prose model" and other.candidates[0].notes["route"] == "default (category not routed)"
    alone = sys_.run("q")
    assert alone.answer == "prose model" and "came without a category" in alone.candidates[0].notes["route"]
    estimate = estimate_cost(sys_.graph)
    assert estimate.calls == 1 and set(estimate.by_model) == {math, prose}  # either may answer: both priced


def test_a_route_to_a_model_it_does_not_list_is_refused() -> None:
    with pytest.raises(ConfigErrors, match="not among `models`"):
        system([{"id": "route", "type": "route", "models": ["m"], "routes": {"x": "other"}}], {"m": "fake/alpha"})


# -- cascade -----------------------------------------------------------------------------------------


def _cascade(register: Register, cheap_answers: Callable[[int], str],
             when: str = "disagree") -> tuple[archon.System, list[str]]:
    asked: list[str] = []

    def cheap(call: FakeCall) -> str:
        asked.append("cheap")
        return cheap_answers(call.seed)

    def strong(call: FakeCall) -> str:
        asked.append("strong")
        return "[Correct]" if call.reply.kind == "verdict" else "The answer is 42."

    register("cheap", cheap)
    register("strong", strong)
    cheap_nodes: list[dict[str, Any]] = [{"id": "draft", "type": "generate", "models": ["c"], "samples": 4},
                                         {"id": "vote", "type": "vote"}]
    if when == "rejected":
        cheap_nodes.append({"id": "check", "type": "verify", "model": "c"})
    sys_ = system([{"id": "answer", "type": "cascade", "when": when, "agreement": 0.75,
                    "cheap": {"nodes": cheap_nodes},
                    "escalate": {"nodes": [{"id": "big", "type": "generate", "models": ["s"]}]}}],
                  {"c": "fake/cheap", "s": "fake/strong"})
    return sys_, asked


def test_the_cascade_keeps_the_cheap_answer_when_its_samples_agree(fake_model: Register) -> None:
    sys_, asked = _cascade(fake_model, lambda seed: "The answer is 41." if seed == 3 else "The answer is 40.")
    result = sys_.run("q")
    assert result.answer == "The answer is 40." and result.candidates[0].notes["escalated"] is False
    assert "strong" not in asked and calls_of(result) == 4
    assert estimate_cost(sys_.graph).calls == 5  # the worst case: both branches
    trace = result.trace[0]
    assert trace["node"] == "answer" and [e["node"] for e in trace["branches"]["cheap"]] == \
        ["answer.cheap/draft", "answer.cheap/vote"]


def test_the_cascade_escalates_when_its_samples_disagree(fake_model: Register) -> None:
    sys_, _ = _cascade(fake_model, lambda seed: f"The answer is {40 + seed % 2}.")
    result = sys_.run("q")
    assert result.answer == "The answer is 42." and result.candidates[0].notes["escalated"] is True
    assert result.candidates[0].notes["why"] == "agreement 0.50 < 0.75" and calls_of(result) == 5
    assert set(result.usage.by_node) == {"answer.cheap/draft", "answer.escalate/big"}


def test_the_cascade_escalates_when_the_verifier_rejects(fake_model: Register) -> None:
    sys_, _ = _cascade(fake_model, lambda seed: "The answer is 40.", when="rejected")
    fake_model("cheap", lambda call: "[Incorrect]" if call.reply.kind == "verdict" else "The answer is 40.")
    result = sys_.run("q")
    assert result.candidates[0].notes["escalated"] is True and result.candidates[0].notes["why"] == "rejected"


def test_a_branch_can_be_a_system_file(tmp_path: Path) -> None:
    (tmp_path / "strong.yaml").write_text(json.dumps({
        "name": "strong", "models": {"s": "fake/beta"}, "nodes": [{"id": "g", "type": "generate", "models": ["s"]}]}))
    (tmp_path / "cascade.yaml").write_text(json.dumps({
        "name": "c", "models": {"c": "fake/alpha"}, "nodes": [{
            "id": "answer", "type": "cascade", "agreement": 1.0,
            "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["c"], "samples": 3}]},
            "escalate": {"file": "strong.yaml"}}]}))
    sys_ = archon.System.from_file(tmp_path / "cascade.yaml", cache=False)
    assert set(estimate_cost(sys_.graph).by_model) == {"fake/alpha", "fake/beta"}
    result = sys_.run("What is 6 * 7?")
    assert result.usage.total.calls in (3, 4)
    # The file's content is part of the system's fingerprint.
    before = sys_.fingerprint()
    (tmp_path / "strong.yaml").write_text(json.dumps({
        "name": "strong", "models": {"s": "fake/gamma"}, "nodes": [{"id": "g", "type": "generate", "models": ["s"]}]}))
    assert archon.System.from_file(tmp_path / "cascade.yaml", cache=False).fingerprint() != before


def test_branch_problems_name_the_place_inside_the_branch(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nmodels: {c: fake/alpha}\nnodes:\n  - id: answer\n    type: cascade\n"
                    "    cheap:\n      nodes:\n        - {id: g, type: generate, models: [c], samples: 0}\n"
                    "    escalate: {file: missing.yaml}\n")
    with pytest.raises(ConfigErrors) as caught:
        archon.System.from_file(path)
    text = str(caught.value)
    assert "nodes[0].cheap.nodes[0].samples" in text and f"{path}:8" in text
    assert "nodes[0].escalate.file" in text and "missing.yaml" in text


def test_a_branch_file_that_includes_itself_is_refused(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text(json.dumps({
        "name": "loop", "models": {"c": "fake/alpha"}, "nodes": [{
            "id": "answer", "type": "cascade",
            "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["c"]}]},
            "escalate": {"file": "loop.yaml"}}]}))
    with pytest.raises(ConfigErrors, match="include each other"):
        archon.System.from_file(tmp_path / "loop.yaml")


@pytest.mark.parametrize(("node", "snippet"), [
    ({"type": "adaptive_vote", "models": ["m"], "max_samples": 2, "min_samples": 4},
     "`min_samples <= max_samples` must hold"),
    ({"type": "adaptive_vote", "models": ["m"], "confidence": 1.0}, "confidence"),
    ({"type": "adaptive_vote", "models": ["m"], "confidence": 0.3}, "confidence"),
    ({"type": "cascade", "agreement": 0, "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["m"]}]},
      "escalate": {"nodes": [{"id": "h", "type": "generate", "models": ["m"]}]}}, "agreement"),
    ({"type": "cascade", "agreement": 1.5, "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["m"]}]},
      "escalate": {"nodes": [{"id": "h", "type": "generate", "models": ["m"]}]}}, "agreement"),
    ({"type": "cascade", "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["m"]}]},
      "escalate": {"nodes": [{"id": "h", "type": "generate", "models": ["m"]}], "file": "x.yaml"}},
     "give exactly one of `nodes`"),
])
def test_bad_thresholds_and_limits_are_clear_errors(node: dict[str, object], snippet: str) -> None:
    with pytest.raises(ConfigErrors) as caught:
        system([{"id": "answer", **node}], {"m": "fake/alpha"})
    text = str(caught.value)
    assert snippet in text and "nodes[0]" in text and "Traceback" not in text
