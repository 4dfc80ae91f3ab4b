"""`archon run SYSTEM PROMPT`: answer one query."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("run", help="run a system on one prompt and print the answer")
    p.add_argument("system", help="system YAML (or the reference implementation's JSON)")
    p.add_argument("prompt", help="the query; '-' reads it from standard input")
    p.add_argument("--json", action="store_true", help="print answer, usage and trace as JSON")
    p.add_argument("--trace", metavar="FILE", help="append the trace of this query to a JSONL file")
    p.add_argument("--no-cache", action="store_true", help="bypass the response cache")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import archon
    from archon.runtime.system import System

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    system = System.load(args.system, cache=not args.no_cache)
    result = system.run(prompt)
    if args.trace:
        with open(args.trace, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(result.to_dict()) + "\n")
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    print(result.answer)
    total = result.usage.total
    if sys.stderr.isatty():
        print(
            f"[{archon.__name__}] {total.calls} calls ({total.cache_hits} cached), "
            f"{total.prompt_tokens}+{total.completion_tokens} tokens, ${total.cost_usd:.4f}, "
            f"{result.latency_s:.2f}s",
            file=sys.stderr,
        )
    return 0
