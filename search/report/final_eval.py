"""The held-out verdict: the best architecture against what a user gets without searching.

"Best single model" is each model alone at temperature 0 (one greedy call), and the
baseline is the one of them that scored best on dev (the power ranking): what a user would
have deployed without a search. Beside it run the presets and the compute-matched baseline
(``baselines.py``); the verdict is found minus the best of all of them, decided jointly
(``joint_margin``: the interval covers which baseline was best). All of them run through the benchmark evaluator
(resumable results files, 95% CIs); the paired comparison uses the items both were scored
on, so the difference is the architecture's doing, not the items'. The search never saw
these items. Where the best architecture samples several candidates, the coverage
analysis (``coverage.py``) explains the result.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

from archon.benchmarks.evaluate import evaluate
from archon.benchmarks.report import EvalReport
from archon.benchmarks.stats import joint_margin
from archon.errors import ReplayMiss
from archon.search.report.baselines import compute_matched, model_baselines, preset_baselines
from archon.search.report.coverage import coverage_analysis
from archon.search.report.leaderboard import describe
from archon.search.study.power_ranking import PowerRanking, single_model_system
from archon.search.trial.context import SearchContext


def final_evaluation(
    ctx: SearchContext, best: dict[str, Any], best_trial: int, ranking: PowerRanking, *,
    coverage: bool = True, progress: bool = False, best_params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    spec = ctx.spec
    items = ctx.benchmark.items("test", seed=spec.benchmark.split_seed, limit=spec.benchmark.test_limit)
    if not items:
        return {"skipped": "the benchmark's test split is empty"}
    reports: dict[tuple[str, int], EvalReport] = {}  # by system fingerprint and items

    def run(system_dict: dict[str, Any], limit: int | None = None) -> EvalReport:
        system = ctx.load_system(system_dict)
        fingerprint, scored = system.fingerprint(), items[:limit]
        if (fingerprint, len(scored)) not in reports:
            ctx.monitor.start(f"held-out test: {system_dict['name']}", len(scored), describe(system_dict))
            reports[fingerprint, len(scored)] = asyncio.run(evaluate(
                system, ctx.benchmark, scored, concurrency=spec.search.concurrency,
                out_dir=ctx.run_dir / "final" / fingerprint, progress=progress, scorer=ctx.scorer,
                # Counted, never scored live: a held-out run watched for a good streak invites stopping on one.
                on_result=lambda _result, resumed: ctx.monitor.item(None, resumed=resumed)))
        return reports[fingerprint, len(scored)]

    best_report = run(best)
    singles = {alias: run(single_model_system(spec, alias)) for alias in ranking.order}
    baseline = singles[ranking.best]
    comparison = baseline.compare(best_report)  # best minus baseline
    result: dict[str, Any] = {
        "benchmark": ctx.benchmark.name,
        "split": "test",
        "items": len(items),
        "best": {"trial": best_trial, "system": best["name"], "architecture": describe(best),
                 **_summary(best_report)},
        "single": {"model": ranking.best, "system": f"{spec.name}-{ranking.best}", **_summary(baseline)},
        "models": {alias: _summary(report) for alias, report in singles.items()},
        # The search may find that the best architecture is the best model alone.
        "same_system": best_report is baseline,
        "comparison": {
            "difference": _num(comparison.difference), "low": _num(comparison.low), "high": _num(comparison.high),
            "n": comparison.n, "best_better": comparison.b_better, "single_better": comparison.a_better,
            "ties": comparison.ties, "significant": comparison.significant,
        },
    }
    if coverage:
        analysis = coverage_analysis(ctx, best, items, best_report, baseline, run, progress=progress)
        if analysis is not None:
            result["coverage"] = analysis
    result.update(_against_baselines(ctx, best_report, ranking, best_params or {}, singles, run))
    return result


def _against_baselines(ctx: SearchContext, found: EvalReport, ranking: PowerRanking, found_params: dict[str, Any],
                       singles: dict[str, EvalReport], run: Callable[[dict[str, Any], int | None], EvalReport]
                       ) -> dict[str, Any]:
    """Every baseline's row, and the joint verdict: found minus the best of them."""
    spec = ctx.spec
    presets, skipped = preset_baselines(spec, ranking.order, ctx.budget)
    matched = compute_matched(spec, ranking, found_params, _summary(found)["calls_per_query"])
    rows: list[dict[str, Any]] = []
    reports: dict[str, EvalReport] = {}
    for baseline, report in [*((b, singles[alias]) for b, alias in zip(model_baselines(spec, ranking), ranking.order,
                                                                         strict=True)),
                             *((b, None) for b in [*presets, matched])]:
        row: dict[str, Any] = {"name": baseline.name, "kind": baseline.kind,
                               "architecture": describe(baseline.system)}
        try:
            report = report or run(baseline.system, spec.benchmark.baseline_limit)
        except ReplayMiss:
            # A recording made before this baseline existed: its row arrives with a live sitting.
            skipped[baseline.name] = "not in this recording (a live sitting adds it)"
            continue
        same = report.fingerprint == found.fingerprint
        c = report.compare(found)
        row.update(_summary(report), same_as_found=same, vs_found={
            "difference": _num(c.difference), "low": _num(c.low), "high": _num(c.high), "n": c.n})
        rows.append(row)
        reports[baseline.name] = report
    margin = joint_margin(found.scores(), {name: r.scores() for name, r in reports.items()})
    verdict = {"difference": _num(margin.difference), "low": _num(margin.low), "high": _num(margin.high),
               "n": margin.n, "baseline": margin.best, "beats_all": margin.beats_all,
               "baselines": len(reports)}
    return {"baselines": rows, "baselines_skipped": skipped, "verdict": verdict}


def _summary(report: EvalReport) -> dict[str, Any]:
    n = max(1, report.items - report.unscorable)
    return {
        "score": _num(report.estimate.mean), "low": _num(report.estimate.low), "high": _num(report.estimate.high),
        "n": report.estimate.n, "method": report.estimate.method, "failures": report.failures,
        "calls_per_query": report.usage.requests / n, "tokens_per_query": report.tokens / n,
        "usd_per_query": report.usage.cost_usd / n,
        "completion_tokens_per_query": report.usage.completion_tokens / n,
        "truncated": report.usage.truncated, "provider_calls": report.usage.calls,
    }


def _num(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
