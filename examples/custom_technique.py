"""Plug in a new technique: define its Spec and run(), register it, use it in YAML; then make
it searchable from this same module, with a final stage and the knob a search may vary.

    python examples/custom_technique.py
Runs on the deterministic fake provider, so it needs no model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

import archon
from archon.layers import Candidate, NodeInputs, NodeOutput, NodeSpec, Technique, register
from archon.layers.base import CandidateFlow, FinalStage, NodeContext, SpaceField, StageContext, choose
from archon.layers.registry import register_stage


class ShortestSpec(NodeSpec):
    type: Literal["shortest"] = "shortest"
    prefer: Literal["shortest", "longest"] = "shortest"


@register
class Shortest(Technique):
    """Keeps the shortest (or longest) candidate: no model call (a stand-in for any heuristic)."""

    type = "shortest"
    Spec = ShortestSpec

    def max_outputs(self, n_inputs: int) -> int:
        return min(1, n_inputs)

    def calls(self, n_inputs: int) -> int:
        return 0

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        pick = min if getattr(self.spec, "prefer", "shortest") == "shortest" else max
        best: Candidate = pick(inputs.candidates, key=lambda c: len(c.text))
        return NodeOutput(self.id, (best,))


# -- searchable: its place in a searched architecture, and its knob under `space:` -------------

class ShortestKnobs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefer: list[Literal["shortest", "longest"]] = Field(default=["shortest"], min_length=1)


@register_stage
class ShortestStage(FinalStage):
    """`final_stage: [shortest]` in a search file; `space.shortest.prefer` lists the choices."""

    names = ("shortest",)
    space_fields = {"shortest": SpaceField(ShortestKnobs, Field(default_factory=ShortestKnobs))}

    def add(self, name: str, flow: CandidateFlow, ctx: StageContext) -> None:
        prefer = choose(ctx.trial, "shortest_prefer", ctx.space.shortest.prefer)  # a knob of the trial
        flow.add("pick", Shortest.type, 1, prefer=prefer)


SYSTEM = """
name: shortest-of-five
models:
  m: fake/example
nodes:
  - {id: gen, type: generate, models: [m], samples: 5}
  - {id: pick, type: shortest}
"""

SEARCH = {
    "name": "shortest-search",
    "benchmark": {"name": "gsm8k"},
    "models": {"m": "fake/example"},
    "space": {"generators": {"samples": [3, 5]}, "fusion": {"layers": 0}, "rank": [False], "critique": [False],
              "final_stage": ["none", "shortest"], "shortest": {"prefer": ["shortest", "longest"]}},
}

if __name__ == "__main__":
    result = archon.System.from_text(SYSTEM, cache=False).run("Say something short.")
    print(result.answer)

    from archon.search import distinct_architectures, load_search_spec

    spec, _, _ = load_search_spec(SEARCH)
    architectures = distinct_architectures(spec, ["m"])
    print(f"{len(architectures)} distinct architectures in the search space, for instance:")
    for params, system in architectures[-2:]:
        print(f"  {params} -> {[node['type'] for node in system['nodes']]}")
