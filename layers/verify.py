"""verify: per candidate, reason about its correctness, then give a verdict.

Two calls per candidate (reasoning, then [Correct]/[Incorrect]); only verified
candidates pass on. If none is verified, all pass on marked unverified, so one
over-strict verifier cannot empty the system (the trace shows it).
"""

from __future__ import annotations

import asyncio
import re
from typing import Literal

from archon.layers.base import Call, Candidate, NodeContext, NodeInputs, NodeOutput, Reply, SingleModelSpec, Technique
from archon.layers.registry import register, register_stage
from archon.layers.searchable import CandidateFlow, FinalStage, StageContext

REASONING_PROMPT = """Check whether the response below correctly and fully answers the query.
Think step by step: restate what the query asks, check each claim and calculation in the response,
and point out any error. Give your reasoning only; the verdict ([Correct] or [Incorrect]) comes later.

Query:
{query}

Response:
{response}
"""

VERDICT_PROMPT = """Query:
{query}

Response:
{response}

Reasoning about the response:
{reasoning}

Based on this reasoning, is the response correct? Answer with exactly one of: [Correct] or [Incorrect]
"""

_VERDICT = re.compile(r"\[?\b(in)?correct\b\]?", re.IGNORECASE)


class VerifySpec(SingleModelSpec):
    type: Literal["verify"] = "verify"


def parse_verdict(text: str) -> bool | None:
    """True for [Correct], False for [Incorrect], None if neither appears.
    The bracketed form wins over bare words ("not correct" must not pass)."""
    bracketed: list[str] = re.findall(r"\[(correct|incorrect)\]", text, re.IGNORECASE)
    if bracketed:
        return bracketed[-1].lower() == "correct"
    words: list[bool] = [m.group(1) is None for m in _VERDICT.finditer(text)]
    if re.search(r"\bnot\s+correct\b", text, re.IGNORECASE):
        return False
    return words[-1] if words else None


@register
class Verify(Technique):
    type = "verify"
    Spec = VerifySpec
    spec: VerifySpec

    def max_outputs(self, n_inputs: int) -> int:
        return n_inputs

    def calls(self, n_inputs: int) -> int:
        return 2 * n_inputs

    def candidates_per_call(self, n_inputs: int) -> int:
        return 1

    def sequential_calls(self, n_inputs: int) -> int:
        return 2 if n_inputs else 0  # the verdict reads the reasoning

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        verdicts = await asyncio.gather(*(self._verify(ctx, c, i) for i, c in enumerate(inputs.candidates)))
        checked = [c.with_notes(verified=v) for c, v in zip(inputs.candidates, verdicts, strict=True)]
        passed = tuple(c for c in checked if c.notes["verified"] is True)
        if not passed:
            passed = tuple(c.with_notes(verify_fallback=True) for c in checked)
        return NodeOutput(self.id, passed)

    async def _verify(self, ctx: NodeContext, candidate: Candidate, index: int) -> bool | None:
        params = self.sampling()
        (reasoning,) = await ctx.gather(
            [Call(self.spec.model, REASONING_PROMPT.format(query=ctx.query, response=candidate.text),
                  sample_index=index, params=params, reply=Reply("reasoning"))],
            require_any=False,
        )
        if reasoning is None:
            return None
        prompt = VERDICT_PROMPT.format(query=ctx.query, response=candidate.text, reasoning=reasoning.text)
        (verdict,) = await ctx.gather(
            [Call(self.spec.model, prompt, sample_index=index, params=params, reply=Reply("verdict"))],
            require_any=False
        )
        return None if verdict is None else parse_verdict(verdict.text)


@register_stage
class VerifyStage(FinalStage):
    """Only the candidates the judge verifies go on."""

    names = ("verify",)
    uses_judge = True
    checks = True

    def add(self, name: str, flow: CandidateFlow, ctx: StageContext) -> None:
        flow.add("verify", Verify.type, flow.count, model=ctx.judge)
