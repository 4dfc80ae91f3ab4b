"""Run a system over benchmark items, score each answer, and summarize.

    report = await evaluate(system, benchmark, benchmark.items("test", limit=50),
                            concurrency=8, out_dir=Path("runs/gsm8k"))

1. Earlier results in ``out_dir/results.jsonl`` with the same fingerprint (system +
   benchmark) are reused, except the system's own failures (often transient:
   timeouts, rate limits), which are run again.
2. Every other item runs concurrently, at most ``concurrency`` at a time.
3. Each answer is scored as soon as it arrives and its line is appended to
   results.jsonl at once, so an interrupted eval resumes where it stopped.
4. The report (score with 95% CI, failures, calls, tokens, cost, latency) is
   built from all results of these items and written to ``out_dir/report.json``.

A broken record, a system error or an unscorable answer is a failure of that item,
recorded with its reason; none of them stops the eval.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from archon.benchmarks.benchmark import ERROR_KEY, Benchmark
from archon.benchmarks.report import EvalReport, build_report
from archon.benchmarks.results import (
    RECORD_FAILURE,
    SCORING_FAILURE,
    SYSTEM_FAILURE,
    ItemResult,
    ResultsFile,
)
from archon.benchmarks.scorers.base import is_unscorable
from archon.benchmarks.types import Item, Scorer


class EvaluatedSystem(Protocol):
    """What evaluate() needs of a system (archon.runtime.system.System has it)."""

    async def arun(self, query: str, *, context: Any = None) -> Any: ...

    def fingerprint(self) -> str: ...


def run_fingerprint(system: EvaluatedSystem, benchmark: Benchmark) -> str:
    blob = f"{system.fingerprint()}\x00{benchmark.fingerprint()}"
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


async def evaluate(
    system: EvaluatedSystem,
    benchmark: Benchmark,
    items: Sequence[Item],
    *,
    concurrency: int = 8,
    out_dir: str | Path,
    resume: bool = True,
    progress: bool = True,
    scorer: Scorer | None = None,
    on_result: Callable[[ItemResult, bool], None] | None = None,
) -> EvalReport:
    """``scorer``: the benchmark's scorer bound to the run's client and sandbox (default: its own).
    ``on_result(result, resumed)``: each item's result as it comes (those an earlier run left
    first, with ``resumed`` true), for a live view other than the progress bar."""
    if concurrency < 1:
        raise ValueError(f"`concurrency >= 1` must hold, but got concurrency={concurrency}")
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("item ids must be unique: results are matched to items by id")
    # Built first (a missing judge model fails before any call is made), with the system's own
    # client and sandbox: a judge's calls and a code scorer's runs belong to this run.
    scorer = scorer or benchmark.scorer_for(client=getattr(system, "client", None),
                                            sandbox=getattr(system, "sandbox", None))
    fingerprint = run_fingerprint(system, benchmark)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = ResultsFile(out, fingerprint)
    kept = _kept_results(store, ids, resume)
    todo = [item for item in items if item.id not in kept]
    if on_result is not None:
        for earlier_result in kept.values():
            on_result(earlier_result, True)

    fresh: dict[str, ItemResult] = {}
    semaphore = asyncio.Semaphore(concurrency)
    bar = _Progress(progress, f"{benchmark.name} · {_system_name(system)}", len(items), list(kept.values()),
                    client=getattr(system, "client", None))
    with store.open_for_append() as handle, bar:

        async def one(item: Item) -> None:
            async with semaphore:
                result = await _run_item(system, scorer, item, fingerprint)
            # Written from the event loop thread, one whole line at a time: lines never interleave.
            handle.write(result.to_json() + "\n")
            handle.flush()
            fresh[item.id] = result
            bar.add(result)
            if on_result is not None:
                on_result(result, False)

        await asyncio.gather(*(one(item) for item in todo))

    ordered = [fresh.get(i) or kept[i] for i in ids]
    report = build_report(benchmark.name, _system_name(system), fingerprint, ordered, resumed=len(kept))
    report.write(out)
    return report


def _kept_results(store: ResultsFile, ids: list[str], resume: bool) -> dict[str, ItemResult]:
    """The results an earlier run left for these items, those the system failed dropped (they
    run again); none when not resuming (the file starts over)."""
    if not resume:
        store.start_over()
    earlier = store.read()
    wanted = set(ids)
    return {i: r for i, r in earlier.items() if i in wanted and r.failure != SYSTEM_FAILURE}


async def _run_item(system: EvaluatedSystem, scorer: Scorer, item: Item, fingerprint: str) -> ItemResult:
    def result(**fields: Any) -> ItemResult:
        return ItemResult(id=item.id, fingerprint=fingerprint, **fields)

    def system_failed(message: str, usage: dict[str, Any], latency: float) -> ItemResult:
        # The system's fault: scored 0 and counted in the mean.
        return result(answer=None, score=0.0, reason=message, failure=SYSTEM_FAILURE, error=message,
                      usage=usage, latency_s=latency)

    if item.meta.get(ERROR_KEY):
        return result(answer=None, score=None, reason=str(item.meta[ERROR_KEY]), failure=RECORD_FAILURE)
    started = time.perf_counter()
    try:
        run = await system.arun(item.prompt, context=item.context)
    except Exception as exc:  # ArchonError (NodeFailedError...) or a bug: this item fails, the eval goes on
        spent = getattr(exc, "usage", None)  # what the failed query spent before failing
        return system_failed(str(exc) or type(exc).__name__, spent.total.to_dict() if spent is not None else {},
                             time.perf_counter() - started)
    latency = float(getattr(run, "latency_s", None) or time.perf_counter() - started)
    usage = run.usage.total.to_dict()
    if getattr(run, "error", None):
        return system_failed(str(run.error), usage, latency)
    answer = str(run.answer)
    try:
        score = await scorer.score(item, answer)
    except Exception as exc:  # scorers must not raise; one that does costs one item, not the eval
        reason = f"scorer {scorer.name!r} raised {type(exc).__name__}: {exc}"
        return result(answer=answer, score=None, reason=reason, failure=SCORING_FAILURE, usage=usage, latency_s=latency)
    details = dict(score.details)
    scoring_usage = details.pop("usage", None) or {}
    unscored = is_unscorable(score)
    return result(
        answer=answer,
        score=None if unscored else score.value,
        reason=score.reason,
        failure=SCORING_FAILURE if unscored else None,
        usage=usage,
        scoring_usage=scoring_usage,
        latency_s=latency,
        details=details,
    )


def _system_name(system: EvaluatedSystem) -> str:
    return str(getattr(system, "name", None) or type(system).__name__)


class _Progress:
    """Items done, the running score, failures, calls and time left, on stderr while the eval
    runs (redrawn in place on a terminal, a plain line every 30 s in a log); silent when disabled."""

    def __init__(self, enabled: bool, title: str, total: int, done: list[ItemResult], client: Any = None) -> None:
        self.title = title
        self.total = total
        self.resumed = len(done)
        self.scores = [r.score for r in done if r.score is not None]
        self.failures = sum(1 for r in done if r.failed)
        self.client = client
        self.started = time.monotonic()
        self.added = 0  # items finished in this run (the ETA's rate)
        self._view: Any = None
        if enabled:
            from rich.console import Console

            from archon.runtime.progress import StatusView

            self._view = StatusView(self.lines, console=Console(stderr=True))

    def lines(self) -> list[str]:
        from archon.runtime.progress import duration

        done = self.resumed + self.added
        mean = f"{sum(self.scores) / len(self.scores):.3f}" if self.scores else "-"
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.added * (self.total - done) if self.added else None
        counters = getattr(self.client, "counters", None) or {}
        return [f"{self.title}: {done}/{self.total} items, score {mean}, failures {self.failures}",
                f"calls {counters.get('provider_calls', 0)}, cache hits {counters.get('cache_hits', 0)}; "
                f"elapsed {duration(elapsed)}" + (f", about {duration(eta)} left" if eta is not None else "")]

    def add(self, result: ItemResult) -> None:
        if result.score is not None:
            self.scores.append(result.score)
        self.failures += result.failed
        self.added += 1

    def __enter__(self) -> _Progress:
        if self._view is not None:
            self._view.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._view is not None:
            self._view.__exit__(None, None, None)
