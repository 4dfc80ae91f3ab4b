"""What a finished search leaves behind: exported systems, the held-out evaluation, plots, reports.

``summarize(outcome)`` builds the leaderboard, exports the best architecture (and the Pareto
front) as system YAML, reports what pruning saved, runs the final evaluation on the test split
and then the pruning audit, draws the plots, and writes ``summary.json`` and ``report.md`` into
the run directory, which ``archon report RUN_DIR`` reads back (with the study) to show it all again.

Exporting needs no re-search and no evaluation: the study holds the search definition and the
power ranking, so replaying the space with ``optuna.trial.FixedTrial(trial.params)`` gives the
very system a trial ran (``rebuild_system``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import optuna

from archon.errors import ArchonError
from archon.runtime.system import System
from archon.search.define.enumeration import system_key
from archon.search.define.space import build_system
from archon.search.report.cost import gain_cost, search_spend
from archon.search.report.final_eval import final_evaluation
from archon.search.report.leaderboard import Leaderboard, best_trial, build_leaderboard, describe, pareto_trials
from archon.search.report.markdown import markdown_report
from archon.search.report.plots import save_coverage_plot, save_plots
from archon.search.report.pruning import audit_pruning, pruning_report
from archon.search.report.selection import simplest_within_noise
from archon.search.study.power_ranking import single_model_system, stored_ranking
from archon.search.study.rundir import RunDir
from archon.search.study.runner import SearchOutcome
from archon.search.study.studies import stored_spec
from archon.search.trial.attributes import BEST_SYSTEM_ATTR, SYSTEM_ATTR, is_infeasible, summary_of


def summarize(outcome: SearchOutcome, *, final: bool = True, audit: bool = True, plots: bool = True,
              progress: bool = False) -> dict[str, Any]:
    """``final``: evaluate the best on the test split; ``audit``: audit pruning, where the search asks."""
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
        system, chosen_trial, chosen_params = rebuild_system(study, best.number, name=f"{spec.name}-best"), \
            best.number, best.params
        comment = (f"Best architecture of search {spec.name!r} (trial {best.number}): dev score "
                   f"{best.values[0]:.3f} on {summary_of(best).get('items', '?')} items.\n"
                   "Run it: archon run THIS_FILE \"your question\"")
        if (simplest := simplest_within_noise(study, outcome.ranking, best, len(ctx.dev_items))) is not None:
            summary["selection"] = {"rule": spec.search.select, "simplest": simplest}
            if spec.search.select == "simplest" and not simplest["is_best"]:
                system, chosen_trial, chosen_params = _simplest_system(study, spec, simplest)
                comment = (f"Simplest architecture of search {spec.name!r} within noise of the best on dev "
                           f"({simplest['label']}, dev score {simplest['score']:.3f}; search.select: simplest).\n"
                           "Run it: archon run THIS_FILE \"your question\"")
        write_system(system, rundir.best_system, comment)
        _name_best_on_study(study, rundir.best_system, best.number, describe(system))
        summary["best"] = {"trial": best.number, "values": best.values, "architecture": describe(system),
                           "summary": summary_of(best), "path": str(rundir.best_system)}
        front = pareto_trials(study)
        if front:
            summary["pareto"] = [_export_front(study, t, rundir, spec.name) for t in front]
    summary["pruning"] = pruning_report(study, len(ctx.dev_items))
    # The held-out verdict before the pruning audit: the audit only reports (it never changes the
    # best), so a sitting cut short in the audit has its result already.
    if best is not None and final:
        summary["final"] = final_evaluation(ctx, system, chosen_trial, outcome.ranking, progress=progress,
                                            best_params=chosen_params)
        rundir.final_report.write_text(json.dumps(summary["final"], indent=2) + "\n", encoding="utf-8")
    summary["search_spend"] = search_spend(study, outcome.ranking)
    if (gain := gain_cost(summary.get("final") or {}, summary["search_spend"])) is not None:
        summary["gain_cost"] = gain
    if spec.search.audit_pruning and not audit:
        summary["pruning"]["audit_skipped"] = True
    if spec.search.audit_pruning and audit and best is not None:
        try:
            summary["pruning"]["audit"] = audit_pruning(ctx, study, best)
        except KeyboardInterrupt:
            # An audit can take hours; one cut short still leaves the report of everything before
            # it (the held-out table above all), and the next sitting completes it from the cache.
            summary["pruning"]["audit_interrupted"] = True
            _write_summary(outcome, summary, board, plots=plots)
            raise
    return _write_summary(outcome, summary, board, plots=plots)


def _write_summary(outcome: SearchOutcome, summary: dict[str, Any], board: Leaderboard, *, plots: bool
                   ) -> dict[str, Any]:
    ctx, spec, rundir = outcome.context, outcome.context.spec, RunDir(outcome.run_dir)
    if plots:
        summary["plots"] = save_plots(outcome.study, spec.objectives, rundir.plots, outcome.ranking)
        if coverage := (summary.get("final") or {}).get("coverage"):
            summary["plots"]["coverage"] = save_coverage_plot(coverage, rundir.plots / "coverage.png")
    if ctx.client.cache is not None:
        ctx.client.cache.flush()  # the final evaluation's calls are on disk before anyone records them
    rundir.summary.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    rundir.report.write_text(markdown_report(summary, board, spec.description), encoding="utf-8")
    outcome.summary = summary
    return summary


def _export_front(study: optuna.Study, trial: optuna.trial.FrozenTrial, rundir: RunDir, name: str) -> dict[str, Any]:
    system = rebuild_system(study, trial.number, name=f"{name}-pareto-{trial.number}")
    path = write_system(system, rundir.pareto / f"trial_{trial.number}.yaml",
                        f"Pareto-optimal architecture of search {name!r} (trial {trial.number}).")
    return {"trial": trial.number, "values": trial.values, "architecture": describe(system), "path": str(path)}


def _name_best_on_study(study: optuna.Study, path: Path, number: int, sketch: str) -> None:
    """Where the best system is, on the study: an attribute, and optuna-dashboard's note when it is here."""
    study.set_user_attr(BEST_SYSTEM_ATTR, str(path.resolve()))
    try:
        from optuna_dashboard import save_note
    except ImportError:
        return
    save_note(study, f"**Best architecture** (trial {number}): {sketch}\n\nExported to `{path.resolve()}`: "
              "run it with `archon run FILE \"question\"` or `archon.load(FILE)`.")


