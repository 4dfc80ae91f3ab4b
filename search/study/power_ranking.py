"""The power ranking: every model alone on the dev split, best first (the paper's first step).

Each model answers alone and greedily (temperature 0, one call): the honest baseline, the
way anyone would use that model without archon. The ranking orders the models for
``select: ranked`` (the top K generate), for the fuser and judge choices, and its best is
the "best single model" the final evaluation compares with. It is computed once per study
and kept in the study's user attributes, so a resumed search or another worker reuses it
instead of paying again. Each single-model system is exactly the space's greedy
single-generator architecture (``generators.greedy``), so those calls are shared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import optuna

from archon.benchmarks.types import Item
from archon.search.define.space import greedy_node
from archon.search.define.spec import SearchSpec
from archon.search.trial.attributes import RANKING_ATTR
from archon.search.trial.context import SearchContext
from archon.search.trial.evaluation import evaluate_dev

#: The baseline answers greedily: one call at temperature 0.
BASELINE_TEMPERATURE = 0.0


@dataclass(frozen=True)
class PowerRanking:
    order: tuple[str, ...]  # aliases, best first
    results: dict[str, dict[str, Any]]  # alias -> summary of its dev evaluation
    temperature: float

    @property
    def best(self) -> str:
        return self.order[0]

    def skills(self) -> dict[str, dict[str, list[float]]]:
        """alias -> category -> [score, dev items], where the dev items have categories."""
        return {alias: dict(result.get("by_category") or {}) for alias, result in self.results.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"order": list(self.order), "results": self.results, "temperature": self.temperature}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PowerRanking:
        return cls(tuple(data["order"]), dict(data["results"]), float(data["temperature"]))


def single_model_system(spec: SearchSpec, alias: str) -> dict[str, Any]:
    """One greedy call: the model alone (with the space's answer prefill, like every generator)."""
    system: dict[str, Any] = {
        "name": f"{spec.name}-{alias}",
        "models": {alias: spec.aliases()[alias].model_dump(exclude_defaults=True)},
        "nodes": [greedy_node(alias, spec.space.generators.prefill)],
    }
    if runtime := spec.runtime.model_dump(exclude_defaults=True):
        system["runtime"] = runtime
    return system


def stored_ranking(study: optuna.Study) -> PowerRanking | None:
    data = study.user_attrs.get(RANKING_ATTR)
    return PowerRanking.from_dict(data) if data else None


def power_ranking(
    study: optuna.Study, ctx: SearchContext, on_model: Callable[[str, dict[str, Any]], None] | None = None
) -> PowerRanking:
    """The study's ranking, computed now if no process has stored one yet."""
    if (stored := stored_ranking(study)) is not None:
        return stored
    spec = ctx.spec
    results: dict[str, dict[str, Any]] = {}
    total = len(ctx.dev_items)
    for alias in spec.models:
        system = ctx.load_system(single_model_system(spec, alias))
        ctx.monitor.start(f"power ranking: {alias}", total, "alone, greedy")
        dev = asyncio.run(evaluate_dev(system, ctx.dev_items, ctx.scorer,
                                       batch_size=spec.search.batch_size, concurrency=spec.search.concurrency,
                                       prices=ctx.prices, on_item=ctx.monitor.outcome))
        results[alias] = {**dev.summary(), "item_scores": dev.scores_by_item()}
        if by_category := _by_category(dev.scores_by_item(), ctx.dev_items):
            results[alias]["by_category"] = by_category  # what `route` routes by
        if on_model is not None:
            on_model(alias, results[alias])
    position = {a: i for i, a in enumerate(spec.models)}
    order = sorted(spec.models, key=lambda a: (-results[a]["score"], position[a]))  # ties: file order
    ranking = PowerRanking(tuple(order), results, BASELINE_TEMPERATURE)
    # Another worker may have stored one meanwhile: keep the first, so every trial agrees.
    if (stored := stored_ranking(study)) is not None:
        return stored
    study.set_user_attr(RANKING_ATTR, ranking.to_dict())
    return ranking


def _by_category(scores: dict[str, float], items: Sequence[Item]) -> dict[str, list[float]]:
    """category -> [mean score, items scored] over the items that have a category."""
    grouped: dict[str, list[float]] = {}
    for item in items:
        category = item.context.category if item.context is not None else None
        if category is not None and item.id in scores:
            grouped.setdefault(category, []).append(scores[item.id])
    return {c: [sum(v) / len(v), float(len(v))] for c, v in sorted(grouped.items())}
