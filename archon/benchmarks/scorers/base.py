"""What every scorer shares: "unscorable" results and wrapping a plain function.

A wrong or unparseable answer is the system's fault: it scores 0. An item that
cannot be graded at all (the judge answered off-format, the record has no gold
answer) is nobody's score: it is marked unscorable, counted as a failure and left
out of the mean, so a flaky judge does not drag a system down.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from archon.benchmarks.types import Item, Score

UNSCORABLE = "unscorable"


def unscorable(reason: str, **details: Any) -> Score:
    return Score(0.0, reason, {**details, UNSCORABLE: True})


def is_unscorable(score: Score) -> bool:
    return bool(score.details.get(UNSCORABLE))


def missing_reference(item: Item) -> Score | None:
    """The unscorable Score of an item with no gold answer, or None if it has one."""
    if item.reference is None or item.reference == "":
        return unscorable("the record has no reference answer to compare with")
    return None


class FunctionScorer:
    """A scorer from a user function ``(item, answer) -> Score | float | bool`` (sync or async)."""

    def __init__(self, func: Callable[[Item, str], Any], name: str | None = None) -> None:
        self.func = func
        self.name: str = name or str(getattr(func, "__name__", "custom"))

    async def score(self, item: Item, answer: str) -> Score:
        result = self.func(item, answer)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, Score):
            return result
        if isinstance(result, (bool, int, float)):
            value = float(result)
            if not 0.0 <= value <= 1.0:
                return unscorable(f"scorer {self.name!r} returned {value}, outside [0, 1]")
            return Score(value, None if value >= 1.0 else "scored below 1 by " + self.name)
        return unscorable(f"scorer {self.name!r} returned {type(result).__name__}, not a Score or number")
