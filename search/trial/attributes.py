"""Every attribute archon keeps on optuna trials and studies, in one place, one prefix.

optuna namespaces its own (``tpe:relative_params``); these are ``archon:...``. They are
what the leaderboard, ``archon report`` and optuna-dashboard read, and what a resumed or
replayed search finds again, so renaming one is a change to stored studies.
"""

from __future__ import annotations

from typing import Any

from optuna.trial import FrozenTrial, TrialState

# On trials
SYSTEM_ATTR = "archon:system"  # the architecture's system dict, as run
SKETCH_ATTR = "archon:sketch"  # the architecture in one line (what the leaderboard prints)
FINGERPRINT_ATTR = "archon:fingerprint"  # System.fingerprint(): same value, same system
ESTIMATE_ATTR = "archon:estimate"  # the static cost estimate and budget check
INFEASIBLE_ATTR = "archon:infeasible"  # why the architecture is over budget (it never ran)
DUPLICATE_ATTR = "archon:duplicate_of"  # the trial that already evaluated this system
EVALUATING_ATTR = "archon:evaluating"  # set when the trial starts scoring (a twin then waits for it)
SUMMARY_ATTR = "archon:summary"  # the dev evaluation's summary (score, items, calls, tokens...)
ITEM_SCORES_ATTR = "archon:item_scores"  # dev item id -> score (paired comparisons between trials)
SEEDED_ATTR = "archon:seeded"  # the warm-start entry that queued this trial
OWNER_ATTR = "archon:owner"  # the process running the trial (host, pid, boot id)
HEARTBEAT_ATTR = "archon:heartbeat"  # when its process last said it is alive
RETRY_OF_ATTR = "archon:retry_of"  # the dead or interrupted trial this one repeats

# On studies
STUDY_FINGERPRINT_ATTR = "archon:study_fingerprint"  # of the search definition's sections
SECTIONS_ATTR = "archon:sections"
SPEC_ATTR = "archon:spec"
RANKING_ATTR = "archon:power_ranking"
GRID_ATTR = "archon:grid_enqueued"
WARM_START_ATTR = "archon:warm_start"
BEST_SYSTEM_ATTR = "archon:best_system"  # where the exported best architecture is


def is_infeasible(trial: FrozenTrial) -> bool:
    return INFEASIBLE_ATTR in trial.user_attrs


def is_duplicate(trial: FrozenTrial) -> bool:
    return DUPLICATE_ATTR in trial.user_attrs


def is_evaluated(trial: FrozenTrial) -> bool:
    """Counted against n_trials: a new architecture run on dev (to the end or until pruned).
    Over-budget proposals and repeats of a completed architecture cost nothing and do not count."""
    return trial.state in (TrialState.COMPLETE, TrialState.PRUNED) and not is_infeasible(trial) \
        and not is_duplicate(trial)


def summary_of(trial: FrozenTrial) -> dict[str, Any]:
    summary: dict[str, Any] = trial.user_attrs.get(SUMMARY_ATTR) or {}
    return summary
