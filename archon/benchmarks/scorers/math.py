"""Math answers by equivalence, not spelling: "\\frac{1}{2}", "0.5" and "1/2" all match.

The answer's last ``\\boxed{}`` is what is graded (the convention the prompts ask
for); without one, math-verify looks for the final expression in the whole text.
Equivalence is decided by math-verify (``verify(parse(gold), parse(answer))``) in
worker processes that a pathological expression cannot hang (see math_verifier).
"""

from __future__ import annotations

from archon.benchmarks.scorers.base import missing_reference, unscorable
from archon.benchmarks.scorers.math_verifier import MathVerifier, get_verifier
from archon.benchmarks.types import Item, Score
from archon.layers.answers import last_boxed, strip_reasoning

# math-verify is slow on long texts; a final answer is near the end.
MAX_UNBOXED_CHARS = 4000


class MathScorer:
    name = "math"

    def __init__(self, verifier: MathVerifier | None = None) -> None:
        self._verifier = verifier

    @property
    def verifier(self) -> MathVerifier:
        return self._verifier or get_verifier()

    async def score(self, item: Item, answer: str) -> Score:
        if (missing := missing_reference(item)) is not None:
            return missing
        gold = str(item.reference)
        text = strip_reasoning(answer)
        boxed = last_boxed(text)
        prediction = "\\boxed{" + boxed + "}" if boxed is not None else text[-MAX_UNBOXED_CHARS:]
        if not prediction.strip():
            return Score(0.0, "empty answer", {"extracted": None})
        verdict, problem = await self.verifier.check(gold, prediction)
        details = {"extracted": boxed, "expected": gold}
        if verdict == "equal":
            return Score(1.0, None, details)
        if verdict == "different":
            shown = boxed if boxed is not None else "(no \\boxed{} answer)"
            return Score(0.0, f"expected {gold}, got {shown}", details)
        if verdict == "unparseable":
            return Score(0.0, "no mathematical answer found in the response", details)
        if verdict == "bad-reference":
            return unscorable(f"math-verify cannot parse the reference answer {gold!r}", **details)
        return unscorable(problem or verdict, **details)
