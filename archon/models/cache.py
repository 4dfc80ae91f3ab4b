"""A response cache on disk (SQLite), keyed on the full request.

Shared by every system and every trial of a search that points at the same file,
so architectures that share calls do not pay twice and a rerun costs nothing.
WAL mode lets several worker processes on one machine read and write it at once.

Writes are batched: a new response is served from memory at once and written with
others in one transaction (a commit per response would cost as much as a fast model
call). A batch is written when it holds ``max_unsaved_s`` of provider time or has
waited that long, when it reaches ``max_unsaved`` responses, on ``flush()``/``close()``
and at interpreter exit; so a hard crash loses at most about a second of calls,
which a rerun makes again.

A call that failed for good (after its retries) is remembered too, in its own table: a
replay must fail where the recorded run failed (a prompt too long for the model's context
scored that item 0 live), while a live run never takes a recorded failure as its answer
(a timeout under load may pass next time), so only ``failure()`` reads it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import sqlite3
import threading
import time
import weakref
from pathlib import Path

from archon.errors import ModelCallError
from archon.models.types import Completion

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    latency_s REAL NOT NULL,
    created REAL NOT NULL,
    finish_reason TEXT,
    logprobs TEXT
)
"""
FAILURES = """
CREATE TABLE IF NOT EXISTS failures (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    reason TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created REAL NOT NULL
)
"""
# Columns added after the first release: caches made before them gain the column (NULL there).
ADDED_COLUMNS = {"finish_reason": "TEXT", "logprobs": "TEXT"}

_Row = tuple[str, str, str, int, int, float, float, float, str | None, str | None]
# Columns named: in a cache made before some of them, ALTER TABLE put them last in its own order.
_INSERT = ("INSERT OR REPLACE INTO responses (key, model, text, prompt_tokens, completion_tokens, cost_usd, latency_s, "
           "created, finish_reason, logprobs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_SELECT = ("SELECT model, text, prompt_tokens, completion_tokens, cost_usd, latency_s, finish_reason, logprobs "
           "FROM responses")


class ResponseCache:
    def __init__(self, path: str | Path, *, max_unsaved_s: float = 1.0, max_unsaved: int = 256) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_unsaved_s = max_unsaved_s
        self.max_unsaved = max_unsaved
        # One connection shared by the event loop thread; a lock covers other threads.
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, _Row] = {}
        self._pending_since = 0.0  # when the oldest unsaved response arrived
        self._pending_latency = 0.0  # provider time the unsaved responses cost
        with self._lock:
            self._connection()

    def get(self, key: str) -> Completion | None:
        with self._lock:
            row = self._pending.get(key)
            if row is not None:
                return Completion(row[2], row[1], row[3], row[4], row[5], row[6], cached=True, finish_reason=row[8],
                                  logprobs=_logprobs(row[9]))
            found = self._connection().execute(f"{_SELECT} WHERE key = ?", (key,)).fetchone()
        if found is None:
            return None
        model, text, prompt_tokens, completion_tokens, cost, latency, finish, logprobs = found
        return Completion(text, model, prompt_tokens, completion_tokens, cost, latency, cached=True,
                          finish_reason=finish, logprobs=_logprobs(logprobs))

    def put(self, key: str, completion: Completion) -> None:
        now = time.time()
        row: _Row = (
            key,
            completion.model,
            completion.text,
            completion.prompt_tokens,
            completion.completion_tokens,
            completion.cost_usd,
            completion.latency_s,
            now,
            completion.finish_reason,
            None if completion.logprobs is None else json.dumps(list(completion.logprobs)),
        )
        with self._lock:
            self._connection()
            if not self._pending:
                self._pending_since = now
            self._pending[key] = row
            self._pending_latency += completion.latency_s
            due = (
                len(self._pending) >= self.max_unsaved
                or self._pending_latency >= self.max_unsaved_s
                or now - self._pending_since >= self.max_unsaved_s
            )
            if due:
                self._write_pending()

    def put_failure(self, key: str, error: ModelCallError) -> None:
        """Remember that the call ``key`` failed for good (written at once: failures are rare)."""
        with self._lock:
            self._connection().execute("INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?)",
                                       (key, error.model, error.reason, error.attempts, time.time()))

    def failure(self, key: str) -> ModelCallError | None:
        """How the call ``key`` failed for good, if it did (its response, if one came later, is looked up first)."""
        with self._lock:
            found = self._connection().execute("SELECT model, reason, attempts FROM failures WHERE key = ?",
                                               (key,)).fetchone()
        return None if found is None else ModelCallError(found[0], found[1], attempts=found[2])

    def failures(self) -> list[tuple[str, ModelCallError]]:
        """Every remembered failure whose call has no response, by key."""
        self.flush()
        with self._lock:
            rows = self._connection().execute(
                "SELECT key, model, reason, attempts FROM failures WHERE key NOT IN (SELECT key FROM responses) "
                "ORDER BY key").fetchall()
        return [(key, ModelCallError(model, reason, attempts=attempts)) for key, model, reason, attempts in rows]

    def flush(self) -> None:
        """Write every response still held in memory."""
        with self._lock:
            if self._pending:
                self._write_pending()

    def __len__(self) -> int:
        with self._lock:
            self._write_pending()
            (count,) = self._connection().execute("SELECT COUNT(*) FROM responses").fetchone()
        return int(count)

    def close(self) -> None:
        """Write what is unsaved and release the file. The cache may be shared (one object
        per file in a process), so a later use by another system simply reopens it."""
        with self._lock:
            if self._conn is None:
                return
            self._write_pending()
            self._conn.close()
            self._conn = None
        _open_caches.discard(self)

    def __del__(self) -> None:
        # At interpreter shutdown sqlite3 may be half torn down already.
        with contextlib.suppress(Exception):
            self.close()

    def _connection(self) -> sqlite3.Connection:
        """The open connection, (re)opened on first use (the caller holds the lock)."""
        if self._conn is None:
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            conn.execute(SCHEMA)
            conn.execute(FAILURES)
            present = {row[1] for row in conn.execute("PRAGMA table_info(responses)")}
            for column, kind in ADDED_COLUMNS.items():
                if column not in present:
                    conn.execute(f"ALTER TABLE responses ADD COLUMN {column} {kind}")
            self._conn = conn
            _open_caches.add(self)
        return self._conn

    def _write_pending(self) -> None:
        """Write the batch in one transaction (the caller holds the lock)."""
        if not self._pending:
            return
        conn = self._connection()
        rows = list(self._pending.values())
        conn.execute("BEGIN")
        try:
            conn.executemany(_INSERT, rows)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self._pending.clear()
        self._pending_latency = 0.0


def _logprobs(stored: str | None) -> tuple[float, ...] | None:
    return None if stored is None else tuple(json.loads(stored))


# Unsaved responses are written when the interpreter exits normally (or after an exception).
_open_caches: weakref.WeakSet[ResponseCache] = weakref.WeakSet()


def flush_open(path: str | Path) -> None:
    """Write what every cache of this process on ``path`` still holds in memory: whoever reads
    the file directly (an export) then sees every response made so far."""
    target = Path(path).resolve()
    for cache in list(_open_caches):
        if cache.path.resolve() == target:
            cache.flush()


@atexit.register
def _flush_all() -> None:
    for cache in list(_open_caches):
        with contextlib.suppress(Exception):  # a cache whose file is gone must not break exit
            cache.flush()
