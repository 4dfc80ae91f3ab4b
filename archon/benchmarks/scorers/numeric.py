"""Numeric match: the final number of the answer equals the reference number."""

from __future__ import annotations

import math

from archon.benchmarks.scorers.base import missing_reference, unscorable
from archon.benchmarks.types import Item, Score
from archon.layers.answers import last_number, normalize_number


class NumericScorer:
    name = "numeric"

    def __init__(self, rel_tol: float = 1e-6, abs_tol: float = 1e-9) -> None:
        if rel_tol < 0 or abs_tol < 0:
            raise ValueError(f"tolerances must be >= 0, got rel_tol={rel_tol}, abs_tol={abs_tol}")
        self.rel_tol = rel_tol
        self.abs_tol = abs_tol

    async def score(self, item: Item, answer: str) -> Score:
        if (missing := missing_reference(item)) is not None:
            return missing
        expected = normalize_number(str(item.reference))
        if expected is None:
            return unscorable(f"the reference {item.reference!r} is not a number")
        got = last_number(answer)
        if got is None:
            return Score(0.0, "no number found in the answer", {"extracted": None})
        details = {"extracted": got, "expected": expected}
        if math.isclose(float(got), float(expected), rel_tol=self.rel_tol, abs_tol=self.abs_tol):
            return Score(1.0, None, details)
        return Score(0.0, f"expected {expected}, got {got}", details)
