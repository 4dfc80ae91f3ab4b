"""A code answer scores 1 only when the hidden tests ran and passed: answers that exit early,
forge the completion line or change what the tests call score 0, with a reason, on both
sandbox backends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from archon.benchmarks.code import load_humaneval, load_mbpp
from archon.benchmarks.code.scorer import CodeTestsScorer
from archon.benchmarks.types import Item, Score
from archon.sandbox import BubblewrapSandbox, RlimitSandbox, Sandbox
from tests.sandbox.conftest import bubblewrap_problem

# HumanEval/70 (strange_sort_list): a wrong answer, and the same answer right.
WRONG_70 = "def strange_sort_list(lst):\n    return None\n"
RIGHT_70 = (
    "def strange_sort_list(lst):\n    out, rest, low = [], sorted(lst), True\n    while rest:\n"
    "        out.append(rest.pop(0) if low else rest.pop())\n        low = not low\n    return out\n"
)
FORGED = "ARCHON-COMPLETED " + "0" * 32

HOSTILE_70 = {
    "unittest.main() in a main block": (
        WRONG_70 + "\nimport unittest\nif __name__ == '__main__':\n    unittest.main()\n"
    ),
    "top-level sys.exit(0)": WRONG_70 + "\nimport sys\nsys.exit(0)\n",
    "top-level os._exit(0)": WRONG_70 + "\nimport os\nos._exit(0)\n",
    "raise SystemExit": WRONG_70 + "\nraise SystemExit\n",
    "exit inside the function": "def strange_sort_list(lst):\n    import os\n    os._exit(0)\n",
    "SystemExit(0) inside the function": "def strange_sort_list(lst):\n    raise SystemExit(0)\n",
    "a forged completion line, then exit": WRONG_70 + f"\nimport os\nprint({FORGED!r}, flush=True)\nos._exit(0)\n",
    "a completion line built from stdin": (
        WRONG_70 + "\nimport os, sys\nprint('ARCHON-COMPLETED ' + sys.stdin.read().strip(), flush=True)\nos._exit(0)\n"
    ),
    "an atexit hook that prints a marker": (
        WRONG_70 + f"\nimport atexit, sys\natexit.register(lambda: print({FORGED!r}))\nsys.exit(0)\n"
    ),
}

# HumanEval/2 (truncate_number) checks `abs(candidate(x) - y) < 1e-6`: an answer that is right on
# the one exact test and makes `abs` return 0 would pass if it could change what `abs` means.
CONSTANT_2 = "def truncate_number(number):\n    return 0.5\n"
HOSTILE_2 = {
    "builtins.abs replaced": "import builtins\nbuiltins.abs = lambda x: 0\n" + CONSTANT_2,
    "a global abs shadowing the builtin": "abs = lambda x: 0\n" + CONSTANT_2,
}


@pytest.fixture(scope="module", params=["bubblewrap", "rlimit"])
def backend(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    box: Sandbox
    if request.param == "bubblewrap":
        if problem := bubblewrap_problem():
            pytest.skip(problem)
        box = BubblewrapSandbox(max_concurrency=2)
    else:
        box = RlimitSandbox(max_concurrency=2)  # its isolation warning is ignored by the test settings
    with box:
        yield box


def item(task_id: str) -> Item:
    loader = load_mbpp if task_id.startswith("mbpp/") else load_humaneval
    return next(i for i in loader() if i.id == task_id)


def score(backend: Sandbox, task_id: str, code: str) -> Score:
    return asyncio.run(CodeTestsScorer(backend).score(item(task_id), f"```python\n{code}```"))


@pytest.mark.parametrize("code", HOSTILE_70.values(), ids=HOSTILE_70.keys())
def test_an_answer_that_stops_before_the_hidden_tests_scores_zero(backend: Sandbox, code: str) -> None:
    result = score(backend, "HumanEval/70", code)
    assert result.value == 0.0
    assert result.reason, "a failure says why"


def test_exiting_with_status_0_before_the_tests_is_named_as_such(backend: Sandbox) -> None:
    result = score(backend, "HumanEval/70", HOSTILE_70["top-level sys.exit(0)"])
    assert result.reason is not None and "before its end" in result.reason


@pytest.mark.parametrize("code", HOSTILE_2.values(), ids=HOSTILE_2.keys())
def test_an_answer_cannot_change_what_the_tests_call(backend: Sandbox, code: str) -> None:
    result = score(backend, "HumanEval/2", code)
    assert result.value == 0.0
    assert result.reason is not None and "AssertionError" in result.reason and "abs(" in result.reason


def test_a_right_answer_passes_and_its_main_block_does_not_run(backend: Sandbox) -> None:
    # The main block would fail the run if it ran: the answer is imported as a module, not run as a script.
    guarded = RIGHT_70 + "\nif __name__ == '__main__':\n    raise RuntimeError('the main block ran')\n"
    assert score(backend, "HumanEval/70", guarded).value == 1.0
    assert score(backend, "HumanEval/70", RIGHT_70 + "\nprint('ARCHON-COMPLETED nonsense')\n").value == 1.0


def test_an_mbpp_answer_with_a_unittest_main_block_is_judged_by_the_asserts(backend: Sandbox) -> None:
    wrong = 'def remove_Occ(s, ch):\n    return s\n\nimport unittest\nif __name__ == "__main__":\n    unittest.main()\n'
    right = "def remove_Occ(s, ch):\n    i, j = s.find(ch), s.rfind(ch)\n    if i < 0:\n        return s\n" \
            "    return s[:i] + s[i + 1:j] + s[j + 1:] if i != j else s[:i] + s[i + 1:]\n"
    assert score(backend, "mbpp/11", wrong).value == 0.0
    assert score(backend, "mbpp/11", right + 'if __name__ == "__main__":\n    raise SystemExit(3)\n').value == 1.0
