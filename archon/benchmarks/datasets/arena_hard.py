"""Arena-Hard v2.0: 750 hard prompts (coding, math, creative writing), judged pairwise.

Each answer is compared with the baseline answer shipped with the data, as in
Arena-Hard-Auto v2: o3-mini for hard prompts, gemini-2.0-flash for creative writing
(judged with the creative-writing variant of the judge prompt).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archon.benchmarks.benchmark import Benchmark, broken_item
from archon.benchmarks.datasets._files import EVAL_FRAMEWORK, data_file, read_jsonl
from archon.benchmarks.datasets._judged import judged_benchmark
from archon.benchmarks.types import Item

NAME = "arena-hard"
DATA = "tasks/arena_hard/data/arena-hard-v2.0"
BASELINES = {"creative_writing": "gemini-2.0-flash-001"}
DEFAULT_BASELINE = "o3-mini-2025-01-31"


def _answers(root: Path, model: str) -> dict[str, str]:
    answers: dict[str, str] = {}
    for record in read_jsonl(root / "model_answer" / f"{model}.jsonl"):
        content = (record.get("messages") or [{}])[-1].get("content")
        text = content.get("answer") if isinstance(content, dict) else content
        if record.get("uid") and isinstance(text, str) and text:
            answers[record["uid"]] = text
    return answers


def load() -> list[Item]:
    root = data_file("eval_framework", DATA, NAME, EVAL_FRAMEWORK)
    baselines = {m: _answers(root, m) for m in {DEFAULT_BASELINE, *BASELINES.values()}}
    items: list[Item] = []
    for index, record in enumerate(read_jsonl(root / "question.jsonl")):
        uid, prompt, category = record.get("uid"), record.get("prompt"), record.get("category")
        item_id = str(uid or f"#{index}")
        if not uid or not prompt:
            items.append(broken_item(item_id, "record lacks a uid or a prompt"))
            continue
        baseline = BASELINES.get(str(category), DEFAULT_BASELINE)
        meta: dict[str, Any] = {
            "category": category,
            "subcategory": record.get("subcategory"),
            "baseline": baseline,
            "judge_format": "arena-hard-creative" if category == "creative_writing" else "arena-hard",
        }
        # A missing baseline answer leaves reference None: the judge marks it unscorable.
        items.append(Item(id=item_id, prompt=prompt, reference=baselines[baseline].get(uid), meta=meta))
    return items


def benchmark(judge_model: str | None = None) -> Benchmark:
    return judged_benchmark(NAME, load, DATA, judge_model)
