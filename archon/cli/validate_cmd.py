"""`archon validate PATH...`: check system files without calling any model."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("validate", help="check system files (schema, graph rules, models); no model is called")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archon.cli.output import print_error
    from archon.errors import ArchonError
    from archon.runtime.estimate import estimate_cost
    from archon.runtime.system import System

    failed = 0
    for path in args.paths:
        try:
            system = System.load(path, cache=False)
        except ArchonError as exc:
            failed += 1
            print_error(str(exc))
            continue
        cost = estimate_cost(system.graph)
        print(f"ok: {path} ({system.name}: {len(system.graph.nodes)} nodes, output {system.graph.output!r}, "
              f"{cost.calls} calls/query, depth {cost.depth})")
    return 1 if failed else 0
