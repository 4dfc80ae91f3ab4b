"""The three parts of a benchmark: items (a dataset), a prompt format, a scorer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from archon.layers.base import ItemContext


@dataclass(frozen=True)
class Item:
    """One benchmark record.

    ``id`` is stable across versions of the data (it seeds the dev/test split).
    ``prompt`` is the text sent to the system (already formatted).
    ``reference`` is what the scorer needs: a gold answer, a choice letter, test code...
    """

    id: str
    prompt: str
    reference: Any = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: The item's structure for techniques that use it (choices, category, answer format);
    #: set by ``Benchmark.items()`` and passed to the system with the prompt.
    context: ItemContext | None = None


@dataclass(frozen=True)
class Score:
    """The score of one answer, in [0, 1], with the reason when it is not a full pass."""

    value: float
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        return self.value >= 1.0


@runtime_checkable
class Scorer(Protocol):
    """Turns (item, answer) into a Score. Must never raise for a bad answer:
    an unparseable or harmful answer is a Score of 0 with its reason."""

    name: str

    async def score(self, item: Item, answer: str) -> Score: ...
