from __future__ import annotations

import asyncio
from typing import Any

import pytest

from archon.benchmarks.scorers import build_scorer
from archon.benchmarks.scorers.base import FunctionScorer, is_unscorable
from archon.benchmarks.types import Item, Score, Scorer
from archon.errors import ConfigError, UnknownNameError


def score(scorer: Scorer, reference: Any, answer: str, **meta: Any) -> Score:
    return asyncio.run(scorer.score(Item(id="x", prompt="q", reference=reference, meta=meta), answer))


def test_exact() -> None:
    scorer = build_scorer("exact")
    assert score(scorer, "Paris", "  paris. ").value == 1.0
    wrong = score(scorer, "Paris", "Lyon")
    assert wrong.value == 0.0 and wrong.reason == "expected 'paris', got 'lyon'"
    assert score(build_scorer("exact", {"case_sensitive": True}), "Paris", "paris").value == 0.0
    assert is_unscorable(score(scorer, None, "Paris"))


def test_numeric() -> None:
    scorer = build_scorer("numeric")
    assert score(scorer, "1000", "so she pays $1,000.00 in total.").correct
    wrong = score(scorer, "18", "The answer is 17.")
    assert wrong.value == 0.0 and wrong.reason == "expected 18, got 17"
    unparseable = score(scorer, "18", "I do not know")
    assert unparseable.value == 0.0 and unparseable.reason == "no number found in the answer"
    assert not is_unscorable(unparseable)  # the system's fault: it counts as a 0
    assert is_unscorable(score(scorer, "eighteen", "18"))
    assert score(build_scorer("numeric", {"rel_tol": 0.01}), "100", "100.5").correct


def test_regex() -> None:
    scorer = build_scorer("regex", {"pattern": r"ANSWER:\s*(\w+)"})
    assert score(scorer, "blue", "ANSWER: red\nno wait ANSWER: Blue").correct
    assert score(build_scorer("regex", {"pattern": r"ANSWER:\s*([\d,]+)"}), "1000", "ANSWER: 1,000").correct
    assert score(scorer, "blue", "ANSWER: red").reason == "expected 'blue', got 'red'"
    assert "has no match" in (score(scorer, "blue", "blue").reason or "")


def test_choice() -> None:
    scorer = build_scorer("choice")
    assert score(scorer, "C", "Reasoning...\nAnswer: C", letters="ABCD").correct
    assert score(scorer, 2, "Answer: C", letters="ABCD").correct  # 0-based index reference
    assert score(scorer, "C", "Answer: B", letters="ABCD").reason == "expected C, got B"
    assert score(scorer, "C", "Answer: E", letters="ABCD").reason == "no choice among A, B, C, D found in the answer"
    assert is_unscorable(score(scorer, "Z", "Answer: C", letters="ABCD"))


def test_unknown_scorer_suggests_a_name() -> None:
    with pytest.raises(UnknownNameError) as info:
        build_scorer("numerc")
    assert "Did you mean 'numeric'?" in str(info.value)
    assert "code-tests" in str(info.value)


def test_scorer_options_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"scorer_options.tolerance: unknown option for scorer 'numeric'"):
        build_scorer("numeric", {"tolerance": 0.1})
    with pytest.raises(ConfigError, match="scorer 'regex' needs the option 'pattern'"):
        build_scorer("regex")
    with pytest.raises(ConfigError, match="invalid regular expression"):
        build_scorer("regex", {"pattern": "("})


def has_cat(item: Item, answer: str) -> bool:
    return "cat" in answer


async def half(item: Item, answer: str) -> float:
    return 0.5


def test_import_path_scorers() -> None:
    by_path = build_scorer(f"{__name__}:has_cat")
    assert isinstance(by_path, FunctionScorer) and by_path.name == f"{__name__}:has_cat"
    assert score(by_path, None, "a cat").correct
    assert score(FunctionScorer(half), None, "x").value == 0.5
    assert is_unscorable(score(FunctionScorer(lambda item, answer: 3), None, "x"))
    with pytest.raises(ConfigError, match="has no attribute 'nope'"):
        build_scorer(f"{__name__}:nope")
    with pytest.raises(ConfigError, match="cannot import 'no_such_module_xyz'"):
        build_scorer("no_such_module_xyz:f")
    with pytest.raises(ConfigError, match="takes no options"):
        build_scorer(f"{__name__}:has_cat", {"x": 1})
