"""vote: majority vote (self-consistency) over answers extracted from the candidates.

No model call. Candidates are grouped by their extracted answer; the largest group
wins (ties go to the group seen first) and its candidates come first, then the
others by group size. Candidates whose answer cannot be extracted vote for nothing.

``weighting: confidence`` ("Bridging Internal Probability and Self-Consistency") weighs each
candidate by its model's own probability of it, exp(mean token log-probability), so a group
of confident samples beats a slightly larger group of unsure ones. It needs candidates that
carry ``mean_logprob`` (``generate`` with ``logprobs: true``); where any lacks it (a provider
that gives none, or answers cached without them) the vote is a plain one, and its notes say so.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from archon.layers.answers import RENAMED, Extractor, extract_answer
from archon.layers.base import Candidate, NodeContext, NodeInputs, NodeOutput, NodeSpec, Technique
from archon.layers.registry import register, register_preset, register_stage
from archon.layers.searchable import MAX, CandidateFlow, FinalStage, SpaceField, StageContext


class VoteSpec(NodeSpec):
    type: Literal["vote"] = "vote"
    extractor: Extractor = Field(default="last_number", description="How to pull the answer out of a candidate.")
    pattern: str | None = Field(default=None, description="Regex for extractor 'regex' (group 1 is the answer).")
    top_k: int | None = Field(default=None, ge=1, description="Keep only the first k candidates after voting.")
    weighting: Literal["plain", "confidence"] = Field(
        default="plain", description="plain: one vote per candidate; confidence: each weighs exp(its mean "
        "token log-probability) (needs generate's `logprobs: true`).")

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

    def sketch(self) -> str:
        return "confidence vote" if self.spec.weighting == "confidence" else "vote"

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        candidates = inputs.candidates
        answers = [extract_answer(c.text, self.spec.extractor, self.spec.pattern) for c in candidates]
        weights, weighting = vote_weights(candidates, self.spec.weighting)
        if weighting != self.spec.weighting:
            # Recorded in the notes too; the warning (shown once per process) tells a user at once.
            warnings.warn(f"node {ctx.node_id!r}: a confidence-weighted vote got candidates without "
                          "log-probabilities (is `logprobs: true` set on its generators, and does the model "
                          "give them?); it voted plainly", ConfidenceFallbackWarning, stacklevel=2)
        voted = majority_order(candidates, answers, weights)
        voted = tuple(c.with_notes(weighting=weighting) for c in voted) if self.spec.weighting != "plain" else voted
        return NodeOutput(self.id, voted[: self.spec.top_k] if self.spec.top_k else voted)


class ConfidenceFallbackWarning(UserWarning):
    """A confidence-weighted vote fell back to a plain one: its candidates carry no log-probabilities."""


def vote_weights(candidates: Sequence[Candidate], weighting: str) -> tuple[list[float], str]:
    """Each candidate's weight, and the weighting used ("plain (no log-probabilities)" when the
    confidence weighting lacks what it needs)."""
    if weighting == "confidence":
        means = [c.notes.get("mean_logprob") for c in candidates]
        if means and all(isinstance(m, (int, float)) for m in means):
            return [math.exp(float(m)) for m in means if m is not None], "confidence"
        return [1.0] * len(candidates), "plain (no log-probabilities)"
    return [1.0] * len(candidates), "plain"


def majority_order(candidates: Sequence[Candidate], answers: Sequence[str | None],
                   weights: Sequence[float] | None = None) -> tuple[Candidate, ...]:
    """The candidates by the (weighted) size of their answer's group, largest first, ties to the
    group seen first; those without an answer last. Each notes its answer and its group's votes."""
    weights = weights if weights is not None else [1.0] * len(candidates)
    counts: Counter[str] = Counter(a for a in answers if a is not None)
    mass: dict[str, float] = {}
    for answer, weight in zip(answers, weights, strict=True):
        if answer is not None:
            mass[answer] = mass.get(answer, 0.0) + weight
    first_seen = {a: i for i, a in reversed(list(enumerate(answers)))}

    def key(i: int) -> tuple[int, float, int]:
        answer = answers[i]
        if answer is None:
            return (1, 0.0, i)
        return (0, -mass[answer], first_seen[answer])

    weighted = any(w != 1.0 for w in weights)
    voted = []
    for i in sorted(range(len(candidates)), key=key):
        answer = answers[i]
        notes: dict[str, object] = {"answer": answer, "votes": counts[answer] if answer is not None else 0}
        if weighted:
            notes["weight"] = round(mass[answer], 6) if answer is not None else 0.0
        voted.append(candidates[i].with_notes(**notes))
    return tuple(voted)


@register_stage
class VoteStage(FinalStage):
    """A majority vote over the candidates' answers; ``confidence_vote`` weighs each by its mean
    token log-probability (the generators then return them)."""

    names = ("vote", "confidence_vote")
    space_fields = {"vote_extractor": SpaceField(
        str | None, Field(default=None, description="The vote node's `extractor` (default: its own)."),
        fingerprinted_at_default=True)}

    def logprobs(self, name: str) -> bool:
        return name == "confidence_vote"

    def add(self, name: str, flow: CandidateFlow, ctx: StageContext) -> None:
        extractor = {"extractor": ctx.space.vote_extractor} if ctx.space.vote_extractor else {}
        weighting = {"weighting": "confidence"} if name == "confidence_vote" else {}
        flow.add("vote", Vote.type, flow.count, **extractor, **weighting)

    def problems(self, space: Any) -> list[tuple[list[str | int], str]]:
        if space.vote_extractor is None:
            return []
        try:
            VoteSpec.model_validate({"id": "vote", "extractor": space.vote_extractor})
        except ValidationError as exc:
            return [(["space", "vote_extractor"], exc.errors()[0]["msg"])]
        return []


#: Best-of-N: one model's samples, the majority answer.
register_preset("best_of_n_vote", {"generators": 1, "samples": MAX, "final_stage": "vote"})
