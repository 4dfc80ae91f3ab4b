"""Sandbox runs remembered on disk, so a rerun or a replay of a search executes nothing again.

``CachedSandbox`` answers a run from its ``ExecutionStore`` when the same program ran
before under the same limits, and otherwise runs it in the real sandbox and stores the
result. A recorded experiment must replay exactly, and whether a program passes can
depend on the machine (a test that takes 9 s on a loaded core times out at 8 s), so the
stored result, not a new run, is what a replay sees; with ``strict`` a miss raises
``ReplayMiss`` instead of running anything.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from archon.errors import ReplayMiss
from archon.sandbox.limits import Limits
from archon.sandbox.result import ExecutionResult
from archon.sandbox.runner import ProgramRunner, Sandbox

SCHEMA = "CREATE TABLE IF NOT EXISTS executions (key TEXT PRIMARY KEY, result TEXT NOT NULL)"
# Enough of stdout/stderr to explain a failure in a trace; the rest is not worth the disk.
KEPT_CHARS = 1000


def execution_key(code: str, limits: Limits, *, completion: bool = False) -> str:
    """sha256 of the program and its limits (not the backend: a replay may run elsewhere), and
    whether the run checks that the program ran to its end (only then in the key, so the keys
    of runs that do not are those they always were)."""
    request: dict[str, object] = {"code": code, "limits": asdict(limits)}
    if completion:
        request["completion"] = True
    blob = json.dumps(request, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class ExecutionStore:
    """key -> ExecutionResult, in SQLite (WAL, so several workers can share one file)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=60, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA busy_timeout=60000")
        self._conn.execute(SCHEMA)

    def get(self, key: str) -> ExecutionResult | None:
        with self._lock:
            row = self._conn.execute("SELECT result FROM executions WHERE key = ?", (key,)).fetchone()
        return None if row is None else ExecutionResult(**json.loads(row[0]))

    def put(self, key: str, result: ExecutionResult) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO executions VALUES (?, ?)", (key, _stored(result)))

    def keep(self, key: str, result: ExecutionResult) -> ExecutionResult:
        """Store ``result`` unless ``key`` has one already (another worker ran the same program at
        the same time), and return the stored one: every caller then sees the result a replay sees."""
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO executions VALUES (?, ?)", (key, _stored(result)))
            (stored,) = self._conn.execute("SELECT result FROM executions WHERE key = ?", (key,)).fetchone()
        return ExecutionResult(**json.loads(stored))

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            rows = self._conn.execute("SELECT key, result FROM executions ORDER BY key").fetchall()
        return [(key, json.loads(result)) for key, result in rows]

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._conn.execute("SELECT COUNT(*) FROM executions").fetchone()
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _stored(result: ExecutionResult) -> str:
    stored = {**asdict(result), "stdout": result.stdout[-KEPT_CHARS:], "stderr": result.stderr[-KEPT_CHARS:]}
    if result.completed is None:  # a run that did not ask: stored as it was before the field existed
        del stored["completed"]
    return json.dumps(stored)


class CachedSandbox(ProgramRunner):
    """A sandbox whose runs are remembered in ``store`` (see the module docstring).

    ``inner`` is built on the first real run (``get_sandbox()`` by default), so a replay
    that finds everything in the store never starts a sandbox at all.
    """

    def __init__(self, store: ExecutionStore, inner: Sandbox | None = None, *, strict: bool = False) -> None:
        self.store = store
        self.strict = strict
        self._inner = inner
        self.counters = {"runs": 0, "hits": 0}
        #: The key of every run asked for (a recording keeps just these when it is re-scored).
        self.used: set[str] = set()
        self._inflight: dict[tuple[int, str], asyncio.Task[ExecutionResult]] = {}

    @property
    def inner(self) -> Sandbox:
        if self._inner is None:
            from archon.sandbox.default import get_sandbox

            self._inner = get_sandbox()
        return self._inner

    async def run(self, code: str, limits: Limits, *, completion: bool = False) -> ExecutionResult:
        key = execution_key(code, limits, completion=completion)
        self.used.add(key)
        if (hit := self.store.get(key)) is not None:
            self.counters["hits"] += 1
            return hit
        if self.strict:
            first_line = next((line for line in code.splitlines() if line.strip()), "")
            raise ReplayMiss("sandbox execution", f"program {key[:12]} starting {first_line[:60]!r}")
        # The same program asked for again while it runs (two samples wrote the same code) waits
        # for that run: a second run could come out otherwise (a test near its time limit on a
        # loaded machine) and leave the store disagreeing with what the first caller saw. The run
        # is a task of its own, so a caller that gives up does not take it from the others.
        inflight = (id(asyncio.get_running_loop()), key)
        task = self._inflight.get(inflight)
        if task is None:
            task = self._inflight[inflight] = asyncio.ensure_future(
                self._run_and_keep(key, code, limits, completion)
            )
            task.add_done_callback(lambda _: self._inflight.pop(inflight, None))
        else:
            self.counters["hits"] += 1
        return await asyncio.shield(task)

    async def _run_and_keep(self, key: str, code: str, limits: Limits, completion: bool) -> ExecutionResult:
        result = self.store.keep(key, await self.inner.run(code, limits, completion=completion))
        self.counters["runs"] += 1
        return result
