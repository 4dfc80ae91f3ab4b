"""Architecture search: Optuna over layer stacks, models, samples and budgets.

    from archon.search import run_search, summarize
    outcome = run_search("configs/search/quickstart.yaml")
    summary = summarize(outcome)          # leaderboard, best_system.yaml, plots, test split

A folder per concept, as optuna keeps samplers/, pruners/, study/, trial/:

- ``define/``  what a search is: the schema, loading, the space, budget, warm start;
- ``trial/``   one architecture built and scored on dev;
- ``study/``   running it: the runner, power ranking, the trial loop, samplers, storage,
  the run directory, recordings;
- ``report/``  what it says when done: leaderboard, held-out verdict, coverage, pruning, reports.

The search names no technique: it composes what techniques declare (``archon.layers.searchable``).
The names below are imported on first use, so ``import archon.search`` loads nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, typed, for checkers and editors
    from archon.search.define.budget import Budget, BudgetCheck
    from archon.search.define.enumeration import distinct_architectures
    from archon.search.define.loading import load_search_spec
    from archon.search.define.space import build_system
    from archon.search.define.spec import SearchSpec, search_json_schema
    from archon.search.report.leaderboard import Leaderboard, best_trial, build_leaderboard, describe
    from archon.search.report.results import rebuild_system, summarize, write_system
    from archon.search.study.loop import SearchAborted
    from archon.search.study.power_ranking import PowerRanking, single_model_system
    from archon.search.study.runner import SearchOutcome, run_search
    from archon.search.study.storage import open_storage
    from archon.search.study.studies import load_study
    from archon.search.trial.attributes import is_evaluated, is_infeasible
    from archon.search.trial.objective import ArchitectureObjective

#: Public name -> the module that defines it.
_EXPORTS = {
    "ArchitectureObjective": "trial.objective",
    "Budget": "define.budget",
    "BudgetCheck": "define.budget",
    "Leaderboard": "report.leaderboard",
    "PowerRanking": "study.power_ranking",
    "SearchAborted": "study.loop",
    "SearchOutcome": "study.runner",
    "SearchSpec": "define.spec",
    "best_trial": "report.leaderboard",
    "build_leaderboard": "report.leaderboard",
    "build_system": "define.space",
    "describe": "report.leaderboard",
    "distinct_architectures": "define.enumeration",
    "is_evaluated": "trial.attributes",
    "is_infeasible": "trial.attributes",
    "load_search_spec": "define.loading",
    "load_study": "study.studies",
    "open_storage": "study.storage",
    "rebuild_system": "report.results",
    "run_search": "study.runner",
    "search_json_schema": "define.spec",
    "single_model_system": "study.power_ranking",
    "summarize": "report.results",
    "write_system": "report.results",
}

__all__ = [
    "ArchitectureObjective",
    "Budget",
    "BudgetCheck",
    "Leaderboard",
    "PowerRanking",
    "SearchAborted",
    "SearchOutcome",
    "SearchSpec",
    "best_trial",
    "build_leaderboard",
    "build_system",
    "describe",
    "distinct_architectures",
    "is_evaluated",
    "is_infeasible",
    "load_search_spec",
    "load_study",
    "open_storage",
    "rebuild_system",
    "run_search",
    "search_json_schema",
    "single_model_system",
    "summarize",
    "write_system",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'archon.search' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"archon.search.{_EXPORTS[name]}"), name)
    globals()[name] = value  # once
    return value
