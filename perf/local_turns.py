"""Two local models in one architecture: how well their turns keep the CPU busy.

Two engines never decode at once (each uses every core; see ``archon.local.decode_gate``), so the best two
busy models can do is to take the CPU in turn, each with its slots full. The workload is the
showcase's shape on two smaller models: per HumanEval dev prompt, a greedy answer and SAMPLES
samples from each model, every answer exactly TOKENS tokens long (``ignore_eos``), no cache.

Measured side by side, alternating, ROUNDS times:
- archon with its turns (``ARCHON_LOCAL_TURN_S``, default 20 s): the search's dev evaluation of
  that architecture over the prompts;
- archon with turns of 0 s: a waiting model ends the other's turn at once (the calls waiting when
  a turn begins still enter together);
- one model after the other: the same requests to xllamacpp alone, one model's after the other's,
  each fed from as many threads as archon's engine has slots. Each sample goes as a request of its
  own, so its prompt is evaluated per sample (archon sends a prompt's samples as one request): this
  is a floor to beat, not an upper bound (first run, 4 prompts, 1 round: archon 33.3 tok/s with
  turns of 20 s, 40.5 with turns of 0 s, this reference 23.0).

Printed last: archon's tokens/s with its turns / that reference's (median of the rounds).
Needs both models pulled; give it the machine to itself.

    .venv/bin/python perf/local_turns.py [--models qwen2.5-coder-0.5b,smollm2-135m]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import statistics
from pathlib import Path
from typing import Any

_spec = importlib.util.spec_from_file_location("local_saturation", Path(__file__).with_name("local_saturation.py"))
assert _spec is not None and _spec.loader is not None
saturation = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(saturation)

ITEMS, SAMPLES, TOKENS, ROUNDS = 8, 4, 48, 2
TEMPERATURE = 0.8


def requests(prompts: list[str]) -> list[dict[str, Any]]:
    """One model's requests: a greedy answer and SAMPLES samples per prompt (seed = sample index)."""
    base = {"max_tokens": TOKENS, "ignore_eos": True}
    return [{"messages": [{"role": "user", "content": p}], **base, **sampled}
            for p in prompts
            for sampled in ({"temperature": 0.0}, *({"temperature": TEMPERATURE, "seed": s} for s in range(SAMPLES)))]


def archon_eval(models: list[str], prompts: list[str], turn_s: float) -> float:
    """Completion tokens per second of archon's dev evaluation of greedy + samples of both models."""
    from archon.local.engine import get_engine

    for name in models:
        engine = get_engine(name)
        engine.config = dataclasses.replace(engine.config, turn_s=turn_s)
    aliases = {f"m{i}": name for i, name in enumerate(models)}
    nodes: list[dict[str, Any]] = []
    for alias in aliases:
        nodes.append({"id": f"{alias}_greedy", "type": "generate", "models": [alias], "temperature": 0.0})
        nodes.append({"id": f"{alias}_samples", "type": "generate", "models": [alias], "samples": SAMPLES,
                      "temperature": TEMPERATURE})
    nodes.append({"id": "pick", "type": "vote", "inputs": [n["id"] for n in nodes], "extractor": "exact"})
    return float(saturation.timed_eval({
        "name": "turns",
        "models": {alias: {"model": f"local/{name}", "max_tokens": TOKENS, "extra": {"ignore_eos": True}}
                   for alias, name in aliases.items()},
        "nodes": nodes,
    }, prompts, len(models) * (1 + SAMPLES), TOKENS))


def one_after_the_other(models: list[str], prompts: list[str], slots: int) -> float:
    """Tokens per second of xllamacpp alone, one model's requests after the other's."""
    seconds = 0.0
    produced = 0
    for name in models:
        batch = requests(prompts)
        rate = saturation.xllamacpp_alone(slots, batch, model=name, tokens=TOKENS)
        produced += len(batch) * TOKENS
        seconds += len(batch) * TOKENS / rate
    return produced / seconds


def main() -> None:
    from archon.local.engine import get_engine

    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="qwen2.5-coder-0.5b,smollm2-135m")
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    models = args.models.split(",")
    prompts = saturation.workload(args.items)
    engines = [get_engine(name) for name in models]
    for engine in engines:
        engine.load()
    default_turn = engines[0].config.turn_s
    slots = engines[0].config.slots
    print(f"{len(prompts)} HumanEval dev prompts x (1 greedy + {SAMPLES} samples) x {TOKENS} tokens (ignore_eos) "
          f"from each of {', '.join(models)}; {os.cpu_count()} cores, {slots} slots")
    archon_eval(models, prompts[:1], default_turn)  # both engines warm
    turns: list[float] = []
    instant: list[float] = []
    best: list[float] = []
    for i in range(args.rounds):
        turns.append(archon_eval(models, prompts, default_turn))
        instant.append(archon_eval(models, prompts, 0.0))
        best.append(one_after_the_other(models, prompts, slots))
        print(f"  round {i + 1}: archon, turns of {default_turn:g} s {turns[-1]:6.1f} tok/s; turns of 0 s "
              f"{instant[-1]:6.1f} tok/s; one model after the other, xllamacpp alone {best[-1]:6.1f} tok/s", flush=True)
    print(f"turns of 0 s / one model after the other: {statistics.median(instant) / statistics.median(best):.3f}")
    print(f"archon with turns of {default_turn:g} s / one model after the other (median of {args.rounds} rounds):")
    print(f"{statistics.median(turns) / statistics.median(best):.3f}")


if __name__ == "__main__":
    main()
