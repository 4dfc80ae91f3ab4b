"""Pull the Python code out of a model's answer (markdown fences, prose, reasoning)."""

from __future__ import annotations

import ast
import re

# A fence opens with ``` or ~~~ plus an optional language tag; the last block of an answer
# cut off by the token limit may never close, so the closing fence is optional at the end.
FENCE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+#.-]*)[^\n]*\n(?P<body>.*?)(?:^[ \t]*(?P=fence)[ \t]*$|\Z)",
    re.DOTALL | re.MULTILINE,
)
PYTHON_TAGS = {"python", "py", "python3", "py3"}
# Reasoning models write drafts in <think> before answering; only the answer counts.
THINKING = re.compile(r"<think>.*?</think>", re.DOTALL)
CODE_START = re.compile(r"^(?:def |async def |class |import |from \S+ import |@)", re.MULTILINE)


def extract_python_code(text: str, *, entry_point: str | None = None) -> str:
    """The code of `text`.

    Fenced blocks tagged python (else untagged ones; blocks in other languages are never
    taken) compete: the last one that defines `entry_point`, else the last one that defines
    any function or class, else the longest. Without fences, the text itself, starting at
    its first line of code when prose precedes it.
    """
    text = THINKING.sub("", text)
    blocks = _blocks(text)
    if blocks:
        return _choose(blocks, entry_point).strip("\n").rstrip() + "\n"
    return _unfenced(text)


def _blocks(text: str) -> list[str]:
    tagged: list[str] = []
    untagged: list[str] = []
    for match in FENCE.finditer(text):
        lang = match.group("lang").lower()
        if lang in PYTHON_TAGS:
            tagged.append(match.group("body"))
        elif not lang:
            untagged.append(match.group("body"))
    return tagged or untagged


def _choose(blocks: list[str], entry_point: str | None) -> str:
    if entry_point:
        defines = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(entry_point)}\s*\(", re.MULTILINE)
        hits = [block for block in blocks if defines.search(block)]
        if hits:
            return hits[-1]
    with_definitions = [block for block in blocks if re.search(r"^\s*(?:def|class)\s", block, re.MULTILINE)]
    if with_definitions:
        return with_definitions[-1]
    return max(blocks, key=len)


def _unfenced(text: str) -> str:
    stripped = text.strip("\n").rstrip()
    if not stripped.strip():
        return ""
    if parses(stripped):
        return stripped + "\n"
    start = CODE_START.search(stripped)
    return (stripped[start.start() :] if start else stripped) + "\n"


def parses(code: str) -> bool:
    """Whether ``code`` is Python that parses (parsing runs none of it)."""
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
