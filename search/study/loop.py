"""The trial loop: optuna's optimize with archon's stopping rules and one line per trial.

It stops when the study holds ``n_trials`` evaluated architectures (over-budget
proposals and repeats cost nothing and do not count; with several workers the count
is the study's, so every worker stops at the same total), when the grid is done,
after a long run of proposals that cost nothing (the budget or the space leaves
nothing new), or after several failed trials in a row (a broken provider). After
each trial it fails and re-queues trials that dead processes left RUNNING.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from archon.errors import ArchonError
from archon.search.report.leaderboard import describe
from archon.search.study.power_ranking import PowerRanking
from archon.search.study.rundir import RunDir
from archon.search.trial.attributes import (
    DUPLICATE_ATTR,
    FINGERPRINT_ATTR,
    INFEASIBLE_ATTR,
    RETRY_OF_ATTR,
    SEEDED_ATTR,
    SYSTEM_ATTR,
    is_duplicate,
    is_evaluated,
    is_infeasible,
    summary_of,
)
from archon.search.trial.context import SearchContext
from archon.search.trial.objective import ArchitectureObjective
from archon.search.trial.recovery import recover_stale_trials

#: Consecutive failed trials in one process before the search gives up (a broken provider).
MAX_FAILED_IN_A_ROW = 3

Say = Callable[[str], None]


class SearchAborted(ArchonError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"search stopped: {self.reason}"


def optimize(study: optuna.Study, ctx: SearchContext, ranking: PowerRanking, rundir: RunDir, say: Say) -> None:
    settings = ctx.spec.search
    target = settings.n_trials
    if settings.sampler == "grid":
        target = min(target or 10**9, _waiting(study) + _evaluated(study))
    if target is not None and _evaluated(study) >= target:
        say(f"the study already holds {_evaluated(study)} evaluated trials (n_trials {target}): nothing to run")
        return
    streak = {"idle": 0, "failed": 0}
    # Proposals that cost nothing (over budget, or already evaluated) do not count as trials;
    # a long run of them means the budget or the space leaves nothing new to try.
    idle_cap = max(50, 10 * (target or 5))
    failure: list[str] = []

    def after_trial(study: optuna.Study, trial: FrozenTrial) -> None:
        ctx.monitor.trial_finished(trial)
        rundir.log_trial(_trial_record(trial))
        say(_trial_line(trial))
        trials = study.get_trials(deepcopy=False)  # one read for every check below
        recovered = recover_stale_trials(study, settings.stale_after_s, trials)
        if recovered:
            say(f"re-queued trial(s) {', '.join(map(str, recovered))} left running by a process that died")
        streak["idle"] = streak["idle"] + 1 if is_infeasible(trial) or is_duplicate(trial) else 0
        streak["failed"] = streak["failed"] + 1 if trial.state == TrialState.FAIL else 0
        evaluated = sum(is_evaluated(t) for t in trials)
        waiting = sum(t.state == TrialState.WAITING for t in trials) + len(recovered)
        if (target is not None and evaluated >= target) or (settings.sampler == "grid" and waiting == 0):
            study.stop()
        elif streak["idle"] >= idle_cap:
            say(f"stopping: {idle_cap} proposals in a row were over budget or already evaluated; the budget "
                "and the space leave nothing new to try")
            study.stop()
        elif streak["failed"] >= MAX_FAILED_IN_A_ROW:
            failure.append(str(trial.system_attrs.get("fail_reason", "unknown error")))
            study.stop()

    objective = ArchitectureObjective(ctx, ranking)
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(logging.WARNING)  # our own line per trial replaces optuna's
    try:
        study.optimize(objective, n_trials=None, timeout=settings.timeout_s, callbacks=[after_trial],
                       catch=(ArchonError,), gc_after_trial=False)
    finally:
        optuna.logging.set_verbosity(previous)
    if failure:
        raise SearchAborted(f"{MAX_FAILED_IN_A_ROW} trials in a row failed; the last: {failure[0]}")


def _evaluated(study: optuna.Study) -> int:
    return sum(is_evaluated(t) for t in study.get_trials(deepcopy=False))


def _waiting(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))


def _trial_record(trial: FrozenTrial) -> dict[str, Any]:
    return {
        "trial": trial.number, "state": trial.state.name, "values": trial.values, "pid": os.getpid(),
        "infeasible": trial.user_attrs.get(INFEASIBLE_ATTR), "duplicate_of": trial.user_attrs.get(DUPLICATE_ATTR),
        "fingerprint": trial.user_attrs.get(FINGERPRINT_ATTR), "summary": summary_of(trial),
        "seeded": trial.user_attrs.get(SEEDED_ATTR), "retry_of": trial.user_attrs.get(RETRY_OF_ATTR),
        "params": trial.params, "finished": time.time(),
    }


def _trial_line(trial: FrozenTrial) -> str:
    head = f"trial {trial.number:>3}"
    seconds = trial.duration.total_seconds() if trial.duration else 0.0
    arch = describe(trial.user_attrs.get(SYSTEM_ATTR) or {})
    if seeded := trial.user_attrs.get(SEEDED_ATTR):
        head += f" (warm start: {seeded})"
    if is_infeasible(trial):
        return f"{head}  over budget, not run ({trial.user_attrs[INFEASIBLE_ATTR]})  {arch}"
    if trial.state == TrialState.FAIL:
        return f"{head}  failed: {trial.system_attrs.get('fail_reason', '?')}"
    s = summary_of(trial)
    if trial.state == TrialState.PRUNED:
        return f"{head}  pruned after {s.get('items', '?')} items at {s.get('score', 0.0):.3f}  {arch}  {seconds:.1f}s"
    if is_duplicate(trial):
        return f"{head}  score {trial.values[0]:.3f}  same system as trial {trial.user_attrs[DUPLICATE_ATTR]}"
    return (f"{head}  score {trial.values[0]:.3f}  {s.get('calls', 0):.1f} calls/q  {arch}  {seconds:.1f}s")
