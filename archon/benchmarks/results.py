"""Per-item results and the ``results.jsonl`` file an eval appends them to.

One JSON line per finished item, written the moment it finishes, so an eval that
is killed loses at most the items in flight. Every line carries the run's
fingerprint (system + benchmark): resuming reuses only lines of the same
fingerprint, and a directory holding another system's results is refused rather
than mixed in.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archon.errors import ConfigError

RESULTS_FILE = "results.jsonl"


SYSTEM_FAILURE = "system"  # the system raised or produced nothing: scores 0, counted in the mean
SCORING_FAILURE = "scoring"  # the answer could not be graded (judge off-format...): left out of the mean
RECORD_FAILURE = "record"  # the dataset record is unusable: never run, left out of the mean


@dataclass
class ItemResult:
    """What happened on one item.

    ``failure`` says which kind of failure, if any. A system that produced nothing
    scores 0 (the failure is its own); an item that could not be scored has
    ``score`` None and is left out of the mean, so that a flaky judge or a bad record
    does not count against the system. ``reason`` explains a score below 1 or the
    failure; ``error`` is the system's error message.
    """

    id: str
    fingerprint: str
    answer: str | None
    score: float | None
    reason: str | None = None
    failure: str | None = None
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)  # UsageStats.to_dict() of the system's calls
    scoring_usage: dict[str, Any] = field(default_factory=dict)  # the judge's calls, if any
    latency_s: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.failure is not None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemResult:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


class ResultsFile:
    def __init__(self, out_dir: Path, fingerprint: str) -> None:
        self.path = out_dir / RESULTS_FILE
        self.fingerprint = fingerprint

    def read(self) -> dict[str, ItemResult]:
        """This run's earlier results by item id (the last line of an id wins).

        A half-written last line (the eval was killed mid-write) is skipped.
        """
        if not self.path.exists():
            return {}
        results: dict[str, ItemResult] = {}
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    result = ItemResult.from_dict(data)
                except (json.JSONDecodeError, TypeError):
                    continue
                if result.fingerprint != self.fingerprint:
                    raise ConfigError(
                        str(self.path),
                        f"line {number}",
                        f"holds results of a different system or benchmark (fingerprint "
                        f"{result.fingerprint}, this run {self.fingerprint}); use another --out "
                        "directory, or run without resuming to start over",
                        line=number,
                    )
                results[result.id] = result
        return results

    def start_over(self) -> None:
        """Set earlier results aside (kept as results.jsonl.prev) instead of deleting them."""
        if self.path.exists():
            os.replace(self.path, self.path.with_name(RESULTS_FILE + ".prev"))

    def open_for_append(self) -> Any:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        needs_newline = self.path.exists() and self.path.stat().st_size > 0 and not _ends_with_newline(self.path)
        handle = self.path.open("a", encoding="utf-8")
        if needs_newline:
            # The previous run was killed mid-line: end that line so ours stays parseable.
            handle.write("\n")
        return handle


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
