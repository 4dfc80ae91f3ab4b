"""Architecture search: Optuna over layer stacks, models, samples and budgets.

    from archon.search import run_search, summarize
    outcome = run_search("configs/search/quickstart.yaml")
    summary = summarize(outcome)          # leaderboard, best_system.yaml, plots, test split

One concept per module. Defining a search: ``spec`` (the YAML schema), ``loading``,
``space`` (the define-by-run builder), ``enumeration``, ``budget``, ``warm_start``. Running it:
``runner`` (one search, start to finish), ``preflight``, ``power_ranking``, ``loop`` (the trial
loop), ``objective`` (one trial), ``evaluation`` (dev scoring), ``samplers``, ``study``,
``storage``, ``recovery`` (dead workers' trials), ``trial_attrs``, ``context``. Concluding it:
``results`` (export, the held-out evaluation, plots), ``final_eval``, ``coverage``, ``pruning``,
``leaderboard``, ``report`` (all rendering), ``plots``, ``rundir``, ``recording`` (replayable
recordings).
"""

from archon.search.budget import Budget, BudgetCheck
from archon.search.enumeration import distinct_architectures
from archon.search.leaderboard import Leaderboard, best_trial, build_leaderboard, describe
from archon.search.loading import load_search_spec
from archon.search.loop import SearchAborted
from archon.search.objective import ArchitectureObjective
from archon.search.power_ranking import PowerRanking, single_model_system
from archon.search.results import rebuild_system, summarize, write_system
from archon.search.runner import SearchOutcome, run_search
from archon.search.space import build_system
from archon.search.spec import SearchSpec, search_json_schema
from archon.search.storage import open_storage
from archon.search.study import load_study
from archon.search.trial_attrs import is_evaluated, is_infeasible

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
