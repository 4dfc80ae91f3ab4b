"""Deterministic dev/test splits and a stable order for ``--limit``.

An item's split depends only on a seeded hash of its id, never on its position or
on the other items: adding records to a dataset does not move existing ones between
dev and test, and the split is the same on every machine. The order inside a split
is another seeded hash, so "the first N" is a spread-out sample (not, say, only the
first MMLU subject), and the first 10 are always among the first 20.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from archon.benchmarks.types import Item

Split = Literal["dev", "test", "all"]
SPLITS: tuple[str, ...] = ("dev", "test", "all")


def unit_hash(seed: int, salt: str, item_id: str) -> float:
    """A uniform number in [0, 1) determined by (seed, salt, id)."""
    digest = hashlib.sha256(f"{seed}\x00{salt}\x00{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split(items: Sequence[Item], which: str, dev_fraction: float = 0.2, seed: int = 0) -> list[Item]:
    """The items of one split, in the split's stable order.

    About ``dev_fraction`` of the items are "dev" (used by search), the rest "test"
    (held out for the final numbers); "all" is both.
    """
    if which not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {which!r}")
    if not 0.0 <= dev_fraction <= 1.0:
        raise ValueError(f"`0 <= dev_fraction <= 1` must hold, but got dev_fraction={dev_fraction}")
    chosen = [
        item
        for item in items
        if which == "all" or (unit_hash(seed, "split", item.id) < dev_fraction) == (which == "dev")
    ]
    return sorted(chosen, key=lambda item: (unit_hash(seed, "order", item.id), item.id))


def take(items: Sequence[Item], limit: int | None) -> list[Item]:
    """The first ``limit`` items (all of them when ``limit`` is None)."""
    if limit is None:
        return list(items)
    if limit < 0:
        raise ValueError(f"`limit >= 0` must hold, but got limit={limit}")
    return list(items[:limit])
