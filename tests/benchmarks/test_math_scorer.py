"""The math scorer runs math-verify in worker processes (about a second to start each)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from archon.benchmarks.scorers.base import is_unscorable
from archon.benchmarks.scorers.math import MathScorer
from archon.benchmarks.scorers.math_verifier import MathVerifier
from archon.benchmarks.types import Item, Score


@pytest.fixture(scope="module")
def verifier() -> Iterator[MathVerifier]:
    pool = MathVerifier(workers=1)
    yield pool
    pool.close()


def grade(scorer: MathScorer, gold: str, answer: str) -> Score:
    return asyncio.run(scorer.score(Item(id="m", prompt="q", reference=gold), answer))


def test_equivalent_forms_match(verifier: MathVerifier) -> None:
    scorer = MathScorer(verifier)
    assert grade(scorer, "\\frac{1}{2}", "So x is \\boxed{0.5}.").correct
    assert grade(scorer, "\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{(3, \\pi/2)}").correct
    # No box: math-verify finds the final expression itself.
    assert grade(scorer, "\\frac{14}{3}", "The answer is 14/3").correct


def test_wrong_and_unparseable_answers_score_zero(verifier: MathVerifier) -> None:
    scorer = MathScorer(verifier)
    wrong = grade(scorer, "\\frac{1}{2}", "\\boxed{\\frac{1}{3}}")
    assert wrong.value == 0.0 and wrong.reason == "expected \\frac{1}{2}, got \\frac{1}{3}"
    unparseable = grade(scorer, "5", "I have no idea.")
    assert unparseable.value == 0.0 and not is_unscorable(unparseable)
    assert grade(scorer, "5", "   ").reason == "empty answer"


def test_a_check_past_the_hard_deadline_is_unscorable_and_the_worker_replaced() -> None:
    # A worker cannot even start in 1 ms: the check times out, the worker is killed.
    pool = MathVerifier(workers=1, hard_timeout_s=0.001)
    try:
        slow = grade(MathScorer(pool), "2", "\\boxed{2}")
        assert is_unscorable(slow)
        assert "did not finish within" in (slow.reason or "")
        pool.hard_timeout_s = 60
        assert grade(MathScorer(pool), "2", "\\boxed{2}").correct  # a fresh worker answers
    finally:
        pool.close()
