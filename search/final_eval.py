"""The held-out verdict: the best architecture and the best single model on the test split.

Both run through the benchmark evaluator (resumable results files, 95% CIs); the
paired comparison uses the items both were scored on, so the difference is the
architecture's doing, not the items'. Search never saw these items.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from archon.benchmarks.evaluate import evaluate
from archon.benchmarks.report import EvalReport
from archon.runtime.system import System
from archon.search.context import SearchContext


def final_evaluation(
    ctx: SearchContext, best: dict[str, Any], best_trial: int, single: dict[str, Any], single_alias: str,
    progress: bool = False,
) -> dict[str, Any]:
    spec = ctx.spec
    items = ctx.benchmark.items("test", seed=spec.benchmark.split_seed, limit=spec.benchmark.test_limit)
    if not items:
        return {"skipped": "the benchmark's test split is empty"}
    reports: dict[str, EvalReport] = {}
    fingerprints: dict[str, str] = {}
    for role, system_dict in (("best", best), ("single", single)):
        system = System.load(system_dict, client=ctx.client)
        fingerprints[role] = system.fingerprint()
        if role == "single" and fingerprints["single"] == fingerprints["best"]:
            reports[role] = reports["best"]  # the best architecture is the model alone: scored already
            continue
        out_dir = ctx.run_dir / "final" / fingerprints[role]
        reports[role] = asyncio.run(evaluate(system, ctx.benchmark, items, concurrency=spec.search.concurrency,
                                             out_dir=out_dir, progress=progress))
    comparison = reports["single"].compare(reports["best"])  # best minus single
    return {
        "benchmark": ctx.benchmark.name,
        "split": "test",
        "items": len(items),
        "best": {"trial": best_trial, "system": best["name"], **_summary(reports["best"])},
        "single": {"model": single_alias, "system": single["name"], **_summary(reports["single"])},
        # The search may find that the best architecture is the best model alone.
        "same_system": fingerprints["best"] == fingerprints["single"],
        "comparison": {
            "difference": _num(comparison.difference), "low": _num(comparison.low), "high": _num(comparison.high),
            "n": comparison.n, "best_better": comparison.b_better, "single_better": comparison.a_better,
            "ties": comparison.ties, "significant": comparison.significant,
        },
    }


def _summary(report: EvalReport) -> dict[str, Any]:
    n = max(1, report.items - report.unscorable)
    return {
        "score": _num(report.estimate.mean), "low": _num(report.estimate.low), "high": _num(report.estimate.high),
        "n": report.estimate.n, "method": report.estimate.method, "failures": report.failures,
        "calls_per_query": report.usage.requests / n, "tokens_per_query": report.tokens / n,
        "provider_calls": report.usage.calls,
    }


def _num(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
