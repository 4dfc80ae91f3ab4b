"""Coverage against selection: why repeated sampling helped, or did not (Large Language Monkeys).

For an architecture that samples several candidates per model, on the test split:

- coverage@k: the share of items where at least one candidate the system has at k samples
  per model is correct (its greedy answers included, if it has them), judged by the
  benchmark's own scorer: the most any selector could get from those candidates;
- pass@k: the unbiased estimator over all n samples of the top sampled model,
  1 - C(n-c, k) / C(n, k) per item (Chen et al., 2021);
- selected@k: the accuracy of what the system actually answers when built with k samples
  per model (same calls, from the cache, over nested prefixes of the samples);
- the verifier gap, coverage@k - selected@k, with a paired 95% CI.

Scoring every candidate is the only place the answer key meets the candidates; it happens
after the system has answered, and nothing of it flows back into a system.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from typing import Any

from archon.benchmarks.report import EvalReport
from archon.benchmarks.stats import paired_difference
from archon.benchmarks.types import Item
from archon.layers.registry import role
from archon.search.trial.context import SearchContext


def sample_counts(n: int) -> list[int]:
    """1, 2, 4, ... below n, then n."""
    ks = [k for k in (2**i for i in range(12)) if k < n]
    return [*ks, n]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples of which c are correct."""
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def with_samples(system: dict[str, Any], k: int) -> dict[str, Any]:
    """The same architecture with k samples per sampled generator (its first k samples)."""
    nodes = [{**node, "samples": k} if _sampled(node) else node for node in system["nodes"]]
    return {**system, "name": f"{system['name']}-k{k}", "nodes": nodes}


def _sampled(node: dict[str, Any]) -> bool:
    return node.get("type") == role("generator").type and int(node.get("samples", 1)) > 1


def coverage_analysis(
    ctx: SearchContext, best: dict[str, Any], items: Sequence[Item], best_report: EvalReport,
    baseline: EvalReport, run: Callable[[dict[str, Any]], EvalReport], *, progress: bool = False,
) -> dict[str, Any] | None:
    sampled = [node["id"] for node in best["nodes"] if _sampled(node)]
    if not sampled:
        return None
    n = min(int(node["samples"]) for node in best["nodes"] if _sampled(node))
    fixed = [node["id"] for node in best["nodes"] if node.get("type") == role("generator").type
             and not _sampled(node)]
    correct = asyncio.run(_score_candidates(ctx, best, items, sampled, fixed))
    ks = sample_counts(n)
    selected_reports = {k: (best_report if k == n else run(with_samples(best, k))) for k in ks}
    rows: list[dict[str, Any]] = []
    for k in ks:
        oracle = {item_id: float(any(any(c[node]) for node in fixed) or any(any(c[node][:k]) for node in sampled))
                  for item_id, c in correct.items()}
        selected = {i: s for i, s in selected_reports[k].scores().items() if i in oracle}
        gap = paired_difference(selected, oracle)  # oracle minus selected
        top = sampled[0]
        pass_k = [pass_at_k(len(c[top]), sum(c[top]), k) for c in correct.values() if c[top]]
        rows.append({
            "k": k,
            "coverage": _mean(oracle.values()),
            "pass_at_k": _mean(pass_k),
            "selected": _mean(selected.values()),
            "gap": gap.difference, "gap_low": gap.low, "gap_high": gap.high, "n": gap.n,
        })
    return {
        "items": len(correct), "samples": n, "sampled_nodes": sampled, "fixed_nodes": fixed,
        "pass_at_k_of": _models_of(best, sampled[0]), "baseline": baseline.score, "rows": rows,
    }


async def _score_candidates(ctx: SearchContext, best: dict[str, Any], items: Sequence[Item],
                            sampled: list[str], fixed: list[str]) -> dict[str, dict[str, list[bool]]]:
    """item id -> generate node -> correct? per candidate, in sample order."""
    system = ctx.load_system(best)
    limit = asyncio.Semaphore(ctx.spec.search.concurrency)

    async def one(item: Item) -> tuple[str, dict[str, list[bool]]]:
        async with limit:
            result = await system.arun(item.prompt, context=item.context)  # every call is in the cache by now
        outputs = {entry["node"]: [o["text"] for o in entry.get("outputs", ())] for entry in result.trace}
        verdicts: dict[str, list[bool]] = {}
        for node in (*fixed, *sampled):
            scores = await asyncio.gather(*(ctx.scorer.score(item, text) for text in outputs.get(node, ())))
            verdicts[node] = [s.correct for s in scores]
        return item.id, verdicts

    return dict(await asyncio.gather(*(one(item) for item in items if not item.meta.get("load_error"))))


def _models_of(system: dict[str, Any], node_id: str) -> str:
    node = next(n for n in system["nodes"] if n["id"] == node_id)
    return "+".join(node.get("models", [node_id]))


def _mean(values: Any) -> float:
    listed = [float(v) for v in values]
    return sum(listed) / len(listed) if listed else math.nan
