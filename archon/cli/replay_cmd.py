"""`archon replay RECORDING`: run a recorded search again from its recording alone, and check it.

No model is loaded and nothing is executed: every call and sandbox run comes from the
recording, the first one it lacks stops the replay with an error, and every trial and the
final table must come out exactly as recorded. With ``--rescore`` (after a scorer changed)
sandbox runs the recording lacks run for real, and are kept in it if everything still matches.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("replay", help="replay a recorded search exactly and check that it reproduces",
                       description="Re-run a recorded search and its final evaluation from the recording's calls "
                       "and sandbox results only; fails on any missing call or execution, or any differing score.")
    p.add_argument("recording", type=Path, metavar="RECORDING")
    p.add_argument("--run-dir", type=Path, metavar="DIR",
                   help="where the replay runs (default: a new temporary folder)")
    p.add_argument("--rescore", action="store_true",
                   help="run the sandbox programs the recording lacks (after a scorer changed) and, when every "
                   "trial and the final table still match, keep exactly the runs the replay used in the recording")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging
    import tempfile

    import optuna

    from archon.cli.output import console
    from archon.search.study.recording import replay_recording

    optuna.logging.set_verbosity(logging.WARNING)  # the search's own lines, as in `archon search`
    err = console(stderr=True)
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="archon-replay-"))
    outcome = replay_recording(args.recording, run_dir, say=err.print, rescore=args.rescore)
    out = console()
    final = outcome.summary.get("final") or {}
    replayed = ["every trial"]
    if final:
        replayed.append("the final table")
    if (outcome.summary.get("pruning") or {}).get("audit"):
        replayed.append("the pruning audit")
    missing = "" if final else " (it has no held-out evaluation yet)"
    what = " and ".join([", ".join(replayed[:-1]), replayed[-1]] if len(replayed) > 1 else replayed)
    out.print(f"replayed {outcome.trials} trials into {run_dir}: {what} "
              f"{'match' if len(replayed) > 1 else 'matches'} the recording{missing}")
    comparison = final.get("comparison") or {}
    if comparison.get("difference") is not None:
        out.print(f"found - single: {comparison['difference'] * 100:+.1f} points, 95% CI "
                  f"[{comparison['low'] * 100:+.1f}, {comparison['high'] * 100:+.1f}] over {comparison['n']} "
                  "test items")
    return 0
