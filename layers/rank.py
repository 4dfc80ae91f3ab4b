"""rank: one call orders the candidates; the top_k pass on.

Parsing is forgiving ("[3] > [1] > [2]", "3, 1, 2", "Ranking: [3] [1]...") and never
drops a candidate silently: numbers the model left out keep their original order
after the ranked ones, and the trace notes whether the ranking parsed fully.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

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
from archon.layers.registry import register, register_preset, register_role
from archon.layers.searchable import MAX

PROMPT = """Below is a query and {n} candidate responses{critiqued}.
Rank the {n} responses from best to worst by how well they answer the query: correctness first, then
completeness and clarity.

Query:
{query}

Responses:
{responses}

Answer with the ranking only, using the response numbers, in this format: {example}
"""


class RankSpec(SingleModelSpec):
    type: Literal["rank"] = "rank"
    top_k: int = Field(default=1, ge=1, description="How many of the best candidates pass on.")


def parse_ranking(text: str, n: int) -> tuple[list[int], str]:
    """0-based order of all n candidates and a status: "full", "partial" or "failed"."""
    bracketed = re.findall(r"\[(\d+)\]", text)
    numbers = bracketed or re.findall(r"\b(\d+)\b", text)
    order: list[int] = []
    for number in numbers:
        i = int(number) - 1
        if 0 <= i < n and i not in order:
            order.append(i)
    status = "full" if len(order) == n else ("partial" if order else "failed")
    order.extend(i for i in range(n) if i not in order)
    return order, status


@register
class Rank(Technique):
    type = "rank"
    Spec = RankSpec
    spec: RankSpec

    def max_outputs(self, n_inputs: int) -> int:
        return min(self.spec.top_k, n_inputs)

    def calls(self, n_inputs: int) -> int:
        return 1

    def sketch(self) -> str:
        return f"rank({self.spec.model}, top {self.spec.top_k})"

    def check(self, view: GraphView) -> list[str]:
        if self.spec.top_k > view.max_input_candidates:
            return [f"top_k is {self.spec.top_k} but its inputs give at most "
                    f"{view.max_input_candidates} candidate(s); lower top_k or add candidates"]
        return []

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        candidates = inputs.candidates
        n = len(candidates)
        if n <= 1:  # nothing to order: no call
            return NodeOutput(self.id, tuple(c.with_notes(rank=1) for c in candidates))
        critiqued = any(c.critique for c in candidates)
        prompt = PROMPT.format(
            n=n,
            critiqued=" with critiques" if critiqued else "",
            query=ctx.query,
            responses=numbered(candidates, with_critiques=critiqued),
            example=" > ".join(f"[{i}]" for i in range(min(n, 3), 0, -1)) + (" > ..." if n > 3 else ""),
        )
        call = Call(self.spec.model, prompt, params=self.sampling(), reply=Reply("ranking", n))
        (result,) = await ctx.gather([call], require_any=False)
        # A failed call ranks like an unparseable answer: original order, status "failed" (recorded).
        order, status = parse_ranking(result.text if result else "", n)
        ranked = [candidates[i].with_notes(rank=pos + 1, rank_parse=status) for pos, i in enumerate(order)]
        return NodeOutput(self.id, tuple(ranked[: self.spec.top_k]))


def searched_node(node_id: str, model: str, top_k: int) -> dict[str, Any]:
    return {"id": node_id, "type": "rank", "model": model, "top_k": top_k}


register_role("ranker", Rank.type, searched_node)
#: A ranker over one model's samples.
register_preset("rank", {"generators": 1, "samples": MAX, "rank": True})
