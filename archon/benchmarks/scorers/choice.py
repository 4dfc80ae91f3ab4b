"""Multiple choice: the letter the answer picks equals the reference letter.

The valid letters come from the item (``meta["letters"]``, e.g. "ABC" for a
three-option question) or the scorer's ``letters`` option, so a stray "E" in an
answer to an A-D question is not read as a choice. A reference given as a 0-based
index is turned into its letter.
"""

from __future__ import annotations

from archon.benchmarks.scorers.base import missing_reference, unscorable
from archon.benchmarks.types import Item, Score
from archon.layers.answers import DEFAULT_LETTERS, choice_letter


class ChoiceScorer:
    name = "choice"

    def __init__(self, letters: str = DEFAULT_LETTERS) -> None:
        if not letters or not letters.isalpha():
            raise ValueError(f"letters must be a string of letters like 'ABCD', got {letters!r}")
        self.letters = letters.upper()

    async def score(self, item: Item, answer: str) -> Score:
        if (missing := missing_reference(item)) is not None:
            return missing
        letters = str(item.meta.get("letters") or self.letters).upper()
        expected = _as_letter(item.reference, letters)
        if expected is None:
            return unscorable(f"the reference {item.reference!r} is not one of the choices {letters}")
        got = choice_letter(answer, letters)
        if got is None:
            return Score(0.0, f"no choice among {', '.join(letters)} found in the answer", {"extracted": None})
        if got == expected:
            return Score(1.0, None, {"extracted": got})
        return Score(0.0, f"expected {expected}, got {got}", {"extracted": got})


def _as_letter(reference: object, letters: str) -> str | None:
    if isinstance(reference, int) and not isinstance(reference, bool):
        return letters[reference] if 0 <= reference < len(letters) else None
    text = str(reference).strip().strip("().").upper()
    return text if len(text) == 1 and text in letters else None
