"""The `archon` command line.

Each sub-command lives in its own module of this package exposing
``register(subparsers)``; modules import nothing heavy at top level so that
``archon --help`` starts fast (litellm alone takes seconds to import).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Order is the order shown in --help.
COMMANDS = ("run", "validate", "show", "schema", "models", "eval", "search", "report", "dashboard", "record",
            "replay", "serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archon",
        description="Find the best LLM system for a task: declarative DAGs of inference-time "
        "techniques, run and searched over local or API models.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"archon.cli.{name}_cmd").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from archon.errors import ArchonError, ReplayMiss

    try:
        result: int = args.func(args)
        return result
    except (ArchonError, ReplayMiss) as exc:
        if args.debug:
            raise
        from archon.cli.output import print_error

        print_error(str(exc))
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
