"""One trial: build the architecture, check its budget, score it on dev batch by batch.

1. The space turns the trial's parameters into a system dict, which archon
   validates like any system file (the paper's construction rules).
2. The static estimate is checked against the budget *before any call*. The
   violation becomes the trial's "budget" constraint; an over-budget architecture
   is never run: it ends PRUNED with ``infeasible`` set, so it has no score,
   cannot be "best", and constraint-aware samplers learn to avoid its region.
3. An architecture already completed in this study (same fingerprint) is not
   evaluated again: its results are copied, marked ``duplicate_of``. One that another
   worker is evaluating right now is waited for, then copied the same way.
4. Otherwise it runs on the dev items in batches; after each batch the running
   score is reported, and a pruner may stop it there (PRUNED, partial score kept).
5. The trial's values are its objectives: score, then cost/latency measures.
"""

from __future__ import annotations

import asyncio
import time

import optuna
from optuna.trial import TrialState

from archon.errors import ArchonError
from archon.search.define.space import build_system
from archon.search.report.leaderboard import describe
from archon.search.study.power_ranking import PowerRanking
from archon.search.trial.attributes import (
    DUPLICATE_ATTR,
    ESTIMATE_ATTR,
    EVALUATING_ATTR,
    FINGERPRINT_ATTR,
    INFEASIBLE_ATTR,
    ITEM_SCORES_ATTR,
    RETRY_OF_ATTR,
    SKETCH_ATTR,
    SUMMARY_ATTR,
    SYSTEM_ATTR,
)
from archon.search.trial.context import SearchContext
from archon.search.trial.evaluation import DevResult, evaluate_dev
from archon.search.trial.recovery import Heartbeat, is_stale

CONSTRAINT = "budget"


class TrialError(ArchonError):
    """Every dev item failed: the architecture (or a provider) is broken. The trial FAILs."""

    def __init__(self, trial: int, reason: str) -> None:
        super().__init__(trial, reason)
        self.trial = trial
        self.reason = reason

    def __str__(self) -> str:
        return f"trial {self.trial}: every dev item failed: {self.reason}"


class ReplayedInterruption(ArchonError):
    """Raised in a replay for a trial that the recorded run lost midway and queued again. Failing it
    (and queuing it again) as the recorded run did keeps every trial number on the same architecture
    and shows the sampler the same history."""

    def __init__(self, trial: int) -> None:
        super().__init__(trial)
        self.trial = trial

    def __str__(self) -> str:
        return f"trial {self.trial} was interrupted in the recorded run (it was queued again)"


class ArchitectureObjective:
    def __init__(self, ctx: SearchContext, ranking: PowerRanking) -> None:
        self.ctx = ctx
        self.ranking = ranking

    def __call__(self, trial: optuna.Trial) -> float | tuple[float, ...]:
        with Heartbeat(trial, self.ctx.spec.search.heartbeat_s):
            try:
                return self._run(trial)
            except (KeyboardInterrupt, ReplayedInterruption):
                # Ctrl-C (or a process that died: see recovery) fails this trial; queue its
                # architecture again so a rerun finishes it (the calls it made are in the cache).
                trial.study.enqueue_trial(trial.params, user_attrs={RETRY_OF_ATTR: trial.number})
                raise

    def _run(self, trial: optuna.Trial) -> float | tuple[float, ...]:
        ctx = self.ctx
        data = build_system(trial, ctx.spec, self.ranking.order, name=f"{ctx.spec.name}-trial-{trial.number}",
                            skills=self.ranking.skills())
        system = ctx.load_system(data)
        fingerprint = system.fingerprint()
        trial.set_user_attr(SYSTEM_ATTR, data)
        trial.set_user_attr(SKETCH_ATTR, describe(data))
        trial.set_user_attr(FINGERPRINT_ATTR, fingerprint)

        check = ctx.budget.check(system.graph)
        trial.set_user_attr(ESTIMATE_ATTR, check.to_dict())
        trial.set_constraint(CONSTRAINT, check.violation)
        if not check.feasible:
            trial.set_user_attr(INFEASIBLE_ATTR, "; ".join(check.reasons))
            raise optuna.TrialPruned(f"over budget: {'; '.join(check.reasons)}")

        earlier = _completed_with(trial.study, fingerprint) or _after_twins(trial, fingerprint,
                                                                           ctx.spec.search.stale_after_s)
        if earlier is not None:
            trial.set_user_attr(DUPLICATE_ATTR, earlier.number)
            trial.set_user_attr(SUMMARY_ATTR, earlier.user_attrs.get(SUMMARY_ATTR, {}))
            return _values(earlier.values)
        trial.set_user_attr(EVALUATING_ATTR, True)

        single = len(ctx.spec.objectives) == 1

        if trial.number in ctx.interrupted:
            raise ReplayedInterruption(trial.number)
        ctx.monitor.start(f"trial {trial.number}", len(ctx.dev_items), describe(data))

        def after_batch(so_far: DevResult) -> bool:
            if not single:  # optuna prunes single-objective studies only
                return False
            trial.report(so_far.score, step=len(so_far.outcomes))
            return trial.should_prune()

        dev = asyncio.run(evaluate_dev(system, ctx.dev_items, ctx.scorer,
                                       batch_size=ctx.spec.search.batch_size,
                                       concurrency=ctx.spec.search.concurrency, prices=ctx.prices,
                                       after_batch=after_batch, on_item=ctx.monitor.outcome))
        summary = dev.summary()
        if dev.errors:
            summary["first_error"] = dev.errors[0][:500]
        trial.set_user_attr(SUMMARY_ATTR, summary)
        trial.set_user_attr(ITEM_SCORES_ATTR, dev.scores_by_item())
        if dev.all_failed:
            raise TrialError(trial.number, dev.errors[0][:300])
        if dev.stopped_early:
            raise optuna.TrialPruned(f"pruned after {len(dev.outcomes)} items at score {dev.score:.3f}")
        # Each objective (archon.search.spec.Objective) is named by its key in the dev summary.
        return _values([float(summary[o]) for o in ctx.spec.objectives])


def _completed_with(study: optuna.Study, fingerprint: str) -> optuna.trial.FrozenTrial | None:
    for earlier in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if earlier.user_attrs.get(FINGERPRINT_ATTR) == fingerprint and DUPLICATE_ATTR not in earlier.user_attrs:
            return earlier
    return None


def _after_twins(trial: optuna.Trial, fingerprint: str, stale_after_s: float,
                 poll_s: float = 0.5) -> optuna.trial.FrozenTrial | None:
    """Wait while another worker's trial of the same architecture is running, then the completed
    one to copy, if any (None: none ran, or it was pruned or died, so this trial evaluates).

    It waits for a twin already evaluating, or for a lower-numbered one still deciding (so two
    trials deciding at once do not both wait); a twin whose process died is not waited for."""
    waited = False
    while True:
        twins = [t for t in trial.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                 if t.number != trial.number and t.user_attrs.get(FINGERPRINT_ATTR) == fingerprint
                 and DUPLICATE_ATTR not in t.user_attrs
                 and (EVALUATING_ATTR in t.user_attrs or t.number < trial.number)
                 and not is_stale(t, stale_after_s)]
        if not twins:  # the caller has just looked for a completed one: look again only after waiting
            return _completed_with(trial.study, fingerprint) if waited else None
        waited = True
        time.sleep(poll_s)


def _values(values: list[float] | None) -> float | tuple[float, ...]:
    assert values is not None
    return values[0] if len(values) == 1 else tuple(values)
