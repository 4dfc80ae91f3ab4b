"""archon's own cost per model call, over calling litellm directly.

Three paths make the same call with litellm's ``mock_response`` (no network, no key):

- litellm:   ``litellm.acompletion(model=M, messages=[...], mock_response=TEXT)``
- cache on:  ``ModelClient(ResponseCache(...)).complete(ModelRequest(M, ..., {"mock_response": TEXT}))``,
             every prompt distinct, so each call is a cache miss plus a cache write
- cache off: the same through ``ModelClient(None)``

Calls are sequential. The paths alternate in blocks (rotating which goes first) so
that drift in machine load and litellm's background logging hits all three alike.
The last line is the archon (cache on) / litellm ratio; the goal is <= 1.2.

    .venv/bin/python perf/overhead.py [--calls 1000] [--block 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.pop("ARCHON_OFFLINE", None)  # mock_response never reaches the network
_HOME = Path(tempfile.mkdtemp(prefix="archon-perf-overhead-"))
os.environ["ARCHON_HOME"] = str(_HOME)

from archon.models.cache import ResponseCache  # noqa: E402
from archon.models.client import ModelClient  # noqa: E402
from archon.models.providers import ensure_litellm  # noqa: E402
from archon.models.types import ModelRequest  # noqa: E402

MODEL = "openai/gpt-4o-mini"
TEXT = "The answer is 42."


def messages(tag: str, i: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": f"[{tag} {i}] What is 6 * 7? Answer briefly."},
    ]


async def measure(calls: int, block: int) -> dict[str, list[tuple[float, float]]]:
    litellm = ensure_litellm()
    cached = ModelClient(ResponseCache(_HOME / "responses.sqlite"))
    uncached = ModelClient(None)

    async def via_litellm(i: int) -> None:
        await litellm.acompletion(model=MODEL, messages=messages("L", i), mock_response=TEXT)

    async def via_cache_on(i: int) -> None:
        request = ModelRequest(MODEL, tuple(messages("C", i)), {"mock_response": TEXT})
        completion = await cached.complete(request)
        assert not completion.cached and completion.text == TEXT

    async def via_cache_off(i: int) -> None:
        request = ModelRequest(MODEL, tuple(messages("U", i)), {"mock_response": TEXT})
        await uncached.complete(request)

    paths = {"litellm": via_litellm, "archon cache on": via_cache_on, "archon cache off": via_cache_off}
    # Warm-up: imports, litellm's first-call setup, the cache's tables.
    for name, fn in paths.items():
        for i in range(50):
            await fn(-1 - i - 1000 * list(paths).index(name))

    # Per block: (wall seconds, process CPU seconds) per call. CPU time is immune to
    # other processes on a busy machine; wall time is what a user waits.
    per_call: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    names = list(paths)
    done = 0
    round_no = 0
    while done < calls:
        n = min(block, calls - done)
        order = names[round_no % 3 :] + names[: round_no % 3]
        for name in order:
            fn = paths[name]
            wall, cpu = time.perf_counter(), time.process_time()
            for i in range(done, done + n):
                await fn(i)
            per_call[name].append(((time.perf_counter() - wall) / n, (time.process_time() - cpu) / n))
        done += n
        round_no += 1
    cached.close()
    assert cached.counters["provider_calls"] == calls + 50, cached.counters
    return per_call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per path (default 1000)")
    parser.add_argument("--block", type=int, default=10, help="calls per block between switches")
    args = parser.parse_args(argv)

    per_call = asyncio.run(measure(args.calls, args.block))
    blocks = len(per_call["litellm"])

    def total(name: str, which: int) -> float:
        return sum(b[which] for b in per_call[name])

    print(f"{args.calls} sequential calls per path, alternating blocks of {args.block}; "
          f"model {MODEL} with mock_response")
    print(f"{'path':<18} {'wall us/call':>13} {'ratio':>7} {'cpu us/call':>12} {'ratio':>7}")
    for name in per_call:
        wall, cpu = total(name, 0), total(name, 1)
        print(f"{name:<18} {wall / blocks * 1e6:>13.1f} {wall / total('litellm', 0):>7.3f} "
              f"{cpu / blocks * 1e6:>12.1f} {cpu / total('litellm', 1):>7.3f}")
    for name in ("archon cache on", "archon cache off"):
        extra_wall = (total(name, 0) - total("litellm", 0)) / blocks * 1e6
        extra_cpu = (total(name, 1) - total("litellm", 1)) / blocks * 1e6
        print(f"archon's own cost per call, {name[7:]}: {extra_wall:.0f} us wall, {extra_cpu:.0f} us cpu")
    print(f"archon/litellm ratio (cache on): {total('archon cache on', 0) / total('litellm', 0):.3f} wall, "
          f"{total('archon cache on', 1) / total('litellm', 1):.3f} cpu")
    return 0


if __name__ == "__main__":
    sys.exit(main())
