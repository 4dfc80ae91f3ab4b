"""Plug in a new technique: define its Spec and run(), register it, use it in YAML.

    python examples/custom_technique.py
Runs on the deterministic fake provider, so it needs no model.
"""

from __future__ import annotations

from typing import Literal

import archon
from archon.layers import Candidate, NodeInputs, NodeOutput, NodeSpec, Technique, register
from archon.layers.base import NodeContext


class ShortestSpec(NodeSpec):
    type: Literal["shortest"] = "shortest"


@register
class Shortest(Technique):
    """Keeps the shortest candidate: no model call (a stand-in for any heuristic)."""

    type = "shortest"
    Spec = ShortestSpec

    def max_outputs(self, n_inputs: int) -> int:
        return min(1, n_inputs)

    def calls(self, n_inputs: int) -> int:
        return 0

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        best: Candidate = min(inputs.candidates, key=lambda c: len(c.text))
        return NodeOutput(self.id, (best,))


SYSTEM = """
name: shortest-of-five
models:
  m: fake/example
nodes:
  - {id: gen, type: generate, models: [m], samples: 5}
  - {id: pick, type: shortest}
"""

if __name__ == "__main__":
    result = archon.System.from_text(SYSTEM, cache=False).run("Say something short.")
    print(result.answer)
