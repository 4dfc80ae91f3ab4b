"""generate: the query -> one candidate per sample per model (the paper's first layer).

``prefill: code`` starts each answer with the query's last ```python block (the function
to complete, as in HumanEval) so the model writes only what follows it, and stops it where
the code ends: small models otherwise restate the whole docstring and add usage examples,
which tripled the tokens of a HumanEval answer here (234 vs 84 on the dev split, at the
same greedy pass rate, 22/36 vs 21/36). The candidate is the prefix plus the continuation,
a complete function in a closed fence. Providers that continue a trailing assistant message
(llama.cpp, Anthropic) need nothing else; others would answer afresh after it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from archon.layers.base import (
    Call,
    Candidate,
    NodeContext,
    NodeInputs,
    NodeOutput,
    SamplingSpec,
    Technique,
)
from archon.layers.registry import register, register_role
from archon.models.types import Completion

# Where a continued function is over: the fence closes, or top-level code starts using it.
CODE_STOPS = ("\n```", "\nif __name__", "\nprint(", "\nassert ", "\n# Test", "\n# test", "\n# Example",
              "\n# example")
_PYTHON_BLOCK = re.compile(r"```(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL)


class GenerateSpec(SamplingSpec):
    type: Literal["generate"] = "generate"
    models: list[str] = Field(min_length=1, description="Models (aliases or strings); each is sampled.")
    samples: int = Field(default=1, ge=1, le=1000, description="Samples per model.")
    temperature: float | None = Field(default=0.7, ge=0, le=2)
    system_prompt: str | None = None
    prefill: Literal["code"] | None = Field(
        default=None,
        description="code: start the answer with the query's last ```python block, so the model only "
        "continues that code (needs a provider that continues a trailing assistant message, e.g. local).",
    )
    logprobs: bool = Field(
        default=False, description="Ask for the tokens' log-probabilities: each candidate notes its mean "
        "(`mean_logprob`), which a confidence-weighted vote reads. The calls are the same cached calls.")


def code_prefix(query: str) -> str | None:
    """The answer prefix for ``prefill: code``: an opened fence and the query's last python block."""
    blocks = _PYTHON_BLOCK.findall(query)
    if not blocks:
        return None
    code = blocks[-1]
    return f"```python\n{code}" if code.endswith("\n") else f"```python\n{code}\n"


def continued(prefix: str, continuation: str) -> str:
    """The whole answer: the prefix, what the model added, and the closing fence it stopped at."""
    body = continuation.rstrip()
    return f"{prefix}{body}" if body.endswith("```") else f"{prefix}{body}\n```"


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

    def streams(self, n_inputs: int) -> bool:
        # With a prefill the answer is more than the model's text (its prefix and closing fence).
        return len(self.spec.models) * self.spec.samples == 1 and self.spec.prefill is None

    def sketch(self) -> str:
        models = "+".join(self.spec.models)
        if self.spec.samples == 1 and self.spec.temperature == 0:
            return f"greedy {models}"
        temperature = self.spec.temperature
        return f"{self.spec.samples}×{models}" + (f" (T {temperature:g})" if temperature not in (None, 0.7) else "")

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        return await self.sample(ctx, self.spec.models)

    async def sample(self, ctx: NodeContext, models: list[str]) -> NodeOutput:
        """``samples`` candidates of each of ``models`` for the query (route reuses it)."""
        s = self.spec
        messages = [{"role": "user", "content": ctx.query}]
        if s.system_prompt:
            messages.insert(0, {"role": "system", "content": s.system_prompt})
        params = self.sampling()
        prefix = code_prefix(ctx.query) if s.prefill == "code" else None
        if prefix is not None:
            messages.append({"role": "assistant", "content": prefix})
            params["stop"] = list(CODE_STOPS)
        # The same model listed twice is two ensemble members: give each its own sample range.
        calls = [
            Call(model, messages, sample_index=slot * s.samples + i, params=params, logprobs=s.logprobs)
            for slot, model in enumerate(models)
            for i in range(s.samples)
        ]
        results = await ctx.gather(calls)
        candidates = tuple(
            Candidate(continued(prefix, r.text) if prefix else r.text, origin=self.id, model=call.model,
                      notes=confidence_notes(r))
            for call, r in zip(calls, results, strict=True)
            if r is not None
        )
        return NodeOutput(self.id, candidates)


def confidence_notes(completion: Completion) -> dict[str, float]:
    """``mean_logprob`` of a sample that came with log-probabilities (for a confidence vote)."""
    mean = completion.mean_logprob
    return {} if mean is None else {"mean_logprob": round(mean, 6)}


def searched_node(node_id: str, models: list[str], *, samples: int | None = None, temperature: float | None = None,
                  prefill: str | None = None, logprobs: bool = False) -> dict[str, Any]:
    """A generate node as the search writes it: what is not given is the node's own default."""
    node: dict[str, Any] = {"id": node_id, "type": "generate", "models": list(models)}
    if samples is not None:
        node["samples"] = samples
    if temperature is not None:
        node["temperature"] = temperature
    if prefill:
        node["prefill"] = prefill
    if logprobs:
        node["logprobs"] = True
    return node


register_role("generator", Generate.type, searched_node)
