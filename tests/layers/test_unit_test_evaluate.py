"""unit_test_evaluate: its verdict parser, candidates ranked by the tests they pass (judged by a model),
and `execute` mode (generated asserts run against each candidate in the sandbox)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

import archon
from archon.layers.unit_test_evaluate import parse_test_verdicts
from archon.testing import FakeCall, register_fake_model, unregister_fake_model
from tests.layers.layer_helpers import Register, node, run


@pytest.mark.parametrize(
    ("text", "n", "verdicts"),
    [
        ("1. [Passed]\n2. [Failed]\n3. [Passed]", 3, [True, False, True]),
        ("1: [passed]\n3) [PASSED]", 3, [True, False, True]),
        ("[Passed] [Failed]", 3, [True, False, False]),
        # Only an explicit [Passed] counts (the reference counted any text containing "pas").
        ("1. Passed\n2. passes\n3. The response surpasses expectations", 3, [False, False, False]),
        ("1. The answer passes this test [Failed]", 1, [False]),
        ("1. [Passed]\n9. [Passed]", 2, [True, False]),
        ("", 2, [False, False]),
    ],
)
def test_parse_test_verdicts(text: str, n: int, verdicts: list[bool]) -> None:
    assert parse_test_verdicts(text, n) == verdicts


def test_unit_tests_rank_candidates_by_tests_passed(fake_model: Register) -> None:
    gen = fake_model("ut_gen", lambda c: f"candidate {c.seed}")
    writer = fake_model("ut_writer", lambda c: "1. Mentions A.\n2. Mentions B.\n3. Mentions C.\n4. Mentions D.")

    def judge(call: FakeCall) -> str:
        # candidate k passes the first k tests
        k = int(re.search(r"Response:\ncandidate (\d+)", call.prompt).group(1))  # type: ignore[union-attr]
        return "\n".join(f"{i}. {'[Passed]' if i <= k else '[Failed]'}" for i in range(1, 5))

    judge_model = fake_model("ut_judge", judge)
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 4}}
  - {{id: tests, type: unit_test_generate, model: {writer}, num_tests: 4}}
  - {{id: judge, type: unit_test_evaluate, model: {judge_model}, top_k: 3}}
""")
    assert node(result, "tests")["tests"] == ["Mentions A.", "Mentions B.", "Mentions C.", "Mentions D."]
    assert [c.text for c in result.candidates] == ["candidate 3", "candidate 2", "candidate 1"]
    assert [c.notes["tests_passed"] for c in result.candidates] == [3, 2, 1]
    assert result.candidates[0].notes["test_results"] == [True, True, True, False]
    assert result.usage.by_node["judge"].calls == 4  # one judgement per candidate


def test_unit_tests_on_the_default_fake() -> None:
    result = run("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 3}\n"
                 "  - {id: tests, type: unit_test_generate, model: fake/a, num_tests: 6}\n"
                 "  - {id: judge, type: unit_test_evaluate, model: fake/a}\n")
    assert len(node(result, "tests")["tests"]) == 6
    assert all(c.notes["tests_total"] == 6 for c in result.candidates)
    passed = [c.notes["tests_passed"] for c in result.candidates]
    assert passed == sorted(passed, reverse=True)


def test_unit_test_evaluate_without_tests_keeps_the_order(fake_model: Register) -> None:
    writer = fake_model("ut_silent", lambda c: "I cannot think of any.")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [fake/a], samples: 2}}
  - {{id: tests, type: unit_test_generate, model: {writer}}}
  - {{id: judge, type: unit_test_evaluate, model: fake/a}}
""")
    assert len(result.candidates) == 2
    assert all(c.notes["tests_passed"] is None for c in result.candidates)
    assert "judge" not in result.usage.by_node


# -- execute mode ----------------------------------------------------------------------------

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
