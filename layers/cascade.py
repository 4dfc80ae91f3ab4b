"""cascade: answer with a cheap sub-system, and escalate to a stronger one only when needed.

The cascade of "Scaling LLM test-time compute optimally" (spend more only on the queries
that need it): ``cheap`` runs first; if its answer is in doubt, ``escalate`` runs and its
answer is returned instead. In doubt means, by ``when``:

- ``disagree``: the cheap answer's candidates disagree: fewer than ``agreement`` of them
  give the first candidate's answer (by ``extractor``; a vote's output has them all);
- ``rejected``: a verifier rejected it (verify found no candidate correct) or it fails some
  of its tests (unit_test_evaluate), or the cheap branch produced nothing;
- ``either``: one or the other.

Both branches are sub-systems, inline (nodes using this system's models) or in a system file,
so the graph stays a DAG: the static budget check prices cheap + escalate (the worst case)
and the usage shows what each query spent. The answer's first candidate notes whether it
escalated and why.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archon.layers import searchable
from archon.layers.answers import Extractor, extract_answer
from archon.layers.base import Branch, Candidate, NodeContext, NodeInputs, NodeOutput, NodeSpec, Technique
from archon.layers.registry import add_stage, final_stages, register, register_wrapper, role
from archon.layers.searchable import CandidateFlow, IntRange, SpaceField, StageContext, WrapContext, Wrapper, choose


class CascadeSpec(NodeSpec):
    type: Literal["cascade"] = "cascade"
    cheap: Branch = Field(description="The sub-system that answers first.")
    escalate: Branch = Field(description="The sub-system that answers when the cheap answer is in doubt.")
    when: Literal["disagree", "rejected", "either"] = Field(
        default="disagree", description="disagree: the cheap candidates disagree; rejected: a verifier or "
        "tests rejected the cheap answer; either.")
    agreement: float = Field(default=0.6, gt=0, le=1,
                             description="Share of the cheap candidates that must give the first one's answer.")
    extractor: Extractor = Field(default="last_number", description="How answers are compared (disagree).")
    pattern: str | None = Field(default=None, description="Regex for extractor 'regex'.")

    @model_validator(mode="after")
    def _pattern_for_regex(self) -> CascadeSpec:
        if (self.extractor == "regex") != bool(self.pattern):
            raise ValueError("extractor 'regex' needs a `pattern`, and only it uses one")
        return self


def agreement(candidates: tuple[Candidate, ...], extractor: str, pattern: str | None) -> float:
    """The share of the candidates whose answer is the first one's (0 when it has none)."""
    if not candidates:
        return 0.0
    answers = [extract_answer(c.text, extractor, pattern) for c in candidates]
    if answers[0] is None:
        return 0.0
    return sum(a == answers[0] for a in answers) / len(answers)


def rejected(candidates: tuple[Candidate, ...]) -> bool:
    """Whether the first candidate was rejected by a verifier or fails some of its tests."""
    if not candidates:
        return True
    notes = candidates[0].notes
    if notes.get("verify_fallback") or notes.get("verified") is False:
        return True
    passed, total = notes.get("tests_passed"), notes.get("tests_total")
    return isinstance(passed, int) and isinstance(total, int) and total > 0 and passed < total


@register
class Cascade(Technique):
    type = "cascade"
    Spec = CascadeSpec
    source = True
    spec: CascadeSpec

    def branches(self) -> dict[str, Branch]:
        return {"cheap": self.spec.cheap, "escalate": self.spec.escalate}

    # Its branches' calls and outputs are the graph's to count (they are sub-graphs); its own are none.
    def max_outputs(self, n_inputs: int) -> int:
        return 0

    def calls(self, n_inputs: int) -> int:
        return 0

    def candidates_per_call(self, n_inputs: int) -> int:
        return 0

    def sketch(self) -> str:
        condition = {"disagree": f"agreement < {self.spec.agreement:g}", "rejected": "rejected",
                     "either": f"rejected or agreement < {self.spec.agreement:g}"}[self.spec.when]
        return f"cascade(escalate if {condition})"

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        s = self.spec
        cheap = await ctx.run_branch("cheap")
        share = agreement(cheap.candidates, s.extractor, s.pattern)
        reasons = []
        if s.when in ("disagree", "either") and share < s.agreement:
            reasons.append(f"agreement {share:.2f} < {s.agreement:g}")
        if s.when in ("rejected", "either") and rejected(cheap.candidates):
            reasons.append("rejected")
        if not reasons:
            return _noted(self.id, cheap.candidates, escalated=False, agreement=round(share, 4))
        stronger = await ctx.run_branch("escalate")
        return _noted(self.id, stronger.candidates, escalated=True, why="; ".join(reasons), agreement=round(share, 4))


def _noted(node: str, candidates: tuple[Candidate, ...], **notes: object) -> NodeOutput:
    if not candidates:
        return NodeOutput(node, ())
    return NodeOutput(node, (candidates[0].with_notes(**notes), *candidates[1:]))


class CascadeSpace(BaseModel):
    """A cascade around the architecture: a cheap model's vote first, the architecture only when
    that vote is in doubt."""

    model_config = ConfigDict(extra="forbid")

    use: list[bool] = Field(default=[False], min_length=1, description="Whether to wrap the architecture.")
    models: list[str] | None = Field(default=None, min_length=1,
                                     description="The cheap model's aliases to choose from (default: all).")
    samples: IntRange = Field(default=[3, 3], description="Samples of the cheap model.")
    agreement: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        default=[0.6], min_length=1, description="Agreement thresholds to choose from.")
    when: Literal["disagree", "rejected", "either"] = Field(
        default="disagree", description="When to escalate (see the cascade technique).")


@register_wrapper
class CascadeWrapper(Wrapper):
    """The built architecture as the escalation of a cascade, behind a cheap model's samples
    (checked as the architecture checks its own candidates, else by their vote)."""

    name = "cascade"
    space_fields = {"cascade": SpaceField(CascadeSpace, Field(default_factory=CascadeSpace))}

    def wrap(self, ctx: WrapContext, system: dict[str, Any]) -> dict[str, Any]:
        cascade, generators = ctx.space.cascade, ctx.space.generators
        if not choose(ctx.trial, "cascade", cascade.use):
            return system
        cheapest_first = list(reversed(searchable.in_order(cascade.models, ctx.order)))
        cheap = choose(ctx.trial, "cascade_model", cheapest_first)
        samples = searchable.choose_int(ctx.trial, "cascade_samples", cascade.samples)
        agreement = choose(ctx.trial, "cascade_agreement", cascade.agreement)
        first = CandidateFlow(count=samples)
        first.nodes.append(role("generator").node("draft", [cheap], samples=samples,
                                                  temperature=generators.temperatures[0], prefill=generators.prefill))
        first.prev = ["draft"]
        stage = ctx.stage if ctx.stage is not None and final_stages()[ctx.stage].checks else "vote"
        add_stage(stage if cascade.when != "disagree" else "vote", first,
                  StageContext(ctx.trial, ctx.space, judge=cheap))
        extractor = {"extractor": ctx.space.vote_extractor} if ctx.space.vote_extractor else {}
        node = {"id": "cascade", "type": Cascade.type, "when": cascade.when, "agreement": agreement, **extractor,
                "cheap": {"nodes": first.nodes}, "escalate": {"nodes": system["nodes"], "output": system["output"]}}
        models = {cheap: ctx.models[cheap], **system["models"]}
        return {**system, "models": models, "nodes": [node], "output": "cascade"}
