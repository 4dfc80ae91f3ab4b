"""Exact match: the whole answer equals the reference (whitespace and, by default, case aside)."""

from __future__ import annotations

from archon.benchmarks.scorers.base import missing_reference
from archon.benchmarks.types import Item, Score
from archon.layers.answers import strip_reasoning


class ExactScorer:
    name = "exact"

    def __init__(self, case_sensitive: bool = False, strip_punctuation: bool = True) -> None:
        self.case_sensitive = case_sensitive
        self.strip_punctuation = strip_punctuation

    def normalize(self, text: str) -> str:
        text = " ".join(text.split())
        if self.strip_punctuation:
            # A trailing period or quotes around a one-word answer are style, not content.
            text = text.strip(" .!\"'`*")
        return text if self.case_sensitive else text.lower()

    async def score(self, item: Item, answer: str) -> Score:
        if (missing := missing_reference(item)) is not None:
            return missing
        expected = self.normalize(str(item.reference))
        got = self.normalize(strip_reasoning(answer))
        if got == expected:
            return Score(1.0)
        return Score(0.0, f"expected {expected!r}, got {_short(got)!r}")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
