"""Regex match: extract the answer with a pattern, then compare it with the reference."""

from __future__ import annotations

import re

from archon.benchmarks.scorers.base import missing_reference
from archon.benchmarks.types import Item, Score
from archon.layers.answers import normalize_number, regex_match


class RegexScorer:
    name = "regex"

    def __init__(self, pattern: str, case_sensitive: bool = False) -> None:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        if compiled.groups > 1:
            # With several groups it is ambiguous which one holds the answer.
            raise ValueError(f"pattern {pattern!r} must have at most one group, it has {compiled.groups}")
        self.pattern = pattern
        self.case_sensitive = case_sensitive

    def normalize(self, text: str) -> str:
        text = " ".join(text.split())
        # "1,000" and "1000" are the same answer whatever the pattern captured.
        number = normalize_number(text)
        if number is not None:
            return number
        return text if self.case_sensitive else text.lower()

    async def score(self, item: Item, answer: str) -> Score:
        if (missing := missing_reference(item)) is not None:
            return missing
        got = regex_match(answer, self.pattern)
        if got is None:
            return Score(0.0, f"the answer has no match for {self.pattern!r}", {"extracted": None})
        expected = self.normalize(str(item.reference))
        details = {"extracted": got}
        if self.normalize(got) == expected:
            return Score(1.0, None, details)
        return Score(0.0, f"expected {expected!r}, got {got!r}", details)
