"""vote: majority vote (self-consistency) over answers extracted from the candidates.

No model call. Candidates are grouped by their extracted answer; the largest group
wins (ties go to the group seen first) and its candidates come first, then the
others by group size. Candidates whose answer cannot be extracted vote for nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import Field, field_validator, model_validator

from archon.layers.answers import RENAMED, Extractor, extract_answer
from archon.layers.base import NodeContext, NodeInputs, NodeOutput, NodeSpec, Technique
from archon.layers.registry import register


class VoteSpec(NodeSpec):
    type: Literal["vote"] = "vote"
    extractor: Extractor = Field(default="last_number", description="How to pull the answer out of a candidate.")
    pattern: str | None = Field(default=None, description="Regex for extractor 'regex' (group 1 is the answer).")
    top_k: int | None = Field(default=None, ge=1, description="Keep only the first k candidates after voting.")

    @field_validator("extractor", mode="before")
    @classmethod
    def _renamed(cls, value: object) -> object:
        if isinstance(value, str) and value in RENAMED:
            raise ValueError(f"extractor {value!r} is now called {RENAMED[value]!r}")
        return value

    @model_validator(mode="after")
    def _pattern_for_regex(self) -> VoteSpec:
        if self.extractor == "regex" and not self.pattern:
            raise ValueError("extractor 'regex' needs a `pattern`")
        if self.pattern and self.extractor != "regex":
            raise ValueError("`pattern` is only used with extractor 'regex'")
        return self


@register
class Vote(Technique):
    type = "vote"
    Spec = VoteSpec
    spec: VoteSpec

    def max_outputs(self, n_inputs: int) -> int:
        return min(self.spec.top_k or n_inputs, n_inputs)

    def calls(self, n_inputs: int) -> int:
        return 0

    def candidates_per_call(self, n_inputs: int) -> int:
        return 0

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        candidates = inputs.candidates
        answers = [extract_answer(c.text, self.spec.extractor, self.spec.pattern) for c in candidates]
        counts = Counter(a for a in answers if a is not None)
        first_seen = {a: i for i, a in reversed(list(enumerate(answers)))}

        def key(i: int) -> tuple[int, int, int]:
            answer = answers[i]
            if answer is None:
                return (1, 0, i)
            return (0, -counts[answer], first_seen[answer])

        order = sorted(range(len(candidates)), key=key)
        voted = tuple(
            candidates[i].with_notes(answer=answers[i], votes=_votes(counts, answers[i]))
            for i in order
        )
        return NodeOutput(self.id, voted[: self.spec.top_k] if self.spec.top_k else voted)


def _votes(counts: Counter[str], answer: str | None) -> int:
    return counts[answer] if answer is not None else 0
