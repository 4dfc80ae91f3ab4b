"""`archon search SEARCH.yaml`: find the best architecture for a benchmark under a budget.

Progress goes to stderr; the leaderboard, the exported best system and the
held-out comparison go to stdout. Rerunning the same command resumes the study.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archon.search.study.runner import SearchOutcome


def register(sub: Any) -> None:
    p = sub.add_parser(
        "search",
        help="search architectures (layer stacks, models, samples) for a benchmark under a budget",
        description="Run (or resume) an Optuna search over architectures defined by SEARCH.yaml. "
        "Results go to the run directory; `archon report RUN_DIR` shows them again.",
    )
    p.add_argument("definition", metavar="SEARCH.yaml", help="the search definition")
    p.add_argument("--storage", metavar="URL",
                   help="optuna storage: sqlite:///FILE (default RUN_DIR/study.db), postgresql://..., redis://...")
    p.add_argument("--study", metavar="NAME", help="study name (default: the search's name)")
    p.add_argument("--n-trials", type=_positive, metavar="N",
                   help="evaluated architectures the study should hold (a rerun tops it up)")
    p.add_argument("--timeout", type=float, metavar="S", help="stop starting trials after S seconds")
    p.add_argument("--run-dir", type=Path, metavar="DIR", help="where results go (default runs/<name>)")
    p.add_argument("--workers", type=_positive, metavar="N", help="worker processes on this machine")
    p.add_argument("--no-final", action="store_true", help="skip the held-out test evaluation")
    p.add_argument("--no-audit", action="store_true",
                   help="skip the pruning audit this time (it only reports, and can take hours; a later run does it)")
    # Set on the worker processes `--workers` starts (and on workers started by hand on other
    # machines, so their samplers draw different random startup trials).
    p.add_argument("--worker-index", type=int, default=0, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    import logging

    import optuna

    from archon.cli.output import console
    from archon.search.report.markdown import render_summary
    from archon.search.study.runner import run_search

    optuna.logging.set_verbosity(logging.WARNING)  # one line per trial of our own instead

    from archon.runtime.progress import StatusView
    from archon.search.study.monitor import SearchMonitor, status_lines

    err = console(stderr=True)
    worker = args.worker_index > 0
    monitor = SearchMonitor()
    import time

    from archon.search.study.recording import code_commit

    # The code as it starts: a long sitting may outlive a checkout that moves on meanwhile.
    started, started_at, commit = time.perf_counter(), time.strftime("%Y-%m-%dT%H:%M:%S%z"), code_commit()
    # Live status while slow models work: redrawn in place on a terminal, a plain line every
    # 30 s in a pipe or CI log (so a long trial is never a silent minute).
    from archon.search.report.leaderboard import build_leaderboard

    with StatusView(lambda: status_lines(monitor.status()), console=err) as view:
        outcome = run_search(
            args.definition, storage=args.storage, study_name=args.study, n_trials=args.n_trials,
            timeout_s=args.timeout, run_dir=args.run_dir, workers=args.workers, worker_index=args.worker_index,
            say=view.print, monitor=monitor,
        )
        if worker:
            err.print(f"worker {args.worker_index} done")
            return 0
        view.print("summarizing: leaderboard, export, plots" + ("" if args.no_final else ", held-out test evaluation"))
        # The status stays up: a final evaluation or a pruning audit can take hours.
        summary = _summarize(outcome, args, started, started_at, commit)
    out = console()
    render_summary(summary, build_leaderboard(outcome.study, summary["objectives"]), out)
    out.print(f"\nrun directory: {outcome.run_dir}   (archon report {outcome.run_dir})")
    return 0


def _summarize(outcome: SearchOutcome, args: argparse.Namespace, started: float, started_at: str,
               commit: str | None) -> dict[str, Any]:
    """The study's summary, and this sitting recorded in the run directory (its time, commit and
    provider calls), the summary's part included."""
    import time

    from archon.search.report.results import summarize
    from archon.search.study.rundir import RunDir
    from archon.search.trial.attributes import is_evaluated

    calls_before = outcome.context.client.counters["provider_calls"]
    finished = False
    try:
        summary = summarize(outcome, final=not args.no_final, audit=not args.no_audit, progress=False)
        finished = True
    finally:
        # Counted even when the summary is cut short (Ctrl-C in a long pruning audit or final
        # evaluation): its trials and calls are kept, and so is what the sitting cost.
        summary_calls = outcome.context.client.counters["provider_calls"] - calls_before
        RunDir(outcome.run_dir).add_sitting({
            "started": started_at, "commit": commit, "wall_s": round(time.perf_counter() - started, 1),
            "provider_calls": outcome.provider_calls + summary_calls, "final": not args.no_final,
            **({"audit": False} if args.no_audit else {}),
            "evaluated_trials": sum(is_evaluated(t) for t in outcome.study.get_trials(deepcopy=False)),
            **({} if finished else {"summary_interrupted": True}),
        })
    return summary
