"""Run a system from Python: one query, then a batch, with usage and a trace.

    python examples/python_api.py [SYSTEM.yaml]      (default: configs/general.yaml, local model)
"""

from __future__ import annotations

import json
import sys

import archon


def main(path: str = "configs/general.yaml") -> None:
    system = archon.load(path)
    result = system.run("A train travels 60 km in 45 minutes. What is its average speed in km/h?")
    print("answer:", result.answer)
    total = result.usage.total
    print(f"usage: {total.calls} calls, {total.cache_hits} cached, "
          f"{total.prompt_tokens}+{total.completion_tokens} tokens, ${total.cost_usd:.4f}")
    for node, stats in result.usage.by_node.items():
        print(f"  {node}: {stats.requests} calls, {stats.completion_tokens} tokens out")
    # Every node's inputs, outputs and calls, as saved by `archon run --trace`:
    print(json.dumps(result.trace[-1]["outputs"], indent=2)[:400])

    batch = system.run_many(["What is 12 * 12?", "What is 2 ** 10?"], concurrency=2)
    for r in batch:
        print(repr(r.query), "->", r.answer[:80] if not r.error else f"failed: {r.error}")


if __name__ == "__main__":
    main(*sys.argv[1:])
