"""`archon record RUN_DIR --out DIR`: write a search run's recording, to commit and replay.

With ``--restore`` it goes the other way: a recording's calls, executions and study are put
into RUN_DIR, so `archon search` continues a search recorded over several sittings.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("record", help="write a search run's recording (calls, sandbox runs, study, results)",
                       description="Export everything needed to replay a search exactly: every model response, "
                       "every sandbox result, the study and the final results, as files to commit.")
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the search's run directory")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="the recording's folder")
    p.add_argument("--restore", action="store_true",
                   help="the other way: fill RUN_DIR from the recording in --out, to continue the search live")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archon.cli.output import console
    from archon.search.study.recording import export_recording, restore_recording

    out = console()
    if args.restore:
        restore_recording(args.out, args.run_dir)
        out.print(f"restored {args.out} into {args.run_dir}: rerun its `archon search` with --run-dir {args.run_dir}")
        return 0
    manifest = export_recording(args.run_dir, args.out)
    out.print(f"recorded {args.run_dir} in {args.out}: {manifest['responses']} responses, "
              f"{manifest['executions']} sandbox runs, {manifest['evaluated_trials']} evaluated trials, "
              f"{manifest['live_wall_s'] / 60:.1f} min of live search")
    return 0
