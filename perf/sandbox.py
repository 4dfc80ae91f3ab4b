"""How many sandboxed runs per second, next to a bare subprocess doing the same work.

The programs are HumanEval's 164 reference solutions with their tests (what scoring
HumanEval runs). Two paths, same programs, same interpreter, same concurrency:

- sandbox: ``get_sandbox()`` (bubblewrap here when it works, else the rlimit fallback),
           or the backend named by --backend
- bare:    ``python -I -c PROGRAM`` through asyncio subprocesses, no isolation at all

The paths alternate for --rounds rounds (rotating which goes first) so that drift in
machine load hits both alike; each reports its median rate. The sandbox's supervisors
are started before timing (they live as long as the sandbox). The last line is the
sandbox / bare ratio of rates.

    .venv/bin/python perf/sandbox.py [--concurrency N] [--rounds 3] [--backend auto|bubblewrap|rlimit]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

from archon.benchmarks.code import CodeTask, load_humaneval
from archon.sandbox import BubblewrapSandbox, RlimitSandbox, Sandbox, get_sandbox


def humaneval_programs() -> list[str]:
    programs = []
    for item in load_humaneval():
        task = item.reference
        assert isinstance(task, CodeTask)
        programs.append(task.program(task.solution))
    return programs


async def bare_runs(python: str, programs: list[str], concurrency: int) -> int:
    """Runs every program as ``python -I -c``; returns how many exited 0."""
    slots = asyncio.Semaphore(concurrency)

    async def one(code: str) -> bool:
        async with slots:
            process = await asyncio.create_subprocess_exec(
                python, "-I", "-c", code, stdin=asyncio.subprocess.DEVNULL,  # the judge reads its secret there
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            await process.communicate()
            return process.returncode == 0

    return sum(await asyncio.gather(*(one(code) for code in programs)))


async def sandbox_runs(sandbox: Sandbox, programs: list[str]) -> int:
    return sum(result.ok for result in await sandbox.run_many(programs))


def timed(run: Callable[[], Coroutine[Any, Any, int]], expected: int, label: str) -> float:
    started = time.perf_counter()
    passed = asyncio.run(run())
    elapsed = time.perf_counter() - started
    if passed != expected:
        sys.exit(f"{label}: only {passed}/{expected} programs passed")
    return expected / elapsed


def make_sandbox(backend: str, concurrency: int) -> Sandbox:
    if backend == "bubblewrap":
        return BubblewrapSandbox(max_concurrency=concurrency)
    if backend == "rlimit":
        return RlimitSandbox(max_concurrency=concurrency)
    chosen = get_sandbox()
    return type(chosen)(max_concurrency=concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["auto", "bubblewrap", "rlimit"], default="auto")
    args = parser.parse_args()

    programs = humaneval_programs()
    sandbox = make_sandbox(args.backend, args.concurrency)
    # Warm-up, untimed: starts one supervisor per worker thread, fills the page cache.
    timed(lambda: sandbox_runs(sandbox, programs[: args.concurrency]), args.concurrency, "warm-up")
    timed(
        lambda: bare_runs(sandbox.python, programs[: args.concurrency], args.concurrency), args.concurrency, "warm-up"
    )

    paths: dict[str, Callable[[], Coroutine[Any, Any, int]]] = {
        f"sandbox ({sandbox.backend})": lambda: sandbox_runs(sandbox, programs),
        "bare subprocess": lambda: bare_runs(sandbox.python, programs, args.concurrency),
    }
    rates: dict[str, list[float]] = {label: [] for label in paths}
    labels = list(paths)
    for round_index in range(args.rounds):
        order = labels[round_index % 2 :] + labels[: round_index % 2]
        for label in order:
            rates[label].append(timed(paths[label], len(programs), label))
    sandbox.close()

    print(
        f"{len(programs)} HumanEval reference programs, concurrency {args.concurrency}, "
        f"{args.rounds} rounds, interpreter {sandbox.python}"
    )
    for label, values in rates.items():
        shown = ", ".join(f"{v:.1f}" for v in values)
        print(f"{label:22s} {statistics.median(values):6.1f} runs/s (median of {shown})")
    sandboxed, bare = (statistics.median(rates[label]) for label in labels)
    print(f"sandbox/bare: {sandboxed / bare:.2f}")


if __name__ == "__main__":
    main()
