"""What pruning saved, and whether it cost the search its best architecture.

A pruner stops a trial after a few batches of dev items when its running score trails the
others' at the same point (multi-fidelity: cheap screening, full evaluation only for the
promising). ``pruning_report`` counts the item evaluations that saved. ``audit_pruning``
checks the price: it scores every pruned architecture on all dev items (most of their calls
are already in the shared cache, made by trials that shared their samples) and says whether
an unpruned search over the same trials would have found the same best architecture.
"""

from __future__ import annotations

import asyncio
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from archon.search.context import SearchContext
from archon.search.evaluation import evaluate_dev
from archon.search.trial_attrs import SYSTEM_ATTR, is_evaluated, summary_of


def pruning_report(study: optuna.Study, n_items: int) -> dict[str, Any]:
    evaluated = [t for t in study.get_trials(deepcopy=False) if is_evaluated(t)]
    done = sum(int(summary_of(t).get("items", 0)) for t in evaluated)
    full = len(evaluated) * n_items
    pruned = [t for t in evaluated if t.state == TrialState.PRUNED]
    return {
        "evaluated_trials": len(evaluated), "pruned_trials": len(pruned), "dev_items": n_items,
        "item_evaluations": done, "item_evaluations_unpruned": full,
        "saved_share": 1 - done / full if full else 0.0,
    }


def audit_pruning(ctx: SearchContext, study: optuna.Study, best: FrozenTrial) -> dict[str, Any]:
    """Full dev scores of the pruned architectures, against the best completed one."""
    pruned = [t for t in study.get_trials(deepcopy=False)
              if t.state == TrialState.PRUNED and is_evaluated(t) and SYSTEM_ATTR in t.user_attrs]
    rows: list[dict[str, Any]] = []
    for trial in pruned:
        ctx.monitor.start(f"pruning audit: trial {trial.number}", len(ctx.dev_items), "every dev item")
        dev = asyncio.run(evaluate_dev(ctx.load_system(trial.user_attrs[SYSTEM_ATTR]), ctx.dev_items, ctx.scorer,
                                       batch_size=len(ctx.dev_items), concurrency=ctx.spec.search.concurrency,
                                       prices=ctx.prices, on_item=ctx.monitor.outcome))
        partial = summary_of(trial)
        rows.append({"trial": trial.number, "pruned_after": partial.get("items"), "partial_score": partial.get("score"),
                     "full_score": dev.score})
    assert best.values is not None
    better = [r for r in rows if r["full_score"] > best.values[0]]
    return {
        "best_trial": best.number, "best_score": best.values[0], "trials": rows,
        "same_best": not better,
        "would_have_won": max(better, key=lambda r: r["full_score"])["trial"] if better else None,
    }