def read_summary(run_dir: Path) -> dict[str, Any] | None:
    path = RunDir(run_dir).summary
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _simplest_system(study: optuna.Study, spec: Any, simplest: dict[str, Any]
                     ) -> tuple[dict[str, Any], int, dict[str, Any]]:
    """(system, trial number or -1 for a model alone, its parameters) of the simplest choice."""
    if simplest["model"] is not None:
        return {**single_model_system(spec, simplest["model"]), "name": f"{spec.name}-best"}, -1, {}
    trial = study.trials[simplest["trial"]]
    return rebuild_system(study, trial.number, name=f"{spec.name}-best"), trial.number, trial.params


def rebuild_system(study: optuna.Study, number: int, name: str | None = None) -> dict[str, Any]:
    """The system dict of trial ``number``, replayed from its parameters."""
    trials = [t for t in study.get_trials(deepcopy=False) if t.number == number]
    if not trials:
        raise ArchonError(f"study {study.study_name!r} has no trial {number} (it has {len(study.trials)})")
    trial = trials[0]
    spec = stored_spec(study)
    ranking = stored_ranking(study)
    order = ranking.order if ranking else tuple(spec.models)
    system = build_system(optuna.trial.FixedTrial(trial.params), spec, order,
                          name=name or f"{spec.name}-trial-{number}", skills=ranking.skills() if ranking else None)
    recorded = trial.user_attrs.get(SYSTEM_ATTR)
    if recorded is not None and system_key(recorded) != system_key(system):
        # Only a change to archon's space code between the search and now can cause this.
        raise ArchonError(f"trial {number} rebuilt from its parameters differs from the system it ran; "
                          "the search space code changed since the search")
    return system


def write_system(system: dict[str, Any], path: Path, comment: str | None = None) -> Path:
    """Validate and write a system YAML (with the schema line for editors)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = System.load(system, cache=False).to_yaml(path)
    if comment:
        path.write_text("".join(f"# {line}\n" for line in comment.splitlines()) + text, encoding="utf-8")
    return path
