"""Checks that must pass before a search spends anything.

The benchmark resolves and has dev items; every model is usable (local models
pulled); some architecture of the space fits the budget. Each failure is an error
naming what to change.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from archon.benchmarks.benchmark import Benchmark
from archon.benchmarks.types import Item
from archon.errors import ConfigError
from archon.layers.registry import role
from archon.runtime.system import System
from archon.search.define import loading
from archon.search.define.budget import Budget, BudgetCheck
from archon.search.define.enumeration import cheapest_restriction, walk
from archon.search.define.spec import SearchSpec

#: Enough cheap corners to find the cheapest system in any space we build.
MAX_CHEAP_CANDIDATES = 2000


def import_plugins(spec: SearchSpec, source: str) -> None:
    """The plugins of a spec given as an object (a search file's are imported while it is read)."""
    loading.import_plugins(spec.plugins, source)


def resolve_benchmark(spec: SearchSpec, base: Path | None) -> Benchmark:
    from archon.benchmarks.registry import CUSTOM_SUFFIXES, get_benchmark

    name = spec.benchmark.name
    if name.endswith(CUSTOM_SUFFIXES) and base is not None and not Path(name).is_absolute():
        name = str(base / name)  # custom benchmark files are relative to the search file
    benchmark = get_benchmark(name, judge_model=spec.benchmark.judge_model)
    if spec.benchmark.dev_fraction is not None:
        benchmark = dataclasses.replace(benchmark, dev_fraction=spec.benchmark.dev_fraction)
    return benchmark


def dev_items(spec: SearchSpec, benchmark: Benchmark, source: str) -> list[Item]:
    items = benchmark.items("dev", seed=spec.benchmark.split_seed, limit=spec.benchmark.dev_limit)
    if not items:
        raise ConfigError(source, "benchmark", f"the dev split of {benchmark.name!r} is empty; it needs items "
                          f"(the benchmark has {len(benchmark.load())}, dev fraction {benchmark.dev_fraction})")
    return items


def mean_query_tokens(items: list[Item]) -> int:
    """The budget's assumed query size: the dev prompts' mean, at about 4 characters a token
    (the estimate's own rule of thumb; no tokenizer is loaded for it)."""
    return max(1, round(sum(len(i.prompt) for i in items) / 4 / len(items)))


def check_models(spec: SearchSpec) -> None:
    """Fail now, with the fix, if a model cannot be used (a local model not pulled)."""
    system: dict[str, Any] = {
        "name": "preflight",
        "models": {a: c.model_dump(exclude_defaults=True) for a, c in spec.aliases().items()},
        "nodes": [role("generator").node("every_model", list(spec.models))],
    }
    System.load(system, cache=False).check_models_available()


def check_budget_fits(spec: SearchSpec, budget: Budget, source: str) -> BudgetCheck:
    """The cheapest architecture's check; an error if even it is over budget.

    Before the power ranking nobody knows which model ranks first, so each model is
    tried first in turn.
    """
    cheapest: BudgetCheck | None = None
    cheapest_name = ""
    models = list(spec.models)
    for first in models:
        ranking = [first, *(m for m in models if m != first)]
        for _params, data in walk(spec, ranking, restrict=cheapest_restriction, limit=MAX_CHEAP_CANDIDATES):
            check = budget.check(System.load(data, cache=False).graph)
            if cheapest is None or check.violation < cheapest.violation:
                cheapest, cheapest_name = check, _sketch(data)
            if check.feasible:
                return check
    assert cheapest is not None
    if not cheapest.feasible:
        raise ConfigError(source, "budget", f"no architecture of the space fits the budget: even the cheapest "
                          f"({cheapest_name}) is over it ({'; '.join(cheapest.reasons)}, estimated for "
                          f"{budget.query_tokens}-token queries); raise the budget or shrink the space")
    return cheapest


def _sketch(data: dict[str, Any]) -> str:
    from archon.search.report.leaderboard import describe

    return describe(data)
