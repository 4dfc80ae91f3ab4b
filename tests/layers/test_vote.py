"""vote: majority votes with each extractor, ties and top_k, and the confidence-weighted vote."""

from __future__ import annotations

import pytest

from archon.testing import FakeCall
from tests.layers.layer_helpers import Register, run, system


def _vote_system(answers: list[str], vote: str) -> str:
    return f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [fake/vote_src], samples: {len(answers)}}}
  - {vote}
"""


@pytest.mark.parametrize(
    ("vote", "answers", "winner", "votes"),
    [
        ("{id: vote, type: vote, extractor: boxed}",
         ["so \\boxed{4}", "hence \\boxed{5}", "\\boxed{5}", "no idea"], "5", 2),
        ("{id: vote, type: vote, extractor: choice}",
         ["The answer is (B)", "Answer: C", "I pick (B).", "B"], "B", 3),
        ("{id: vote, type: vote, extractor: regex, pattern: 'ANSWER=(\\w+)'}",
         ["ANSWER=cat", "ANSWER=dog", "ANSWER=dog", "ANSWER=cat", "ANSWER=dog"], "dog", 3),
    ],
)
def test_vote_majority_with_extractors(
    fake_model: Register, vote: str, answers: list[str], winner: str, votes: int
) -> None:
    fake_model("vote_src", lambda c: answers[c.seed])
    result = run(_vote_system(answers, vote))
    assert result.candidates[0].notes["answer"] == winner
    assert result.candidates[0].notes["votes"] == votes
    assert len(result.candidates) == len(answers)  # nothing dropped without top_k
    assert "vote" not in result.usage.by_node  # no model call


def test_vote_ties_go_to_the_group_seen_first_and_top_k_cuts(fake_model: Register) -> None:
    answers = ["\\boxed{7}", "\\boxed{9}", "\\boxed{9}", "\\boxed{7}", "none"]
    fake_model("vote_src", lambda c: answers[c.seed])
    result = run(_vote_system(answers, "{id: vote, type: vote, extractor: boxed, top_k: 3}"))
    assert [c.notes["answer"] for c in result.candidates] == ["7", "7", "9"]


@pytest.mark.parametrize(
    ("extractor", "answers", "winner", "votes"),
    [
        ("last_number", ["The answer is 12.", "I get 12", "It is 13, not 11", "12", "no number"], "12", 3),
        ("exact", ["Paris", "paris ", "Lyon", "PARIS"], "paris", 3),
    ],
)
def test_vote_default_and_exact_extractors(
    fake_model: Register, extractor: str, answers: list[str], winner: str, votes: int
) -> None:
    fake_model("vote_src", lambda c: answers[c.seed])
    result = run(_vote_system(answers, f"{{id: vote, type: vote, extractor: {extractor}}}"))
    assert result.candidates[0].notes["answer"] == winner
    assert result.candidates[0].notes["votes"] == votes
    assert [c.notes["answer"] for c in result.candidates].count(winner) == votes


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
