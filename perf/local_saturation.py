"""How well archon's eval scheduling keeps the local engine busy, against xllamacpp alone.

The workload: ITEMS HumanEval dev prompts x SAMPLES samples, every answer exactly TOKENS
tokens long (``ignore_eos``), no response cache. Both sides get the identical requests (same
messages, temperature, seeds):

- archon: a generation-only architecture (one generate node, SAMPLES samples) scored over the
  items by the search's own dev evaluation (``evaluate_dev``: items in flight across batch
  boundaries, the engine's default slots, samples of one prompt grouped into one request);
- xllamacpp alone: an in-process llama.cpp server per slot count in 1/2/4/8/16, fed the same
  requests one by one from as many threads as slots; its best slot count is the reference.

First the slot sweep (printed: the measurement the engine's default slot count comes from),
then ROUNDS alternating rounds of archon and xllamacpp at its best slot count. Printed last:
median archon tok/s / median xllamacpp tok/s. Goal >= 0.85. Needs qwen2.5-coder-0.5b pulled;
give it the machine to itself.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

MODEL = "qwen2.5-coder-0.5b"
ITEMS, SAMPLES, TOKENS = 8, 8, 64
SLOT_COUNTS = (1, 2, 4, 8, 16)
ROUNDS = 3
TEMPERATURE = 0.8


def workload(items: int = ITEMS) -> list[str]:
    from archon.benchmarks.registry import get_benchmark

    return [item.prompt for item in get_benchmark("humaneval").items("dev", limit=items)]


def requests(prompts: list[str]) -> list[dict[str, Any]]:
    """What archon sends for each sample (seed = sample index, as its client sets it)."""
    return [{"messages": [{"role": "user", "content": p}], "temperature": TEMPERATURE, "max_tokens": TOKENS,
             "ignore_eos": True, "seed": s} for p in prompts for s in range(SAMPLES)]


def xllamacpp_alone(slots: int, batch: list[dict[str, Any]], model: str = MODEL, tokens: int = TOKENS) -> float:
    """Completion tokens per second of a bare llama.cpp server fed the requests from ``slots`` threads."""
    import xllamacpp

    from archon.local.catalog import get_model_info, model_path

    info = get_model_info(model)
    params = xllamacpp.CommonParams()
    params.model.path = str(model_path(info))
    params.n_parallel = slots
    params.n_ctx = slots * info.context_size
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = os.cpu_count() or 1
    params.api_keys = [secrets.token_urlsafe(16)]
    params.ui = False
    params.endpoint_slots = False
    params.n_threads_http = 1
    params.verbosity = 0  # as quiet as archon's engine (ARCHON_LOCAL_LOG=0)
    server = xllamacpp.Server(params)

    def one(request: dict[str, Any]) -> int:
        tokens = [0]

        def on_chunk(chunk: dict[str, Any]) -> bool:
            if chunk.get("usage"):
                tokens[0] = int(chunk["usage"]["completion_tokens"])
            return False

        server.handle_chat_completions({**request, "stream": True, "stream_options": {"include_usage": True}},
                                       on_chunk)
        return tokens[0]

    one({**batch[0], "max_tokens": 4})  # loaded and warm
    started = time.perf_counter()
    with ThreadPoolExecutor(slots) as pool:
        produced = sum(pool.map(one, batch))
    elapsed = time.perf_counter() - started
    assert produced == len(batch) * tokens, produced
    return produced / elapsed


def timed_eval(system_dict: dict[str, Any], prompts: list[str], answers_per_item: int, tokens: int) -> float:
    """Completion tokens per second of archon's dev evaluation of a system (no cache, no scoring);
    every answer is exactly ``tokens`` long (``ignore_eos``)."""
    import archon
    from archon.benchmarks.types import Item, Score
    from archon.models.client import ModelClient
    from archon.search.trial.evaluation import evaluate_dev

    class Unscored:
        name = "none"

        async def score(self, item: Item, answer: str) -> Score:
            return Score(0.0)

    system = archon.load(system_dict, client=ModelClient(None, max_concurrency=64, per_model_concurrency=64))
    items = [Item(f"i{i}", p) for i, p in enumerate(prompts)]
    started = time.perf_counter()
    result = asyncio.run(evaluate_dev(system, items, Unscored(), batch_size=4, concurrency=8))
    elapsed = time.perf_counter() - started
    assert all(o.error is None for o in result.outcomes), [o.error for o in result.outcomes if o.error]
    return len(items) * answers_per_item * tokens / elapsed


def archon_eval(prompts: list[str]) -> float:
    """Completion tokens per second of archon's dev evaluation of a generation-only architecture."""
    return timed_eval({
        "name": "saturation",
        "models": {"m": {"model": f"local/{MODEL}", "max_tokens": TOKENS, "extra": {"ignore_eos": True}}},
        "nodes": [{"id": "g", "type": "generate", "models": ["m"], "samples": SAMPLES, "temperature": TEMPERATURE}],
    }, prompts, SAMPLES, TOKENS)


def main() -> None:
    from archon.local.engine import get_engine

    prompts = workload()
    batch = requests(prompts)
    engine = get_engine(MODEL)
    engine.load()
    print(f"{ITEMS} HumanEval dev prompts x {SAMPLES} samples x {TOKENS} tokens (ignore_eos), {os.cpu_count()} cores")
    sweep = {}
    for slots in SLOT_COUNTS:
        sweep[slots] = xllamacpp_alone(slots, batch)
        print(f"  xllamacpp alone, {slots:2d} slots: {sweep[slots]:6.1f} tok/s", flush=True)
    best = max(sweep, key=lambda s: sweep[s])
    print(f"best slot count for xllamacpp alone: {best}; archon's engine runs {engine.config.slots} slots")
    ours, theirs = [], []
    archon_eval(prompts[:1])  # archon's engine warm
    for i in range(ROUNDS):
        ours.append(archon_eval(prompts))
        theirs.append(xllamacpp_alone(best, batch))
        print(f"  round {i + 1}: archon {ours[-1]:6.1f} tok/s, xllamacpp alone ({best} slots) {theirs[-1]:6.1f} tok/s",
              flush=True)
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"archon eval / xllamacpp alone at its best slot count (median of {ROUNDS} alternating rounds):")
    print(f"{ratio:.3f}")


if __name__ == "__main__":
    main()
