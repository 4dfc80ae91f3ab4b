"""Scoring one architecture on the dev items, batch by batch, for the objective.

The final, held-out numbers go through ``archon.benchmarks.evaluate`` (results file,
95% CIs). A trial needs something else: a running score after every batch (so a
pruner can stop it), and measures of the *architecture* rather than of this run.
Calls served from the shared cache are free for the search but not for whoever
deploys the system, so calls, tokens and USD count cached calls too, and latency is
the critical path of the recorded call latencies (a cached call keeps the latency it
had when it was made), not the wall time of a mostly cached run.

Items run in order with ``concurrency`` of them in flight, across batch boundaries, so the
engine never idles while the last item of a batch finishes; the running score is still
reported per batch, in item order, and a pruned trial cancels the items it started early.

Failures follow the benchmark evaluator's rules: a system error scores 0, an
unusable record or an unscorable answer is left out of the mean.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from archon.benchmarks.benchmark import ERROR_KEY
from archon.benchmarks.scorers.base import is_unscorable
from archon.benchmarks.types import Item, Scorer
from archon.errors import ArchonError, ReplayMiss
from archon.runtime.executor import RunResult
from archon.runtime.system import System
from archon.search.define.budget import Price


@dataclass(frozen=True)
class ItemOutcome:
    item_id: str
    score: float | None  # None: left out of the mean (broken record, unscorable answer)
    error: str | None = None
    failure: str | None = None  # "system" (scored 0), "scoring" or "record" (left out)
    requests: int = 0  # calls the architecture asked for, cached or not
    provider_calls: int = 0  # calls actually paid for in this run
    tokens: int = 0
    usd: float = 0.0
    latency_s: float = 0.0
    truncated: int = 0  # completions cut at max_tokens
    # What scoring it cost (an LLM judge's calls, made through the search's client): part of
    # what the trial spent, not of the architecture's measures.
    scoring_requests: int = 0
    scoring_provider_calls: int = 0
    scoring_usd: float = 0.0


@dataclass
class DevResult:
    outcomes: list[ItemOutcome] = field(default_factory=list)
    stopped_early: bool = False  # the callback asked to stop (pruned)

    @property
    def scored(self) -> list[float]:
        return [o.score for o in self.outcomes if o.score is not None]

    @property
    def score(self) -> float:
        scored = self.scored
        return sum(scored) / len(scored) if scored else 0.0

    def per_query(self, name: str) -> float:
        """Mean of an ItemOutcome measure over the items the system ran on."""
        ran = [o for o in self.outcomes if o.failure != "record"]
        return sum(float(getattr(o, name)) for o in ran) / len(ran) if ran else 0.0

    def spread(self, name: str, label: str) -> dict[str, float]:
        """The median, 90th percentile and maximum of a measure over the items the system ran on."""
        values = sorted(float(getattr(o, name)) for o in self.outcomes if o.failure != "record")
        if not values:
            return {}

        def at(q: float) -> float:
            return values[min(len(values) - 1, int(q * len(values)))]

        return {f"{label}_p50": at(0.5), f"{label}_p90": at(0.9), f"{label}_max": values[-1]}

    @property
    def errors(self) -> list[str]:
        return [o.error for o in self.outcomes if o.error]

    @property
    def all_failed(self) -> bool:
        """Every item the system ran on failed: the architecture (or a provider) is broken."""
        ran = [o for o in self.outcomes if o.failure != "record"]
        return bool(ran) and all(o.failure == "system" for o in ran)

    def summary(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "items": len(self.outcomes),
            "scored": len(self.scored),
            "errors": len(self.errors),
            "calls": self.per_query("requests"),
            # Adaptive architectures spend a different number of calls on each query.
            **self.spread("requests", "calls"),
            "tokens": self.per_query("tokens"),
            "cost_usd": self.per_query("usd"),
            "latency_s": self.per_query("latency_s"),
            "provider_calls": sum(o.provider_calls + o.scoring_provider_calls for o in self.outcomes),
            "truncated": sum(o.truncated for o in self.outcomes),
            "scoring_calls": self.per_query("scoring_requests"),
            "trial_usd": sum(o.usd + o.scoring_usd for o in self.outcomes),
        }

    def best_possible(self, n_items: int) -> float:
        """The highest mean score this run can still reach over ``n_items``: every item left scores
        1 (an item left unscorable only drops out of the mean, which cannot raise it further)."""
        scored, left = self.scored, n_items - len(self.outcomes)
        return (sum(scored) + left) / (len(scored) + left) if scored or left else 0.0

    def scores_by_item(self) -> dict[str, float]:
        return {o.item_id: o.score for o in self.outcomes if o.score is not None}

    def to_records(self) -> list[dict[str, Any]]:
        return [asdict(o) for o in self.outcomes]


#: Called after each batch with the items scored so far (in item order); returns True to stop.
BatchCallback = Callable[[DevResult], bool]


async def evaluate_dev(
    system: System,
    items: Sequence[Item],
    scorer: Scorer,
    *,
    batch_size: int,
    concurrency: int,
    prices: dict[str, Price] | None = None,
    after_batch: BatchCallback | None = None,
    on_item: Callable[[ItemOutcome], None] | None = None,
) -> DevResult:
    """Score the items in order, ``concurrency`` in flight; call ``after_batch`` at every
    ``batch_size`` items (and at the end), stopping when it says so; ``on_item`` sees each
    item as it finishes (for progress)."""
    result = DevResult()
    semaphore = asyncio.Semaphore(concurrency)

    async def one(item: Item) -> ItemOutcome:
        async with semaphore:
            outcome = await run_item(system, scorer, item, prices or {})
        if on_item is not None:
            on_item(outcome)
        return outcome

    # Started in order; the semaphore admits them in that order too.
    tasks = [asyncio.ensure_future(_deferring_replay_misses(one(item))) for item in items]
    try:
        for start in range(0, len(items), batch_size):
            batch = tasks[start : start + batch_size]
            for outcome in await asyncio.gather(*batch):
                if isinstance(outcome, ReplayMiss):
                    raise outcome  # an item whose outcome counts lacks a recorded call
                result.outcomes.append(outcome)
            if after_batch is not None and after_batch(result):
                result.stopped_early = len(result.outcomes) < len(items)
                break
    finally:
        for task in tasks:
            task.cancel()  # items started ahead of a pruned trial's last batch: their calls stop
        await asyncio.gather(*tasks, return_exceptions=True)
    return result


async def _deferring_replay_misses(work: Awaitable[ItemOutcome]) -> ItemOutcome | ReplayMiss:
    """An item run ahead of the batch being scored may need a call that the recorded run never
    finished (its trial was pruned before that item was needed); that matters only if the item
    turns out to count, so the miss is handed back instead of raised here."""
    try:
        return await work
    except ReplayMiss as miss:
        return miss


async def run_item(system: System, scorer: Scorer, item: Item, prices: dict[str, Price]) -> ItemOutcome:
    if item.meta.get(ERROR_KEY):
        return ItemOutcome(item.id, None, str(item.meta[ERROR_KEY]), "record")
    try:
        run = await system.arun(item.prompt, context=item.context)
    except Exception as exc:  # ArchonError, or a technique's bug: this item scores 0, the trial goes on
        message = str(exc) if isinstance(exc, ArchonError) else f"{type(exc).__name__}: {exc}"
        return ItemOutcome(item.id, 0.0, message, "system")
    measures = measure(run, prices)
    try:
        score = await scorer.score(item, run.answer)
    except Exception as exc:  # scorers must not raise; one that does loses this item, not the trial
        reason = f"scorer {scorer.name!r} raised {type(exc).__name__}: {exc}"
        return ItemOutcome(item.id, None, reason, "scoring", **measures)
    measures.update(_scoring_cost(score.details.get("usage")))
    if is_unscorable(score):
        return ItemOutcome(item.id, None, score.reason, "scoring", **measures)
    return ItemOutcome(item.id, score.value, None, None, **measures)


def _scoring_cost(usage: Any) -> dict[str, Any]:
    """The judge's calls for one item (``UsageStats.to_dict()`` in the score's details)."""
    if not isinstance(usage, dict):
        return {}
    calls, hits = int(usage.get("calls", 0)), int(usage.get("cache_hits", 0))
    return {"scoring_requests": calls + hits, "scoring_provider_calls": calls,
            "scoring_usd": float(usage.get("cost_usd", 0.0))}


def measure(run: RunResult, prices: dict[str, Price]) -> dict[str, Any]:
    """What one query cost the architecture (cached calls included) and its latency."""
    total = run.usage.total
    usd = 0.0
    for model, stats in run.usage.by_model.items():
        price = prices.get(model)
        if price is not None:
            usd += stats.prompt_tokens * price.prompt + stats.completion_tokens * price.completion
    return {
        "requests": total.requests,
        "provider_calls": total.calls,
        "tokens": total.prompt_tokens + total.completion_tokens,
        "usd": usd,
        "latency_s": critical_path_s(run.trace),
        "truncated": total.truncated,
    }


def critical_path_s(trace: Sequence[dict[str, Any]]) -> float:
    """Latency of the slowest chain of nodes, from each call's recorded latency.

    Within a node, calls for different candidates run at once and calls for the same
    candidate (verify's reasoning then verdict) run one after the other; a node's branches
    (a cascade's sub-systems) add their own critical paths.
    """
    finish: dict[str, float] = {}
    for entry in trace:
        chains: dict[tuple[str, int], float] = {}
        for call in entry.get("calls", ()):
            key = (str(call.get("model")), int(call.get("sample_index", 0)))
            chains[key] = chains.get(key, 0.0) + float(call.get("latency_s") or 0.0)
        own = max(chains.values(), default=0.0)
        # A cascade's branches run one after the other (the escalation only after the cheap one).
        own += sum(critical_path_s(branch) for branch in (entry.get("branches") or {}).values())
        start = max((finish.get(i, 0.0) for i in entry.get("inputs", ())), default=0.0)
        finish[str(entry["node"])] = start + own
    value = max(finish.values(), default=0.0)
    return value if math.isfinite(value) else 0.0
