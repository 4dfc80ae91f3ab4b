"""fuse: each fuser model synthesizes the candidates (and critiques) into one response."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from archon.layers.base import (
    Call,
    Candidate,
    NodeContext,
    NodeInputs,
    NodeOutput,
    Reply,
    SamplingSpec,
    Technique,
    numbered,
)
from archon.layers.registry import register, register_preset, register_role
from archon.layers.searchable import MAX

PROMPT = """You have been given several responses to the query below{critiqued}. Synthesize them into a
single, high-quality response. Some of them may be biased or incorrect: evaluate them critically
rather than copying them, and keep what is right. Reply with the final response only, as if you
were answering the query directly.

Query:
{query}

Responses:
{responses}
"""


class FuseSpec(SamplingSpec):
    type: Literal["fuse"] = "fuse"
    models: list[str] = Field(min_length=1, description="One fused response per fuser model.")


@register
class Fuse(Technique):
    type = "fuse"
    Spec = FuseSpec
    spec: FuseSpec

    def max_outputs(self, n_inputs: int) -> int:
        return len(self.spec.models)

    def candidate_tokens(self, input_tokens: int, call_tokens: int, n_inputs: int) -> int:
        return call_tokens

    def calls(self, n_inputs: int) -> int:
        return len(self.spec.models)

    def streams(self, n_inputs: int) -> bool:
        return len(self.spec.models) == 1

    def sketch(self) -> str:
        models = self.spec.models
        return f"fuse({len(models)}×{models[0]})" if len(set(models)) == 1 and len(models) > 1 \
            else f"fuse({', '.join(models)})"

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        candidates = inputs.candidates
        critiqued = any(c.critique for c in candidates)
        prompt = PROMPT.format(
            critiqued=", each with a critique" if critiqued else "",
            query=ctx.query,
            responses=numbered(candidates, with_critiques=critiqued),
        )
        calls = [Call(m, prompt, sample_index=i, params=self.sampling(), reply=Reply("fused"))
                 for i, m in enumerate(self.spec.models)]
        results = await ctx.gather(calls)
        # New candidates carry no critique: the old critiques judged the old texts.
        fused = tuple(
            Candidate(r.text, origin=self.id, model=call.model)
            for call, r in zip(calls, results, strict=True)
            if r is not None
        )
        return NodeOutput(self.id, fused)


def searched_node(node_id: str, models: list[str]) -> dict[str, Any]:
    return {"id": node_id, "type": "fuse", "models": list(models)}


register_role("fuser", Fuse.type, searched_node)
#: Mixture-of-agents: every model generates, fusion layers as wide and deep as the space allows.
register_preset("moa", {"generators": MAX, "fusion_layers": MAX, "fusion_width": MAX})
#: The paper's general stack: samples of every model, critique, rank, one fuser.
register_preset("general", {"generators": MAX, "samples": MAX, "critique": True, "rank": True, "fusion_layers": 1})
