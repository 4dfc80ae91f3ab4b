"""unit_test_evaluate in `execute` mode: generated asserts run against each candidate in the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import archon
from archon.testing import FakeCall, register_fake_model, unregister_fake_model

GOOD = "```python\ndef add(a, b):\n    return a + b\n```"
WRONG = "```python\ndef add(a, b):\n    return a - b\n```"
HANGS = "```python\ndef add(a, b):\n    while True:\n        pass\n```"
TESTS = "1. assert add(1, 2) == 3\n2. assert add(0, 0) == 0\n3. assert add(-1, 1) == 0"


def coder(call: FakeCall) -> str:
    if "assert statements" in call.prompt:
        return TESTS
    return (WRONG, HANGS, GOOD)[call.seed % 3]  # the client sets seed = sample index


@pytest.fixture
def fake_coder() -> Iterator[str]:
    register_fake_model("coder", coder)
    yield "fake/coder"
    unregister_fake_model("coder")


def test_execute_mode_ranks_the_correct_program_first(fake_coder: str) -> None:
    system = archon.load({
        "name": "code",
        "models": {"m": fake_coder},
        "nodes": [
            {"id": "candidates", "type": "generate", "models": ["m"], "samples": 3},
            {"id": "tests", "type": "unit_test_generate", "inputs": [], "model": "m", "style": "code"},
            {"id": "best", "type": "unit_test_evaluate", "inputs": ["candidates", "tests"],
             "mode": "execute", "timeout_s": 2},
        ],
    }, cache=False)
    result = system.run("Write a function add(a, b) that returns the sum of a and b.")
    assert result.answer == GOOD
    notes = [c.notes for c in result.candidates]
    assert [n["tests_passed"] for n in notes] == [3, 1, 0]  # wrong passes add(0, 0) only; the hang none
    assert result.trace[1]["tests"] == ["assert add(1, 2) == 3", "assert add(0, 0) == 0", "assert add(-1, 1) == 0"]
    # The tests were written while the candidates were sampled: the two nodes overlap.
    gen, tests = result.trace[0], result.trace[1]
    assert tests["start_s"] < gen["start_s"] + gen["elapsed_s"]
