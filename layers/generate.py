"""generate: the query -> one candidate per sample per model (the paper's first layer)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from archon.layers.base import Candidate, NodeInputs, NodeOutput, NodeSpec, Technique
from archon.layers.registry import register
from archon.runtime.context import Call, NodeContext


class GenerateSpec(NodeSpec):
    type: Literal["generate"] = "generate"
    models: list[str] = Field(min_length=1, description="Models (aliases or strings); each is sampled.")
    samples: int = Field(default=1, ge=1, le=1000, description="Samples per model.")
    temperature: float | None = Field(default=0.7, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    system_prompt: str | None = None


@register
class Generate(Technique):
    type = "generate"
    Spec = GenerateSpec
    source = True
    spec: GenerateSpec

    def max_outputs(self, n_inputs: int) -> int:
        return len(self.spec.models) * self.spec.samples

    def candidate_tokens(self, input_tokens: int, call_tokens: int, n_inputs: int) -> int:
        return call_tokens

    def calls(self, n_inputs: int) -> int:
        return len(self.spec.models) * self.spec.samples

    def candidates_per_call(self, n_inputs: int) -> int:
        return 0

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        s = self.spec
        messages = [{"role": "user", "content": ctx.query}]
        if s.system_prompt:
            messages.insert(0, {"role": "system", "content": s.system_prompt})
        params = {"temperature": s.temperature, "max_tokens": s.max_tokens}
        # The same model listed twice is two ensemble members: give each its own sample range.
        calls = [
            Call(model, messages, sample_index=slot * s.samples + i, params=params)
            for slot, model in enumerate(s.models)
            for i in range(s.samples)
        ]
        results = await ctx.gather(calls)
        candidates = tuple(
            Candidate(r.text, origin=self.id, model=call.model)
            for call, r in zip(calls, results, strict=True)
            if r is not None
        )
        return NodeOutput(self.id, candidates)
