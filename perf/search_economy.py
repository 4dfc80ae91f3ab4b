"""What the shared response cache saves a search: a 30-trial TPE search on the fake provider.

    .venv/bin/python perf/search_economy.py

The search runs as `archon search` runs it: one SQLite response cache in the run
directory shared by the power ranking and every trial. Then each architecture it
evaluated is run again on exactly the items it was scored on, with a fresh client
and *no* cache, counting the provider calls that costs: the calls those trials
would have made without the shared cache. Repeats of an already evaluated
architecture and over-budget proposals are left out of both sides (they make no
call either way), so the ratio measures the cache alone.

The last line is the ratio, calls made / calls without the shared cache (goal <= 0.5).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("ARCHON_OFFLINE", "1")

import optuna
import yaml

from archon.benchmarks.types import Item, Scorer
from archon.models.client import ModelClient
from archon.runtime.system import System
from archon.search import is_evaluated, run_search, single_model_system
from archon.search.trial.attributes import DUPLICATE_ATTR, INFEASIBLE_ATTR, SYSTEM_ATTR, summary_of
from archon.search.trial.evaluation import evaluate_dev

optuna.logging.set_verbosity(optuna.logging.WARNING)

N_TRIALS = 30
DEV_ITEMS = 12

SEARCH = {
    "name": "economy",
    "benchmark": {"name": "magic.yaml", "dev_limit": DEV_ITEMS},
    "models": {"a": "fake/alpha", "b": "fake/beta", "c": "fake/gamma"},
    "space": {
        "generators": {"count": [1, 3], "samples": [1, 4]},
        "fusion": {"layers": [0, 2], "width": [2, 4], "width_step": 2},
        "critique": [False, True],
        "rank": [False, True],
        "rank_top_k": [1, 3],
        "final_stage": ["none", "verify", "vote"],
    },
    "budget": {"max_calls": 16},
    "search": {"sampler": "tpe", "pruner": "none", "n_trials": N_TRIALS, "seed": 0, "batch_size": DEV_ITEMS},
}


def write_inputs(directory: Path) -> Path:
    records = [{"id": f"q{i}", "question": f"Question {i}: which magic number is meant?", "answer": str(42 + i % 3)}
               for i in range(4 * DEV_ITEMS)]
    (directory / "magic.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (directory / "magic.yaml").write_text(
        "name: magic\ndata: magic.jsonl\nfields: {id: id, input: question, answer: answer}\n"
        "scorer: numeric\ndev_fraction: 0.5\n"
    )
    path = directory / "search.yaml"
    path.write_text(yaml.safe_dump(SEARCH, sort_keys=False))
    return path


def calls_without_cache(system: dict[str, Any], items: list[Item], scorer: Scorer) -> int:
    client = ModelClient(None)  # no cache at all: every request is a provider call
    loaded = System.load(system, client=client)
    asyncio.run(evaluate_dev(loaded, items, scorer, batch_size=len(items), concurrency=4))
    return int(client.counters["provider_calls"])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_inputs(Path(tmp))
        start = time.perf_counter()
        outcome = run_search(path, run_dir=Path(tmp) / "run")
        elapsed = time.perf_counter() - start
        ctx, study = outcome.context, outcome.study
        made = outcome.provider_calls

        baseline = 0
        for alias in ctx.spec.models:  # the power ranking, uncached
            single = single_model_system(ctx.spec, alias)
            baseline += calls_without_cache(single, ctx.dev_items, ctx.benchmark.scorer)
        trials = [t for t in study.trials if is_evaluated(t)]
        for trial in trials:
            items = ctx.dev_items[: int(summary_of(trial)["items"])]
            baseline += calls_without_cache(trial.user_attrs[SYSTEM_ATTR], items, ctx.benchmark.scorer)

        repeats = sum(1 for t in study.trials if DUPLICATE_ATTR in t.user_attrs)
        over = sum(1 for t in study.trials if INFEASIBLE_ATTR in t.user_attrs)
        asked = sum(summary_of(t)["calls"] * summary_of(t)["items"] for t in trials)
        print(f"search: {len(trials)} architectures evaluated on {DEV_ITEMS} dev items "
              f"(+ {repeats} repeats reused, {over} over budget never run) in {elapsed:.1f}s")
        print(f"calls the trials asked for (cache hits included): {asked:.0f}")
        print(f"provider calls made with the shared cache (power ranking + trials): {made}")
        print(f"provider calls the same trials make without it: {baseline}")
        print(f"ratio (goal <= 0.5): {made / baseline:.3f}")


if __name__ == "__main__":
    main()
