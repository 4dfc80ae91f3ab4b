"""`archon serve SYSTEM.yaml ... | RUN_DIR`: systems as OpenAI-compatible models over HTTP."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve systems (or a search's best) as OpenAI-compatible models",
                       description="Serve each system under its name as a model id: POST /v1/chat/completions "
                       "(streaming too), GET /v1/models, /health, /metrics. Point any OpenAI client at "
                       "http://HOST:PORT/v1.")
    p.add_argument("sources", nargs="+", type=Path, metavar="SYSTEM.yaml|RUN_DIR")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--api-key-env", metavar="NAME", help="environment variable holding the key clients must send "
                   "as a bearer token (required off loopback)")
    p.add_argument("--request-timeout", type=float, metavar="S", help="answer 504 after S seconds")
    p.add_argument("--trace", type=Path, metavar="FILE", help="append one JSON line per request")
    p.add_argument("--no-cache", action="store_true", help="bypass the response cache")
    p.add_argument("--keepalive", type=float, default=10.0, metavar="S",
                   help="while a streamed answer is not flowing yet, send a comment line every S seconds (default 10)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archon.serve.server import ServeOptions, serve

    print(f"serving on http://{args.host}:{args.port}/v1 (Ctrl-C stops)", flush=True)
    serve(ServeOptions(args.sources, host=args.host, port=args.port, api_key_env=args.api_key_env,
                       request_timeout_s=args.request_timeout, trace_file=args.trace, cache=not args.no_cache,
                       keepalive_s=args.keepalive))
    return 0
