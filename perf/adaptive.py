"""Adaptive self-consistency against a fixed-N vote: samples per query at the same accuracy.

    .venv/bin/python perf/adaptive.py [--items 400] [--model m1]

The simulated model zoo of ``perf/search_efficiency.py``, used as it is (its ``ZOO``, its
answers and its client): a model is right on a question with a probability set by its skill
and the question's difficulty, and wrong answers spread over four wrong numbers, so a vote
helps more on some questions than on others. Both systems run through archon's runtime on the
same memoized client, so an adaptive vote's sample ``i`` is the fixed vote's sample ``i``:
every number below comes from one pool of samples.

Protocol:
- The questions are split in two halves by parity: the first chooses, the second measures.
- On the first half: the fixed-N reference is the smallest N whose accuracy is within 1 point
  of N=16's; then, for adaptive_vote with ``max_samples`` = that N, the stopping rule
  (``majority`` or ``final_vote``) and confidence threshold (from a grid) that spend the fewest
  samples while staying within 1 point of that N's accuracy.
- On the second half: both systems with those settings: accuracy and mean samples per query.
- The last line is mean samples adaptive / fixed-N (goal <= 0.5), and whether the accuracy
  stayed within 1 point of fixed-N's there.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("ARCHON_OFFLINE", "1")

from archon.benchmarks.scorers.base import FunctionScorer
from archon.benchmarks.types import Item
from archon.runtime.system import System
from archon.search.trial.evaluation import evaluate_dev

_spec = importlib.util.spec_from_file_location("search_efficiency", Path(__file__).with_name("search_efficiency.py"))
assert _spec is not None and _spec.loader is not None
zoo = importlib.util.module_from_spec(_spec)
sys.modules["search_efficiency"] = zoo
_spec.loader.exec_module(zoo)

CONFIDENCES = (0.6, 0.7, 0.75, 0.8, 0.85, 0.875, 0.9, 0.925, 0.95, 0.975, 0.99)
RULES = ("majority", "final_vote")
POINT = 0.01 + 1e-9  # "within 1 point", robust to float rounding (0.92 - 0.01 > 0.91 in floats)


def fixed(model: str, n: int) -> dict[str, Any]:
    return {"name": f"fixed-{n}", "models": {"m": f"fake/zoo-{model}"},
            "nodes": [{"id": "gen", "type": "generate", "models": ["m"], "samples": n}, {"id": "vote", "type": "vote"}]}


def adaptive(model: str, n: int, rule: str, confidence: float) -> dict[str, Any]:
    return {"name": f"adaptive-{n}-{rule}-{confidence}", "models": {"m": f"fake/zoo-{model}"},
            "nodes": [{"id": "vote", "type": "adaptive_vote", "models": ["m"], "max_samples": n,
                       "min_samples": min(2, n), "confidence": confidence, "rule": rule}]}


def measure(system: dict[str, Any], items: list[Item], client: Any) -> tuple[float, float]:
    """(accuracy, mean samples per query) of a system on the items."""
    scorer = FunctionScorer(zoo.score_fn, name="zoo")
    loaded = System.load(system, client=client)
    dev = asyncio.run(evaluate_dev(loaded, items, scorer, batch_size=len(items), concurrency=64))
    return dev.score, dev.per_query("requests")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--model", default="m1", choices=sorted(zoo.ZOO))
    args = parser.parse_args()
    client = zoo.ZooClient()
    items = zoo.make_items(args.items)
    choose, check = items[0::2], items[1::2]

    accuracy = {n: measure(fixed(args.model, n), choose, client)[0] for n in range(1, 17)}
    print("fixed-N accuracy on the first half:", ", ".join(f"{n}: {a:.3f}" for n, a in accuracy.items()))
    reference = min(n for n, a in accuracy.items() if a >= accuracy[16] - POINT)
    print(f"fixed-N reference: N = {reference} (within 1 point of N = 16's {accuracy[16]:.3f})")

    best: tuple[float, str, float] | None = None  # (samples, rule, confidence)
    for rule in RULES:
        for confidence in CONFIDENCES:
            score, samples = measure(adaptive(args.model, reference, rule, confidence), choose, client)
            print(f"  adaptive, {rule} rule, confidence {confidence}: accuracy {score:.3f}, "
                  f"{samples:.2f} samples/query")
            if score >= accuracy[reference] - POINT and (best is None or samples < best[0]):
                best = (samples, rule, confidence)
    if best is None:
        print("no confidence threshold keeps the accuracy within 1 point on the first half")
        print("ratio adaptive/fixed-N samples per query (goal <= 0.5): nan")
        return
    _, rule, confidence = best
    print(f"chosen on the first half: {rule} rule, confidence {confidence}")

    fixed_score, fixed_samples = measure(fixed(args.model, reference), check, client)
    adaptive_score, adaptive_samples = measure(adaptive(args.model, reference, rule, confidence), check, client)
    within = adaptive_score >= fixed_score - POINT
    print(f"second half ({len(check)} questions): fixed-{reference} accuracy {fixed_score:.3f} at "
          f"{fixed_samples:.2f} samples/query; adaptive accuracy {adaptive_score:.3f} at {adaptive_samples:.2f} "
          f"samples/query ({'within' if within else 'NOT within'} 1 point)")
    print(f"ratio adaptive/fixed-N samples per query (goal <= 0.5): {adaptive_samples / fixed_samples:.3f}")


if __name__ == "__main__":
    main()
