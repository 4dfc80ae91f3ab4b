"""critique: one call lists strengths and weaknesses of every candidate.

The critiques travel with their candidates to the rank or fuse that follows.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Literal

from archon.layers.base import (
    Call,
    GraphView,
    NodeContext,
    NodeInputs,
    NodeOutput,
    Reply,
    SingleModelSpec,
    Technique,
    numbered,
)
from archon.layers.registry import register, register_role

PROMPT = """You are a careful reviewer. Below is a query and {n} candidate responses to it.
For each response, give its strengths and weaknesses: correctness, completeness, clarity.

Query:
{query}

Responses:
{responses}

Write one critique per response, in order, each starting on its own line with its number:
[1] Strengths: ... Weaknesses: ...
[2] Strengths: ... Weaknesses: ...
"""

_ENTRY = re.compile(r"^\s*\[(\d+)\]\s*(.*?)(?=^\s*\[\d+\]|\Z)", re.MULTILINE | re.DOTALL)


class CritiqueSpec(SingleModelSpec):
    type: Literal["critique"] = "critique"


def parse_critiques(text: str, n: int) -> list[str | None]:
    """Critique i for each candidate; None where the model skipped one."""
    found: list[str | None] = [None] * n
    for number, body in _ENTRY.findall(text):
        i = int(number) - 1
        if 0 <= i < n and found[i] is None and body.strip():
            found[i] = body.strip()
    return found


@register
class Critique(Technique):
    type = "critique"
    Spec = CritiqueSpec
    spec: CritiqueSpec

    def max_outputs(self, n_inputs: int) -> int:
        return n_inputs

    def candidate_tokens(self, input_tokens: int, call_tokens: int, n_inputs: int) -> int:
        # Each candidate now carries its share of the one critique call's answer.
        return input_tokens + -(-call_tokens // max(n_inputs, 1))

    def calls(self, n_inputs: int) -> int:
        return 1

    def check(self, view: GraphView) -> list[str]:
        # Paper rule 3: a critique exists to inform a rank or fuse. A verify in between passes each
        # candidate on with its critique (the reference implementation has configs that do that).
        bad = [t for t in view.consumer_types if t not in ("rank", "fuse", "verify")]
        if view.is_output or bad:
            return ["a critique node must feed only rank, fuse or verify nodes (its critiques are read by a "
                    "rank or fuse)"]
        return []

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        candidates = inputs.candidates
        prompt = PROMPT.format(n=len(candidates), query=ctx.query, responses=numbered(candidates))
        call = Call(self.spec.model, prompt, params=self.sampling(), reply=Reply("critiques", len(candidates)))
        (result,) = await ctx.gather([call], require_any=False)
        if result is None:  # critiques are advice: without them the candidates still go on (failure recorded)
            return NodeOutput(self.id, tuple(c.with_notes(critique_failed=True) for c in candidates))
        critiques = parse_critiques(result.text, len(candidates))
        if len(candidates) == 1 and critiques[0] is None:
            critiques[0] = result.text.strip()  # a single critique often comes without its "[1]"
        return NodeOutput(
            self.id,
            tuple(c if crit is None else replace(c, critique=crit)
                  for c, crit in zip(candidates, critiques, strict=True)),
        )


def searched_node(node_id: str, model: str) -> dict[str, Any]:
    return {"id": node_id, "type": "critique", "model": model}


register_role("critic", Critique.type, searched_node)
