"""Does a system run as fast as its critical path allows?

generate (10 samples) -> critique -> rank -> fuse on the fake provider, every call
taking a fixed 100 ms (``fake_latency: 0.1``), cache off. The 10 samples run at once
and each later node makes one call, so no schedule can beat 4 x 100 ms per query;
the last line is wall time / that bound. The goal is <= 1.15.

Side by side, the same schedule is also run on litellm alone (10 concurrent
acompletion calls, then 3 one after another, no archon): litellm's own per-call work
(about 3 ms of CPU each, part of it in a thread) sets a floor no caller can go under.

    .venv/bin/python perf/parallel.py [--queries 8] [--profile]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("ARCHON_HOME", tempfile.mkdtemp(prefix="archon-perf-parallel-"))
os.environ["ARCHON_OFFLINE"] = "1"  # only the fake provider is called

LATENCY_S = 0.1
CRITICAL_PATH_CALLS = 4  # generate, critique, rank, fuse

SYSTEM = f"""
name: perf-parallel
models:
  fake:
    model: fake/perf
    extra: {{fake_latency: {LATENCY_S}}}
nodes:
  - {{id: generate, type: generate, models: [fake], samples: 10}}
  - {{id: critique, type: critique, model: fake}}
  - {{id: rank, type: rank, model: fake, top_k: 5}}
  - {{id: fuse, type: fuse, models: [fake]}}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=8, help="measured queries (default 8)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the measured runs")
    args = parser.parse_args(argv)

    import archon

    system = archon.System.from_text(SYSTEM, cache=False)
    system.run("warm-up: import litellm, set up the providers")  # not measured

    floor = [litellm_schedule(i) for i in range(args.queries)]

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    walls: list[float] = []
    for i in range(args.queries):
        start = time.perf_counter()
        result = system.run(f"What is {i} + {i}? Explain briefly.")
        walls.append(time.perf_counter() - start)
        calls = result.usage.total.calls
        assert calls == 13 and not result.errors, (calls, result.errors)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    bound = CRITICAL_PATH_CALLS * LATENCY_S
    print(f"generate x10 -> critique -> rank -> fuse, {LATENCY_S * 1000:.0f} ms per call, cache off, "
          f"{args.queries} queries (13 calls each)")
    print("per query (s): " + " ".join(f"{w:.3f}" for w in walls))
    print(f"mean {statistics.mean(walls):.3f} s, median {statistics.median(walls):.3f} s, "
          f"max {max(walls):.3f} s; critical-path bound {bound:.3f} s")
    print(f"litellm alone, same schedule: mean {statistics.mean(floor):.3f} s "
          f"(floor / bound {statistics.mean(floor) / bound:.3f}); archon / litellm alone "
          f"{statistics.mean(walls) / statistics.mean(floor):.3f}")
    print(f"wall / critical-path bound: {statistics.mean(walls) / bound:.3f} (mean), "
          f"{statistics.median(walls) / bound:.3f} (median)")
    return 0


def litellm_schedule(i: int) -> float:
    """Wall time of the DAG's call schedule made with litellm directly (no archon)."""
    import asyncio

    from archon.models.providers import ensure_litellm

    litellm = ensure_litellm()

    async def call(text: str) -> None:
        await litellm.acompletion(model="fake/perf", messages=[{"role": "user", "content": text}],
                                  fake_latency=LATENCY_S)

    async def schedule() -> None:
        await asyncio.gather(*(call(f"floor {i} sample {k}") for k in range(10)))
        for step in ("critique", "rank", "fuse"):
            await call(f"floor {i} {step}")

    start = time.perf_counter()
    asyncio.run(schedule())
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
