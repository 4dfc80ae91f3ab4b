"""The code-tests scorer: right answers score 1; wrong, broken or hostile ones score 0
with their reason, and never reach the host."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from archon.benchmarks.code import CodeTask, CodeTestsScorer, load_humaneval, load_mbpp, reference_answer
from archon.benchmarks.types import Item, Score, Scorer
from archon.errors import ArchonError
from archon.sandbox import Sandbox

SIGNATURE = "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"


@pytest.fixture(scope="module")
def humaneval_0() -> Item:
    return load_humaneval()[0]


@pytest.fixture(scope="module")
def scorer(code_sandbox: Sandbox) -> CodeTestsScorer:
    return CodeTestsScorer(code_sandbox, timeout_s=2, memory_mb=256)


def score(scorer: CodeTestsScorer, item: Item, answer: str) -> Score:
    return asyncio.run(scorer.score(item, answer))


def fenced(body: str) -> str:
    """A full-function answer whose body is `body`, as a model would write it."""
    return f"Here is my solution:\n```python\nfrom typing import List\n\n{SIGNATURE}{body}```\n"


def test_it_is_a_scorer_named_code_tests() -> None:
    assert isinstance(CodeTestsScorer(), Scorer)
    assert CodeTestsScorer.name == "code-tests"


def test_reference_answers_score_one(scorer: CodeTestsScorer, humaneval_0: Item) -> None:
    mbpp_first = load_mbpp()[0]
    for item in (humaneval_0, mbpp_first):
        result = score(scorer, item, reference_answer(item))
        assert (result.value, result.reason) == (1.0, None)


def test_a_body_only_answer_is_completed_from_the_prompt(scorer: CodeTestsScorer, humaneval_0: Item) -> None:
    task = humaneval_0.reference
    assert isinstance(task, CodeTask)
    body = task.solution[len(task.prompt_code) :]
    assert score(scorer, humaneval_0, body).value == 1.0


def test_a_wrong_answer_fails_with_the_failing_assert(scorer: CodeTestsScorer, humaneval_0: Item) -> None:
    result = score(scorer, humaneval_0, fenced("    return False\n"))
    assert result.value == 0.0
    assert result.reason is not None
    assert result.reason.startswith("exit code 1: AssertionError (in: assert candidate(")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("    while True:\n        pass\n", "timeout after 2s"),
        ("    import os\n    while True:\n        os.fork()\n", "BlockingIOError"),
        ("    return len(bytearray(8 * 1024**3)) > 0\n", "memory limit (256 MB)"),
    ],
    ids=["infinite-loop", "fork-bomb", "memory-bomb"],
)
def test_hostile_answers_fail_with_their_reason(
    scorer: CodeTestsScorer, humaneval_0: Item, body: str, reason: str
) -> None:
    result = score(scorer, humaneval_0, fenced(body))
    assert result.value == 0.0
    assert result.reason is not None and reason in result.reason


def test_an_answer_writing_outside_its_directory_fails_and_writes_nothing(
    scorer: CodeTestsScorer, humaneval_0: Item, tmp_path: Path
) -> None:
    target = tmp_path / "escape.txt"
    result = score(scorer, humaneval_0, fenced(f"    open({str(target)!r}, 'w').write('x')\n    return True\n"))
    assert result.value == 0.0
    assert result.reason is not None
    assert "FileNotFoundError" in result.reason or "PermissionError" in result.reason
    assert not target.exists()


def test_an_answer_opening_a_socket_fails_under_bubblewrap(scorer: CodeTestsScorer, humaneval_0: Item) -> None:
    if scorer.sandbox.backend != "bubblewrap":
        pytest.skip("only bubblewrap isolates the network (the fallback warns that it does not)")
    body = "    import socket\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n    return True\n"
    result = score(scorer, humaneval_0, fenced(body))
    assert result.value == 0.0
    assert result.reason is not None and "ConnectionRefusedError" in result.reason


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("```python\ndef has_close_elements(numbers, threshold:\n    return True\n```", "syntax error: "),
        ("I cannot solve this.", "syntax error: "),
        ("```python\nx = '\0'\n```", "syntax error: "),  # null bytes: ValueError before 3.11.4
        ("", "no code in the answer"),
    ],
    ids=["syntax-error", "prose", "null-byte", "empty"],
)
def test_unparseable_answers_fail_without_running(
    scorer: CodeTestsScorer, humaneval_0: Item, answer: str, reason: str
) -> None:
    result = score(scorer, humaneval_0, answer)
    assert result.value == 0.0
    assert result.reason is not None and result.reason.startswith(reason)


def test_an_item_without_a_code_reference_is_a_wiring_error(scorer: CodeTestsScorer) -> None:
    with pytest.raises(ArchonError, match="needs a CodeTask reference"):
        score(scorer, Item(id="x", prompt="p", reference="42"), "```python\nprint(1)\n```")
