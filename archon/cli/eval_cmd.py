"""`archon eval SYSTEM [SYSTEM2] --benchmark NAME`: score systems on a benchmark.

With two systems, both run on the same items and the paired difference (second
minus first, with its 95% CI) is printed. Results go to ``--out`` (one folder per
system) as they finish; running the same command again resumes.
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archon.benchmarks.report import EvalReport
    from archon.benchmarks.stats import PairedComparison

DEFAULT_OUT = Path("runs")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "eval",
        help="score one system (or compare two) on a benchmark",
        description="Score one system, or compare two on the same items, on a built-in or custom benchmark.",
    )
    p.add_argument("systems", nargs="*", metavar="SYSTEM", help="system YAML; give two to compare them")
    p.add_argument("--benchmark", "-b", metavar="NAME|FILE", help="built-in name (see --list) or custom YAML")
    p.add_argument(
        "--split",
        choices=("dev", "test", "all"),
        default="test",
        help="dev (searched on), test (held out; default) or all",
    )
    p.add_argument("--limit", type=_positive, metavar="N", help="only the first N items of the split")
    p.add_argument("--seed", type=int, default=0, help="seed of the dev/test split and item order (default 0)")
    p.add_argument("--concurrency", type=_positive, default=8, metavar="N", help="items run at once (default 8)")
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="results folder (default runs/<benchmark>/<system>-<hash>); rerun to resume",
    )
    p.add_argument(
        "--judge-model",
        metavar="MODEL",
        help="litellm model string of the judge of LLM-judged benchmarks (or $ARCHON_JUDGE_MODEL)",
    )
    p.add_argument("--no-cache", action="store_true",
                   help="bypass the response cache (the judge's calls too)")
    p.add_argument("--no-resume", action="store_true", help="start over (earlier results kept as .prev)")
    p.add_argument("--list", action="store_true", help="list the built-in benchmarks and exit")
    p.set_defaults(func=lambda args: run(args, p))


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.list:
        print_benchmarks()
        return 0
    if not 1 <= len(args.systems) <= 2:
        parser.error("give one SYSTEM to score, or two to compare")
    if not args.benchmark:
        parser.error("--benchmark is required (see --list)")
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from archon.benchmarks.registry import get_benchmark
    from archon.runtime.system import System

    benchmark = get_benchmark(args.benchmark, judge_model=args.judge_model)
    items = benchmark.items(args.split, seed=args.seed, limit=args.limit)
    # --no-cache: each system's client has no cache, and an LLM judge makes its calls through that client.
    systems = [System.load(path, cache=not args.no_cache) for path in args.systems]
    labels = _labels(args.systems)
    out_dirs = [
        _out_dir(args.out, benchmark.name, label, s.fingerprint(), len(systems))
        for label, s in zip(labels, systems, strict=True)
    ]
    reports = asyncio.run(_evaluate_all(systems, benchmark, items, out_dirs, args))
    print_reports(reports, labels, out_dirs, title=f"{benchmark.name} ({args.split} split, {len(items)} items)")
    if len(reports) == 2:
        print_comparison(reports[0].compare(reports[1]), labels)
    return 0


async def _evaluate_all(
    systems: list[Any], benchmark: Any, items: list[Any], out_dirs: list[Path], args: argparse.Namespace
) -> list[EvalReport]:
    from archon.benchmarks.evaluate import evaluate

    # One after the other: each gets the whole concurrency budget, and the second
    # system's cost and latency are not inflated by competing with the first.
    return [
        await evaluate(
            system,
            benchmark,
            items,
            concurrency=args.concurrency,
            out_dir=out,
            resume=not args.no_resume,
            progress=True,
        )
        for system, out in zip(systems, out_dirs, strict=True)
    ]


def _labels(paths: list[str]) -> list[str]:
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) < len(stems):
        return [f"{i + 1}-{stem}" for i, stem in enumerate(stems)]
    return stems


def _out_dir(out: Path | None, benchmark: str, label: str, fingerprint: str, count: int) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)
    if out is None:
        return DEFAULT_OUT / re.sub(r"[^A-Za-z0-9_.-]+", "_", benchmark) / f"{safe}-{fingerprint[:8]}"
    return out if count == 1 else out / safe


def print_benchmarks() -> None:
    from rich.table import Table

    from archon.benchmarks.registry import BUILTINS
    from archon.benchmarks.scorers import SCORERS
    from archon.cli.output import console

    table = Table(title="Built-in benchmarks")
    table.add_column("name", style="bold")
    table.add_column("description")
    table.add_column("data package", style="dim")
    for name in sorted(BUILTINS):
        entry = BUILTINS[name]
        table.add_row(name, entry.description, entry.data)
    out = _wide(console())
    out.print(table)
    out.print(
        "Custom benchmarks: pass a YAML file (name, data, fields, template, scorer). "
        f"Scorers: {', '.join(sorted(SCORERS))}, or 'package.module:name'."
    )


def print_reports(reports: list[EvalReport], labels: list[str], out_dirs: list[Path], title: str) -> None:
    from rich.table import Table

    from archon.cli.output import console

    table = Table(title=title)
    for column in ("system", "score [95% CI]", "items", "failures", "calls", "cached", "tokens", "cost", "p50", "p95"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for label, report in zip(labels, reports, strict=True):
        usage = report.usage
        table.add_row(
            label,
            _score(report),
            str(report.items),
            str(report.failures),
            str(usage.calls),
            str(usage.cache_hits),
            f"{report.tokens:,}",
            f"${usage.cost_usd:.4f}",
            _seconds(report.latency_p50_s),
            _seconds(report.latency_p95_s),
        )
    out = _wide(console())
    out.print(table)
    for label, report, directory in zip(labels, reports, out_dirs, strict=True):
        notes = [f"results: {directory / 'results.jsonl'}"]
        if report.resumed:
            notes.append(f"{report.resumed} items reused from an earlier run")
        judge = report.scoring_usage
        if judge.requests:
            notes.append(
                f"judge: {judge.calls} calls ({judge.cache_hits} cached), "
                f"{judge.prompt_tokens + judge.completion_tokens:,} tokens, ${judge.cost_usd:.4f}"
            )
        out.print(f"{label}: " + "; ".join(notes), markup=False)
        for reason, count in _failure_reasons(report):
            out.print(f"  {count} × {reason}", markup=False)


def _wide(out: Any) -> Any:
    # Piped or captured output has no terminal width; rich would assume 80 and squash the table.
    if not out.is_terminal:
        out.width = max(out.width, 160)
    return out


def _failure_reasons(report: EvalReport, top: int = 3) -> list[tuple[str, int]]:
    reasons = Counter(f"{r.failure} failure: {(r.reason or '')[:120]}" for r in report.results if r.failed)
    return reasons.most_common(top)


def print_comparison(comparison: PairedComparison, labels: list[str]) -> None:
    from archon.cli.output import console

    first, second = labels
    if comparison.n == 0:
        console().print("no item was scored for both systems: no comparison", markup=False)
        return
    verdict = "significant at 95%" if comparison.significant else "not significant at 95%"
    console().print(
        f"{second} − {first}: {comparison.difference:+.3f} [95% CI {comparison.low:+.3f}, {comparison.high:+.3f}] "
        f"on {comparison.n} items ({second} better on {comparison.b_better}, {first} on {comparison.a_better}, "
        f"{comparison.ties} equal); {verdict}",
        markup=False,
    )


def _score(report: EvalReport) -> str:
    estimate = report.estimate
    if estimate.n == 0 or math.isnan(estimate.mean):
        return "-"
    return f"{estimate.mean:.3f} [{estimate.low:.3f}, {estimate.high:.3f}]"


def _seconds(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}s"
