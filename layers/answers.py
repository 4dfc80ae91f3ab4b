"""Pull the final answer out of a free-text response: the ``vote`` technique's extractors.

Pure functions (no I/O, no state): the ``vote`` technique uses them to decide which
candidates agree, and benchmark scorers use the same ones to grade (benchmarks depend on
techniques, never the other way round). Every extractor returns a normalized string, or
``None`` when the text holds no answer of that kind, so two answers agree exactly when
their extractions are equal.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

#: The extractors by the names systems and the README use.
Extractor = Literal["last_number", "boxed", "choice", "regex", "exact"]
EXTRACTORS: tuple[str, ...] = ("last_number", "boxed", "choice", "regex", "exact")
#: Names earlier versions also accepted, and the one that replaced each.
RENAMED = {"number": "last_number", "text": "exact"}

DEFAULT_LETTERS = "ABCDEFGHIJ"

# "1,234.5" (thousands separators), "1234.5", ".5"; an optional sign.
_NUMBER = re.compile(r"[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)")
# Phrases models use to announce the final answer; the number after the last one wins
# over the last number of the text ("The answer is 18, i.e. 9 * 2" is 18, not 2).
_FINAL_MARKER = re.compile(r"(?:####|final answer\s*(?:is)?\s*[:=]?|answer\s*(?:is|:|=)|\\boxed\s*\{)", re.IGNORECASE)
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


def extract_answer(text: str, kind: str, pattern: str | None = None, *, letters: str = DEFAULT_LETTERS) -> str | None:
    """The answer of extractor ``kind`` in ``text``, normalized; ``None`` if there is none.

    - ``last_number``: the number after the last "answer is / Answer: / #### / \\boxed{",
      else the last number; normalized ("1,000" -> "1000", "3.0" -> "3").
    - ``boxed``: the content of the last ``\\boxed{...}`` (numbers normalized).
    - ``choice``: a letter among ``letters`` ("The answer is (B)" -> "B").
    - ``regex``: group 1 of the last match of ``pattern`` (the whole match if it has no group).
    - ``exact``: the whole text, trimmed, lower-cased, whitespace collapsed.
    """
    if kind in RENAMED:
        raise ValueError(f"extractor {kind!r} is now called {RENAMED[kind]!r}")
    if kind == "last_number":
        return last_number(text)
    if kind == "boxed":
        boxed = last_boxed(text)
        return None if boxed is None else (normalize_number(boxed) or boxed)
    if kind == "choice":
        return choice_letter(text, letters)
    if kind == "regex":
        if pattern is None:
            raise ValueError("extract_answer(kind='regex') needs a pattern")
        return regex_match(text, pattern)
    if kind == "exact":
        normalized = " ".join(text.split()).lower()
        return normalized or None
    raise ValueError(f"unknown extractor {kind!r}; expected one of {', '.join(EXTRACTORS)}")


def strip_reasoning(text: str) -> str:
    """Drop ``<think>...</think>`` blocks that reasoning models prepend to their answer."""
    return _THINK.sub("", text).strip()


def normalize_number(text: str) -> str | None:
    """Canonical form of a number written as text; ``None`` if it is not one number.

    Drops thousands separators, currency and percent signs and trailing zeros, so that
    "$1,000.00", "1000" and "1000.0" all read "1000".
    """
    cleaned = text.strip().replace(",", "").replace("−", "-").replace("$", "").rstrip("%").strip()
    cleaned = cleaned.rstrip(".")
    if not cleaned or not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def last_number(text: str) -> str | None:
    """The final numeric answer: after the last final-answer marker if any, else the last number."""
    markers = list(_FINAL_MARKER.finditer(text))
    if markers:
        tail = text[markers[-1].end() :]
        # Only the line the marker is on: a number on a later line is not what was announced.
        first_line = tail.lstrip().split("\n", 1)[0]
        found = _NUMBER.search(first_line)
        if found:
            return normalize_number(found.group())
    numbers = _NUMBER.findall(text)
    return normalize_number(numbers[-1]) if numbers else None


def last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` (or ``\\fbox{...}``), with nested braces balanced."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    rest = text[start:]
    rest = rest[len("\\boxed") :] if rest.startswith("\\boxed") else rest[len("\\fbox") :]
    if not rest.startswith("{"):
        # "\boxed 5" (no braces) is legal LaTeX for a one-token argument.
        token = re.match(r"\s+([^\s$]+)", rest)
        return token.group(1) if token else None
    depth = 0
    for index, char in enumerate(rest):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                content = rest[1:index].strip()
                return content or None
    return None  # unbalanced: the response was cut off inside the box


def choice_letter(text: str, letters: str = DEFAULT_LETTERS) -> str | None:
    """The chosen option letter, trying the most explicit phrasings first."""
    body = strip_reasoning(text)
    allowed = "".join(sorted(set(letters.upper())))
    if not allowed:
        return None
    cls = f"[{re.escape(allowed)}]"
    patterns = (
        # "answer is (B)", "Answer: B", "final answer: **B**", "correct option is B."
        # The keyword is matched in any case, the letter only in capitals ("answer is a bit" is no "A").
        rf"(?i:answer|option|choice)\s*(?:is|:)?\s*[:\-]?\s*[\*\(\[\s]*({cls})(?![A-Za-z0-9])",
        rf"\\boxed\{{\s*(?:\\text\{{)?\(?({cls})\)?",
        # "(B)" on its own, or "B." / "B)" opening a line.
        rf"\(({cls})\)",
        rf"(?m)^\s*\**({cls})[\.\):]?\**\s*$",
        rf"(?m)^\s*\**({cls})[\.\):]",
    )
    for pattern in patterns:
        found = re.findall(pattern, body)
        if found:
            return str(found[-1]).upper()
    # A bare reply like "C" (or "c").
    bare = body.strip().strip("*.()[] ").upper()
    return bare if len(bare) == 1 and bare in allowed else None


def regex_match(text: str, pattern: str) -> str | None:
    """Group 1 of the last match (the whole match when the pattern has no group), trimmed."""
    compiled = re.compile(pattern)
    matches = list(compiled.finditer(text))
    if not matches:
        return None
    last = matches[-1]
    value = last.group(1) if compiled.groups else last.group(0)
    if value is None:
        return None
    value = value.strip()
    return value or None
