"""Finding the code in a model's answer."""

from __future__ import annotations

from archon.sandbox import extract_python_code

F = "def f(x):\n    return x + 1\n"


def test_python_fence() -> None:
    answer = f"Here you go:\n\n```python\n{F}```\n\nThis adds one."
    assert extract_python_code(answer) == F


def test_plain_and_tilde_fences() -> None:
    assert extract_python_code(f"```\n{F}```") == F
    assert extract_python_code(f"~~~py\n{F}~~~") == F


def test_python_block_wins_over_other_languages() -> None:
    answer = f"Install:\n```bash\npip install nothing\n```\nCode:\n```python\n{F}```"
    assert extract_python_code(answer) == F
    # An untagged block is taken when no block is tagged python, never a bash one.
    assert extract_python_code(f"```bash\nls\n```\n```\n{F}```") == F


def test_block_defining_the_entry_point_wins_over_usage_examples() -> None:
    answer = f"```python\n{F}```\nUsage:\n```python\nprint(f(2))\n```"
    assert extract_python_code(answer, entry_point="f") == F
    assert extract_python_code(answer) == F  # without a hint: the block with a definition


def test_last_definition_wins_when_the_answer_revises_itself() -> None:
    first = "def f(x):\n    return x\n"
    answer = f"First try:\n```python\n{first}```\nFixed:\n```python\n{F}```"
    assert extract_python_code(answer, entry_point="f") == F


def test_unclosed_fence_from_a_truncated_answer() -> None:
    assert extract_python_code(f"```python\n{F}") == F


def test_body_only_answer_keeps_its_indentation() -> None:
    assert extract_python_code("```python\n    return x + 1\n```") == "    return x + 1\n"


def test_no_fence_takes_the_text_from_its_first_line_of_code() -> None:
    assert extract_python_code(F) == F
    assert extract_python_code(f"Sure! Here is the function:\n{F}") == F


def test_reasoning_drafts_are_ignored() -> None:
    # The final answer is not fenced: a fenced draft inside <think> must not be picked.
    answer = f"<think>maybe:\n```python\ndef f(x):\n    return 0\n```\n</think>\n{F}"
    assert extract_python_code(answer, entry_point="f") == F


def test_empty_answer() -> None:
    assert extract_python_code("") == ""
    assert extract_python_code("   \n") == ""
