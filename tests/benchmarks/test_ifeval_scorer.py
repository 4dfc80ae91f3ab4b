"""IFEval's own checkers, run offline (no punkt model) through the patched private copy."""

from __future__ import annotations

import asyncio
from typing import Any

from archon.benchmarks.scorers.base import is_unscorable
from archon.benchmarks.scorers.ifeval import IFEvalScorer
from archon.benchmarks.types import Item, Score


def check(instructions: list[str], kwargs: list[dict[str, Any]], answer: str) -> Score:
    reference = {"key": 1, "instruction_id_list": instructions, "kwargs": kwargs}
    return asyncio.run(IFEvalScorer().score(Item(id="1", prompt="Write something.", reference=reference), answer))


def test_followed_and_not_followed() -> None:
    ok = check(["punctuation:no_comma", "change_case:english_lowercase"], [{}, {}], "all lower case and no commas")
    assert ok.correct and ok.details["strict"] == [True, True]
    bad = check(["punctuation:no_comma", "change_case:english_lowercase"], [{}, {}], "Hello, World")
    assert bad.value == 0.0
    assert bad.reason == "not followed: punctuation:no_comma, change_case:english_lowercase"


def test_sentence_counting_works_without_the_punkt_model() -> None:
    instruction = ["length_constraints:number_sentences"]
    kwargs = [{"relation": "less than", "num_sentences": 3}]
    assert check(instruction, kwargs, "One sentence here. Another one there.").correct
    assert not check(instruction, kwargs, "One. Two. Three. Four.").correct


def test_word_tokenizing_works_without_the_punkt_model() -> None:
    instruction = ["change_case:capital_word_frequency"]
    kwargs = [{"capital_frequency": 2, "capital_relation": "at least"}]
    assert check(instruction, kwargs, "The NASA and ESA missions. Then more.").correct
    assert not check(instruction, kwargs, "Only one NASA here.").correct


def test_language_detection() -> None:
    kwargs = [{"language": "de"}]
    german = "Das ist ein kurzer Text auf Deutsch, und er handelt von einem Hund im Garten."
    assert check(["language:response_language"], kwargs, german).correct
    assert not check(["language:response_language"], kwargs, "This is plainly written in English.").correct


def test_reasoning_is_stripped_and_bad_references_are_unscorable() -> None:
    assert check(["punctuation:no_comma"], [{}], "<think>a, b, c</think>no commas at all").correct
    bad = asyncio.run(IFEvalScorer().score(Item(id="1", prompt="p", reference="nope"), "x"))
    assert is_unscorable(bad)
