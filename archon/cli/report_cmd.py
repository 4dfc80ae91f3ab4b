"""`archon report RUN_DIR`: show a search's results again (live from its study).

The leaderboard is rebuilt from the study, so it includes trials that other workers
finished since; ``--export-trial N`` writes any trial's architecture as a system
YAML, rebuilt from its parameters (no search, no evaluation).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="show the results of a search run directory again",
                       description="Leaderboard, best system, Pareto front, held-out comparison and plots "
                       "of an `archon search` run directory.")
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    p.add_argument("--storage", metavar="URL", help="the study's storage, if run.json hides its password")
    p.add_argument("--export-trial", type=int, metavar="N", help="write trial N's architecture as a system YAML")
    p.add_argument("--out", type=Path, metavar="FILE",
                   help="where --export-trial writes (default RUN_DIR/trial_N.yaml)")
    p.add_argument("--top", type=int, default=10, metavar="N", help="leaderboard rows (default 10)")
    p.add_argument("--html", type=Path, metavar="FILE", help="write one self-contained HTML page of the results")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archon.cli.output import console
    from archon.search.report.markdown import render, render_ranking, render_summary
    from archon.search.study.rundir import open_run

    opened = open_run(args.run_dir, args.storage)
    out = console()
    if args.export_trial is not None:
        from archon.search.report.results import rebuild_system, write_system

        name = opened.spec.name
        system = rebuild_system(opened.study, args.export_trial, name=f"{name}-trial-{args.export_trial}")
        path = write_system(system, args.out or opened.rundir.path / f"trial_{args.export_trial}.yaml",
                            f"Trial {args.export_trial} of search {name!r}, rebuilt from its parameters.")
        out.print(f"wrote {path}")
        return 0
    if args.html is not None:
        from archon.search.report.html import html_report

        args.html.write_text(html_report(opened, top=args.top), encoding="utf-8")
        out.print(f"wrote {args.html} ({args.html.stat().st_size / 1e6:.1f} MB, self-contained)")
        return 0
    from archon.search.report.leaderboard import build_leaderboard

    board = build_leaderboard(opened.study, opened.spec.objectives, top=args.top)
    if opened.summary is None:  # the search has not finished: show what the study holds
        if opened.ranking is not None:
            render_ranking(opened.ranking.to_dict(), out)
        render(board, out)
        out.print("(the search has not written its summary yet: no export, plots or test results)")
        return 0
    render_summary(opened.summary, board, out)
    return 0
