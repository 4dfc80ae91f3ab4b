"""example_tests: asserts read from the worked examples of a programming task, no model call."""

from __future__ import annotations

import pytest

import archon
from archon.errors import ArchonError
from archon.layers.example_tests import example_tests
from archon.testing import FakeCall, register_fake_model, unregister_fake_model


def task(docstring: str, signature: str = "def f(x):") -> str:
    quotes = '"""'
    code = f"{signature}\n    {quotes}\n    {docstring}\n    {quotes}\n"
    return f"Complete the following Python function.\n\n```python\n{code}```"


@pytest.mark.parametrize(("docstring", "expected"), [
    (">>> f(3)\n    9", ["assert (f(3)) == 9"]),
    (">>> f([1, 2])  # two items\n    [1, 4]", ["assert (f([1, 2])) == [1, 4]"]),
    (">>> f(2) == 4\n    True", ["assert f(2) == 4"]),
    (">>> f(2) == 4", ["assert f(2) == 4"]),
    ("Example: f(5) == 25", ["assert (f(5)) == 25"]),
    ("for f(7) == 49", ["assert (f(7)) == 49"]),
    ("f(2) ➞ 4\n    f(3) -> 9\n    f(4) => 16\n    * f(5) ==> 25", [
        "assert (f(2)) == 4", "assert (f(3)) == 9", "assert (f(4)) == 16", "assert (f(5)) == 25"]),
    ("f('ab') returns 'abab'", ["assert (f('ab')) == 'abab'"]),
    ("f(1) => true", ["assert (f(1)) == True"]),
    ("f(5, 6) -> 19 - 5 - 6 = 8", ["assert (f(5, 6)) == 8"]),
    ("Example 1:\n        Input: 3\n        Output: (1, 2)", ["assert (f(3)) == (1, 2)"]),
    ("For x = [1, 2] the output should be 3", ["assert (f(x = [1, 2])) == 3"]),
    (">>> f(0.5)\n    0.25", ["assert abs((f(0.5)) - (0.25)) < 1e-6"]),
])
def test_each_way_of_writing_an_example_becomes_an_assert(docstring: str, expected: list[str]) -> None:
    assert example_tests(task(docstring)) == expected


@pytest.mark.parametrize("docstring", [
    "f(abc) => False",  # an unquoted string: as code it would be a NameError
    ">>> f(3)\n    the square",  # not a Python literal
    "g(3) == 9",  # a function the task does not define
    ">>> f(3)",  # a call with nothing shown
    "Return the square of x.",
])
def test_examples_that_cannot_be_checked_as_written_are_skipped(docstring: str) -> None:
    assert example_tests(task(docstring)) == []


def test_floats_in_lists_are_compared_with_a_tolerance_and_repeats_are_dropped() -> None:
    tests = example_tests(task(">>> f(1)\n    [0.5, 1.0]\n    >>> f(1)\n    [0.5, 1.0]"))
    assert tests == ["assert len(__r := (f(1))) == len(__e := [0.5, 1.0]) and "
                     "all(abs(a - b) < 1e-6 for a, b in zip(__r, __e))"]
    namespace: dict[str, object] = {}
    exec("def f(x):\n    return [0.5000000001, 1.0]\n" + tests[0], namespace)


def test_a_query_without_code_or_examples_has_no_tests() -> None:
    assert example_tests("What is the capital of France?") == []
    assert example_tests(task(">>> f(1)\n    1\n" * 20), limit=3) == ["assert (f(1)) == 1"]


GOOD = "```python\ndef square(x):\n    return x * x\n```"
WRONG = "```python\ndef square(x):\n    return x + x\n```"
TASK = task(">>> square(3)\n    9\n    >>> square(2)\n    4", "def square(x):")


def test_a_system_selects_the_candidate_that_passes_the_examples() -> None:
    def coder(call: FakeCall) -> str:
        return (WRONG, WRONG, GOOD)[call.seed % 3]

    register_fake_model("square-coder", coder)
    try:
        system = archon.load({
            "name": "select",
            "nodes": [
                {"id": "candidates", "type": "generate", "models": ["fake/square-coder"], "samples": 3},
                {"id": "examples", "type": "example_tests", "inputs": []},
                {"id": "best", "type": "unit_test_evaluate", "inputs": ["candidates", "examples"],
                 "mode": "execute", "timeout_s": 2},
            ],
        }, cache=False)
        result = system.run(TASK)
    finally:
        unregister_fake_model("square-coder")
    assert result.answer == GOOD
    # square(2) == 4 holds for x + x as well: the wrong candidates pass one test of two.
    assert [c.notes["tests_passed"] for c in result.candidates] == [2, 1, 1]
    assert result.usage.total.requests == 3  # the examples cost no call
    assert result.trace[1]["tests"] == ["assert (square(3)) == 9", "assert (square(2)) == 4"]


def test_example_tests_must_feed_a_unit_test_evaluate_node() -> None:
    with pytest.raises(ArchonError, match="must feed only unit_test_evaluate"):
        archon.load({"name": "x", "nodes": [
            {"id": "g", "type": "generate", "models": ["fake/a"]},
            {"id": "t", "type": "example_tests"},
        ]}, cache=False)
