"""route: answer each query with the model that is best at its category.

Symbolic-MoE's per-query skill routing, in its simplest measurable form: ``routes`` maps
a category (``ItemContext.category``: the MMLU subject, or a custom benchmark's category
field) to the model that scored best on that category's dev items, and ``default`` answers
every other query, and queries that come without a category (its notes say which happened).
An architecture search writes the routes from its power ranking, where every model has
answered every dev item alone. Otherwise it samples like ``generate`` (same calls, so they
share the cache with that model's own generate node).

The static budget check prices every model a query could be routed to (an upper bound).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from archon.layers.base import NodeContext, NodeInputs, NodeOutput
from archon.layers.generate import Generate, GenerateSpec
from archon.layers.registry import register, register_role


class RouteSpec(GenerateSpec):
    type: Literal["route"] = "route"  # type: ignore[assignment]
    models: list[str] = Field(min_length=1, description="The models a query may be routed to.")
    routes: dict[str, str] = Field(default_factory=dict,
                                   description="Category -> the model (one of `models`) that answers it.")
    default: str | None = Field(default=None, description="The model for other categories (default: the first).")

    @model_validator(mode="after")
    def _routes_name_listed_models(self) -> RouteSpec:
        for category, model in [*self.routes.items(), *([("default", self.default)] if self.default else [])]:
            if model not in self.models:
                raise ValueError(f"route {category!r} names model {model!r}, which is not among `models` "
                                 f"({', '.join(self.models)})")
        return self


@register
class Route(Generate):
    type = "route"
    Spec = RouteSpec  # type: ignore[assignment]  # a GenerateSpec with routes
    spec: RouteSpec

    def max_outputs(self, n_inputs: int) -> int:
        return self.spec.samples

    def calls(self, n_inputs: int) -> int:
        return self.spec.samples

    def calls_by_model(self, n_inputs: int) -> dict[str, int]:
        # Any of them may answer: each is priced as if it answered (the estimator knows these
        # are alternatives and counts the calls and tokens once).
        return {model: self.spec.samples for model in dict.fromkeys(self.spec.models)}

    def streams(self, n_inputs: int) -> bool:
        return self.spec.samples == 1 and self.spec.prefill is None

    def sketch(self) -> str:
        routed = sorted(set(self.spec.routes.values()))
        return f"route({', '.join(routed) or self.chosen(None)}; {len(self.spec.routes)} categories)"

    def chosen(self, category: str | None) -> str:
        if category is not None and category in self.spec.routes:
            return self.spec.routes[category]
        return self.spec.default or self.spec.models[0]

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        category = ctx.context.category
        model = self.chosen(category)
        how = ("routed" if category in self.spec.routes else "default (category not routed)") if category \
            else "default (the query came without a category)"
        output = await self.sample(ctx, [model])
        return NodeOutput(self.id, tuple(c.with_notes(route=how, category=category) for c in output.candidates))


def searched_node(node_id: str, models: list[str], routes: dict[str, str], *, samples: int,
                  temperature: float) -> dict[str, Any]:
    """One route node over ``models`` (the first is the default) as the search writes it."""
    return {"id": node_id, "type": "route", "models": list(models), "routes": routes, "default": models[0],
            "samples": samples, "temperature": temperature}


register_role("router", Route.type, searched_node)
