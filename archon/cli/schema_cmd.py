"""`archon schema`: write the JSON schema of system files (for editor autocompletion)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("schema", help="print or write the JSON schema of system (or search) files")
    p.add_argument("--kind", choices=("system", "search"), default="system")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of printing")
    p.set_defaults(func=run)


def schema_for(kind: str) -> dict[str, Any]:
    if kind == "search":
        from archon.search.define.spec import search_json_schema

        schema: dict[str, Any] = search_json_schema()
        return schema
    from archon.config.spec import system_json_schema

    return system_json_schema()


def run(args: argparse.Namespace) -> int:
    text = json.dumps(schema_for(args.kind), indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0
