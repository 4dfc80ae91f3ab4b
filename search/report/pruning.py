"""What pruning saved, and whether it cost the search its best architecture.

A pruner stops a trial after a few batches of dev items when its running score trails the
others' at the same point (multi-fidelity: cheap screening, full evaluation only for the
promising). ``pruning_report`` counts the item evaluations that saved. ``audit_pruning``
checks the price: it scores every pruned architecture on the dev items (most of their calls
are already in the shared cache, made by trials that shared their samples), each until it either
finishes or can no longer beat the best, and says whether an unpruned search over the same
trials would have found the same best architecture.
"""

from __future__ import annotations

import asyncio
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from archon.search.trial.attributes import SYSTEM_ATTR, is_evaluated, summary_of
from archon.search.trial.context import SearchContext
from archon.search.trial.evaluation import DevResult, evaluate_dev


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
    """Dev scores of the pruned architectures on every dev item, against the best completed one.

    The question is only whether one of them would have beaten the best, so each stops as soon
    as it no longer can (its score with every item left right is not above the best's): an
    architecture pruned for a bad start is often settled by the items it was pruned on, which
    are in the cache. A row says ``full_score`` when it ran to the end, ``at_most`` when it stopped.
    """
    assert best.values is not None
    best_score = float(best.values[0])
    pruned = [t for t in study.get_trials(deepcopy=False)
              if t.state == TrialState.PRUNED and is_evaluated(t) and SYSTEM_ATTR in t.user_attrs]
    n_items = len(ctx.dev_items)
    rows: list[dict[str, Any]] = []
    for trial in pruned:
        ctx.monitor.start(f"pruning audit: trial {trial.number}", n_items, "dev items until it cannot win")

        def cannot_win(so_far: DevResult) -> bool:
            return so_far.best_possible(n_items) <= best_score

        # Checked after every item (in item order), so where it stops does not depend on timing.
        dev = asyncio.run(evaluate_dev(ctx.load_system(trial.user_attrs[SYSTEM_ATTR]), ctx.dev_items, ctx.scorer,
                                       batch_size=1, concurrency=ctx.spec.search.concurrency, prices=ctx.prices,
                                       after_batch=cannot_win, on_item=ctx.monitor.outcome))
        partial = summary_of(trial)
        row: dict[str, Any] = {"trial": trial.number, "pruned_after": partial.get("items"),
                               "partial_score": partial.get("score"), "audited_items": len(dev.outcomes)}
        if dev.stopped_early:
            row["at_most"] = dev.best_possible(n_items)
        else:
            row["full_score"] = dev.score
        rows.append(row)
    better = [r for r in rows if r.get("full_score", 0.0) > best_score]
    return {
        "best_trial": best.number, "best_score": best_score, "trials": rows,
        "same_best": not better,
        "would_have_won": max(better, key=lambda r: r["full_score"])["trial"] if better else None,
        "item_evaluations": sum(r["audited_items"] for r in rows),
    }
