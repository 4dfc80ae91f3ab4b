"""Budgets per query, checked on archon's static cost estimate before any call.

An architecture over budget is never run. Its *violation* — how far over the
tightest limit it is, as a fraction of that limit — becomes an optuna constraint,
so constraint-aware samplers (TPE, NSGA-II, GP) rank it below every feasible trial
and learn how far from the budget its region of the space lies; a feasible one gets
its (negative) slack.

USD prices each model's own estimated prompt and completion tokens at that model's
price (an upper bound, as the token estimate is).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from archon.config.graph import SystemGraph
from archon.config.spec import ModelConfig
from archon.models.provider_table import is_free
from archon.runtime.estimate import CostEstimate, estimate_cost
from archon.search.define.spec import BudgetSpec


@dataclass(frozen=True)
class Price:
    """USD per token."""

    prompt: float
    completion: float


@dataclass(frozen=True)
class BudgetCheck:
    calls: int
    tokens: int
    usd: float
    violation: float  # > 0: over budget by this fraction of the tightest limit; <= 0: slack
    reasons: tuple[str, ...]  # one sentence per limit exceeded

    @property
    def feasible(self) -> bool:
        return self.violation <= 0

    def to_dict(self) -> dict[str, object]:
        return {"calls": self.calls, "tokens": self.tokens, "usd": self.usd, "violation": self.violation,
                "reasons": list(self.reasons)}


class Budget:
    def __init__(self, spec: BudgetSpec, query_tokens: int, prices: dict[str, Price] | None = None) -> None:
        self.spec = spec
        self.query_tokens = query_tokens
        self.prices = prices or {}

    @property
    def limited(self) -> bool:
        return any(v is not None for v in (self.spec.max_calls, self.spec.max_tokens, self.spec.max_usd))

    def check(self, graph: SystemGraph) -> BudgetCheck:
        estimate = estimate_cost(graph, self.query_tokens)
        usd = self.usd(estimate)
        measured = {"calls": float(estimate.calls), "tokens": float(estimate.tokens), "USD": usd}
        limits = {"calls": self.spec.max_calls, "tokens": self.spec.max_tokens, "USD": self.spec.max_usd}
        ratios: list[float] = []
        reasons: list[str] = []
        for what, limit in limits.items():
            if limit is None:
                continue
            ratio = measured[what] / float(limit) - 1.0
            ratios.append(ratio)
            if ratio > 0:
                shown = f"{measured[what]:.4g}" if what == "USD" else f"{int(measured[what])}"
                reasons.append(f"{what} per query {shown} > max {limit}")
        violation = max(ratios) if ratios else -1.0
        return BudgetCheck(estimate.calls, estimate.tokens, usd, violation, tuple(reasons))

    def usd(self, estimate: CostEstimate) -> float:
        total = 0.0
        for model, load in estimate.by_model.items():
            price = self.prices.get(model) or Price(0.0, 0.0)
            total += load.prompt_tokens * price.prompt + load.completion_tokens * price.completion
        return total


def model_prices(models: Iterable[ModelConfig]) -> dict[str, Price]:
    """USD per token of each paid model, from litellm's bundled cost map (models of a free provider,
    such as local and fake, are not priced: see ``archon.models.provider_table``).

    Imports litellm only when a paid model is present: it takes seconds.
    """
    paid = sorted({m.model for m in models if not is_free(m.model)})
    if not paid:
        return {}
    from archon.models.providers import ensure_litellm

    litellm = ensure_litellm()
    prices: dict[str, Price] = {}
    for model in paid:
        info = litellm.model_cost.get(model) or litellm.model_cost.get(model.split("/", 1)[-1]) or {}
        prices[model] = Price(float(info.get("input_cost_per_token") or 0.0),
                              float(info.get("output_cost_per_token") or 0.0))
    return prices
