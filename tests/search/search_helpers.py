"""Shared by the search tests: a small custom benchmark the fake provider can score,
and search definitions written from a base plus overrides."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The fake provider's default answer is "The answer is N", N in 42..44 by a hash of
# (model, prompt, seed): each model gets about a third right, differently per model.
BENCHMARK = """\
name: magic
data: magic.jsonl
fields: {id: id, input: question, answer: answer}
scorer: numeric
dev_fraction: 0.5
"""

BASE_SEARCH: dict[str, Any] = {
    "name": "fake-search",
    "benchmark": {"name": "magic.yaml", "dev_limit": 8, "test_limit": 8},
    "models": {"a": "fake/alpha", "b": "fake/beta", "c": "fake/gamma"},
    "space": {
        "generators": {"count": [1, 3], "samples": [1, 3]},
        "fusion": {"layers": [0, 1], "width": [2, 2]},
        "final_stage": ["none", "vote", "verify"],
    },
    "budget": {"max_calls": 12},
    "search": {"n_trials": 6, "batch_size": 4, "concurrency": 4, "startup_trials": 4},
}


def write_benchmark(directory: Path, n_items: int = 40) -> Path:
    records = [{"id": f"q{i}", "question": f"Question {i}: which magic number is meant?", "answer": str(42 + i % 3)}
               for i in range(n_items)]
    (directory / "magic.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    path = directory / "magic.yaml"
    path.write_text(BENCHMARK)
    return path


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "models":
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


SearchFactory = Callable[..., Path]

# The models of register_zoo(), as a search's `models:`.
ZOO_MODELS = {"r": "fake/right", "w": "fake/wrong"}


def magic_answer(prompt: str) -> int | None:
    """The gold answer of the magic question quoted in a prompt (42 + i % 3)."""
    import re

    found = re.search(r"Question (\d+):", prompt)
    return 42 + int(found.group(1)) % 3 if found else None


def register_zoo() -> list[str]:
    """fake/right answers every magic question correctly, fake/wrong never; both act as
    fusers too (answering from the query), and fall back to the default responder for
    the formats of critique, rank, verify and unit tests."""
    from archon.testing import register_fake_model
    from archon.testing.fake import FakeCall, default_responder

    def make(offset: int) -> Callable[[FakeCall], str]:
        def respond(call: FakeCall) -> str:
            lowered = call.prompt.lower()
            judging = any(k in lowered for k in ("rank the", "strengths", "[correct]", "[passed]", "unit tests"))
            gold = magic_answer(call.prompt)
            if judging or gold is None:
                return default_responder(call)
            return f"The answer is {42 + (gold - 42 + offset) % 3}."

        return respond

    register_fake_model("right", make(0))
    register_fake_model("wrong", make(1))
    return ["right", "wrong"]


def fork_cli(argv: list[str], log: Path) -> Any:
    """Run ``archon ARGV`` in a forked child process (output to ``log``); returns the Process.

    Forking from the test process, which has already imported litellm, spares every
    worker the seconds that import takes; each child is still its own process with its
    own storage connections, client and cache, exactly as a worker started by hand."""
    import multiprocessing

    def child() -> None:
        import os
        import sys

        handle = open(log, "w", buffering=1)  # noqa: SIM115  (the child exits with it open)
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        sys.stdout, sys.stderr = handle, handle
        from archon.cli.main import main

        code = main(argv)
        handle.flush()
        os._exit(code)

    process = multiprocessing.get_context("fork").Process(target=child, daemon=False)
    process.start()
    return process
