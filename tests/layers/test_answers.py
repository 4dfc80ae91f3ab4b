from __future__ import annotations

import pytest

from archon.layers.answers import extract_answer, last_boxed, normalize_number, strip_reasoning


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,000", "1000"),
        ("3.0", "3"),
        ("$18.00", "18"),
        ("-0.50", "-0.5"),
        ("50%", "50"),
        ("18.", "18"),
        ("1e3", "1000"),
        ("twelve", None),
        ("1/2", None),
        ("", None),
    ],
)
def test_normalize_number(text: str, expected: str | None) -> None:
    assert normalize_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is 1,000.", "1000"),
        ("Janet sells 9 eggs.\n#### 18", "18"),
        # The announced answer wins over a later number on the same line...
        ("Answer: 18 dollars, that is 9 * 2", "18"),
        # ...but without an announcement the last number is the answer.
        ("First 3 then 4, so 7", "7"),
        ("Final Answer: \\boxed{42}", "42"),
        ("x = -5.50", "-5.5"),
        ("no digits here", None),
        ("", None),
    ],
)
def test_number(text: str, expected: str | None) -> None:
    assert extract_answer(text, "last_number") == expected


def test_boxed_takes_the_last_box_and_balances_braces() -> None:
    text = "first \\boxed{1} then \\boxed{\\frac{1}{2}} done"
    assert extract_answer(text, "boxed") == "\\frac{1}{2}"
    assert extract_answer("\\boxed{1,000.0}", "boxed") == "1000"
    assert last_boxed("\\boxed 5$") == "5"
    assert last_boxed("\\fbox{x+1}") == "x+1"
    assert last_boxed("cut off \\boxed{\\frac{1}{2") is None
    assert extract_answer("no box", "boxed") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is (B).", "B"),
        ("Answer: **C**", "C"),
        ("So the final answer is \\boxed{A}", "A"),
        ("B. Paris", "B"),
        ("d", "D"),
        # "a" in "answer is a bit" is not the option A.
        ("The answer is a bit unclear.", None),
        # E is not an option of an A-D question.
        ("Answer: E", None),
        ("I cannot decide", None),
    ],
)
def test_choice(text: str, expected: str | None) -> None:
    assert extract_answer(text, "choice", letters="ABCD") == expected


def test_regex_uses_group_one_of_the_last_match() -> None:
    assert extract_answer("score=12, score=15", "regex", r"score=(\d+)") == "15"
    assert extract_answer("yes and no", "regex", r"yes|no") == "no"
    assert extract_answer("nothing", "regex", r"score=(\d+)") is None
    with pytest.raises(ValueError, match="needs a pattern"):
        extract_answer("x", "regex")


def test_exact_and_an_unknown_extractor() -> None:
    assert extract_answer("  Hello\n  World ", "exact") == "hello world"
    assert extract_answer("   ", "exact") is None
    expected = "unknown extractor 'nope'; expected one of last_number, boxed, choice, regex, exact"
    with pytest.raises(ValueError, match=expected):
        extract_answer("x", "nope")


def test_strip_reasoning() -> None:
    assert strip_reasoning("<think>maybe 3</think>\nThe answer is 4") == "The answer is 4"
    assert extract_answer("<think>answer is (A)</think> Answer: C", "choice") == "C"


def test_the_vote_techniques_extractor_names_are_accepted() -> None:
    assert extract_answer("so 1,000", "last_number") == "1000"
    for old, new in (("number", "last_number"), ("text", "exact")):
        with pytest.raises(ValueError, match=f"extractor '{old}' is now called '{new}'"):
            extract_answer("so 1,000", old)
    assert extract_answer(" Paris ", "exact") == "paris"
