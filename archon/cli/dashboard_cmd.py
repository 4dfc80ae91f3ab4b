"""`archon dashboard RUN_DIR | --storage URL`: optuna-dashboard on a search's study, live.

The study's trials carry archon's attributes (``archon:sketch`` of the architecture, its cost
estimate, dev summary, why it was over budget), which the dashboard shows as user attributes;
once the search has finished, the study names the exported best system (``archon:best_system``,
and a note on the study's page). The dashboard reads the storage as the search writes it, so it
can watch a search that is still running.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def register(sub: Any) -> None:
    p = sub.add_parser("dashboard", help="open optuna-dashboard on a search's study (works while it runs)",
                       description="Serve optuna-dashboard for the study of RUN_DIR (or of --storage URL).")
    p.add_argument("run_dir", nargs="?", type=Path, metavar="RUN_DIR")
    p.add_argument("--storage", metavar="URL", help="the study's storage (instead of, or to complete, RUN_DIR)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archon.errors import ConfigError

    if args.run_dir is None and args.storage is None:
        raise ConfigError("archon dashboard", "", "give a run directory or --storage URL")
    if args.host not in LOOPBACK:
        raise ConfigError("--host", "", f"optuna-dashboard has no authentication: serving it on {args.host} would "
                          "show (and let anyone edit) the study; keep it on 127.0.0.1 and tunnel to it")
    try:
        import optuna_dashboard
    except ImportError:
        raise ConfigError("archon dashboard", "", "optuna-dashboard is not installed: pip install "
                          "'archon[dashboard]'") from None
    from archon.search.study.storage import open_storage

    if args.run_dir is not None:
        from archon.search.study.rundir import RunDir

        meta = RunDir(args.run_dir).metadata()
        url = args.storage or meta["storage"]
        if meta.get("storage_has_password") and not args.storage:
            raise ConfigError("--storage", "", "run.json hides the storage password; pass --storage URL")
    else:
        url = args.storage
    print(f"optuna-dashboard on http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    optuna_dashboard.run_server(open_storage(url), host=args.host, port=args.port)
    return 0
