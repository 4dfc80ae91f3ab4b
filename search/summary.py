"""After the trials: leaderboard, exported systems, plots, and the held-out comparison.

Everything lands in the run directory and in ``summary.json``, which ``archon
report RUN_DIR`` reads back (with the study) to show it all again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import optuna

from archon.search.export import rebuild_system, write_system
from archon.search.final_eval import final_evaluation
from archon.search.leaderboard import best_trial, build_leaderboard, describe, pareto_trials
from archon.search.plots import save_coverage_plot, save_plots
from archon.search.pruning import audit_pruning, pruning_report
from archon.search.report import markdown_report
from archon.search.rundir import RunDir
from archon.search.runner import SearchOutcome
from archon.search.trial_attrs import is_infeasible, summary_of

SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.md"


def summarize(outcome: SearchOutcome, *, final: bool = True, plots: bool = True,
              progress: bool = False) -> dict[str, Any]:
    ctx, study = outcome.context, outcome.study
    spec = ctx.spec
    rundir = RunDir(outcome.run_dir)
    board = build_leaderboard(study, spec.objectives)
    summary: dict[str, Any] = {
        "search": spec.name, "study": outcome.study_name, "objectives": spec.objectives,
        "power_ranking": outcome.ranking.to_dict(), "leaderboard": board.to_dict(),
        "infeasible": sum(is_infeasible(t) for t in study.get_trials(deepcopy=False)),
        "provider_calls_this_run": outcome.provider_calls,
    }
    best = best_trial(study)
    if best is not None:
        system = rebuild_system(study, best.number, name=f"{spec.name}-best")
        comment = (f"Best architecture of search {spec.name!r} (trial {best.number}): dev score "
                   f"{best.values[0]:.3f} on {summary_of(best).get('items', '?')} items.\n"
                   "Run it: archon run THIS_FILE \"your question\"")
        write_system(system, rundir.best_system, comment)
        summary["best"] = {"trial": best.number, "values": best.values, "architecture": describe(system),
                           "summary": summary_of(best), "path": str(rundir.best_system)}
        front = pareto_trials(study)
        if front:
            summary["pareto"] = [_export_front(study, t, rundir, spec.name) for t in front]
    summary["pruning"] = pruning_report(study, len(ctx.dev_items))
    if spec.search.audit_pruning and best is not None:
        summary["pruning"]["audit"] = audit_pruning(ctx, study, best)
    if best is not None and final:
        summary["final"] = final_evaluation(ctx, system, best.number, outcome.ranking, progress=progress)
        rundir.final_report.write_text(json.dumps(summary["final"], indent=2) + "\n", encoding="utf-8")
    if plots:
        summary["plots"] = save_plots(study, spec.objectives, rundir.plots)
        if coverage := (summary.get("final") or {}).get("coverage"):
            summary["plots"]["coverage"] = save_coverage_plot(coverage, rundir.plots / "coverage.png")
    if ctx.client.cache is not None:
        ctx.client.cache.flush()  # the final evaluation's calls are on disk before anyone records them
    (rundir.path / SUMMARY_FILE).write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    (rundir.path / REPORT_FILE).write_text(markdown_report(summary, board, spec.description), encoding="utf-8")
    outcome.summary = summary
    return summary


def _export_front(study: optuna.Study, trial: optuna.trial.FrozenTrial, rundir: RunDir, name: str) -> dict[str, Any]:
    system = rebuild_system(study, trial.number, name=f"{name}-pareto-{trial.number}")
    path = write_system(system, rundir.pareto / f"trial_{trial.number}.yaml",
                        f"Pareto-optimal architecture of search {name!r} (trial {trial.number}).")
    return {"trial": trial.number, "values": trial.values, "architecture": describe(system), "path": str(path)}


def read_summary(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / SUMMARY_FILE
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
