"""Math answer equivalence with math-verify, safe against hangs.

math-verify simplifies with sympy, which on some inputs runs for minutes (or for
ever, inside C big-integer code). Its own timeout uses ``signal.alarm``, which works
only in a main thread, and an async eval loop is no place to block for seconds. So
checks run in a few long-lived worker processes: there math-verify runs in the
worker's main thread with its signal timeouts on, and if a worker still does not
answer within a hard deadline it is killed and replaced. A check that timed out is
reported as such (the item is unscorable), never as a wrong answer.

Workers are started with "spawn" (forking a process that runs an event loop and
threads is unsafe) and lazily, on the first check.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import threading
from multiprocessing.connection import Connection
from typing import Any, Literal

Verdict = Literal["equal", "different", "bad-reference", "unparseable", "timeout", "crashed"]

PARSE_TIMEOUT_S = 5  # math-verify's own per-step limits, inside the worker
HARD_TIMEOUT_S = 60.0  # the worker is killed past this (covers the import on first use too)


def _serve(conn: Connection) -> None:
    """Worker loop: receive (gold, prediction), answer a Verdict, until the pipe closes."""
    from math_verify import parse, verify

    while True:
        try:
            gold, prediction = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(_compare(parse, verify, gold, prediction))
        except Exception as exc:  # a math-verify bug on one input must not end the worker
            conn.send(f"crashed: {type(exc).__name__}: {exc}"[:200])


def _compare(parse: Any, verify: Any, gold: str, prediction: str) -> str:
    # The gold answer is bare LaTeX; boxing it makes math-verify read all of it as one answer.
    gold_parsed = parse("\\boxed{" + gold + "}", parsing_timeout=PARSE_TIMEOUT_S)
    if not gold_parsed:
        return "bad-reference"
    predicted = parse(prediction, parsing_timeout=PARSE_TIMEOUT_S)
    if not predicted:
        return "unparseable"
    same = verify(gold_parsed, predicted, timeout_seconds=PARSE_TIMEOUT_S)
    return "equal" if same else "different"


class _Worker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True, name="archon-math-verify")
        self.process.start()
        child.close()

    def ask(self, gold: str, prediction: str, timeout_s: float) -> str:
        self.conn.send((gold, prediction))
        if not self.conn.poll(timeout_s):
            raise TimeoutError
        answer: str = self.conn.recv()
        return answer

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class MathVerifier:
    """A small pool of math-verify worker processes."""

    def __init__(self, workers: int = 2, hard_timeout_s: float = HARD_TIMEOUT_S) -> None:
        self.hard_timeout_s = hard_timeout_s
        # None is a slot whose worker is not started yet.
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(max(1, workers)):
            self._idle.put(None)
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()

    async def check(self, gold: str, prediction: str) -> tuple[Verdict, str | None]:
        """The verdict, and what went wrong when the check itself failed."""
        return await asyncio.to_thread(self._check_blocking, gold, prediction)

    def _check_blocking(self, gold: str, prediction: str) -> tuple[Verdict, str | None]:
        worker = self._idle.get()
        try:
            if worker is None:
                worker = self._start()
            answer = worker.ask(gold, prediction, self.hard_timeout_s)
        except TimeoutError:
            self._retire(worker)
            worker = None
            return "timeout", f"math-verify did not finish within {self.hard_timeout_s:g} s"
        except (EOFError, OSError) as exc:
            self._retire(worker)
            worker = None
            return "crashed", f"math-verify worker died: {type(exc).__name__}"
        finally:
            self._idle.put(worker)
        if answer.startswith("crashed"):
            return "crashed", answer
        return answer, None  # type: ignore[return-value]

    def _start(self) -> _Worker:
        worker = _Worker()
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker | None) -> None:
        if worker is None:
            return
        with self._lock:
            self._all.discard(worker)
        worker.stop()

    def close(self) -> None:
        """Stop every worker (call when no check is running); later checks start new ones."""
        with self._lock:
            workers, self._all = list(self._all), set()
        slots = 0
        while True:
            try:
                self._idle.get_nowait()
            except queue.Empty:
                break
            slots += 1
        for _ in range(slots):
            self._idle.put(None)
        for worker in workers:
            worker.stop()


_shared: MathVerifier | None = None
_shared_lock = threading.Lock()


def get_verifier() -> MathVerifier:
    """The process-wide pool (workers start on the first check)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MathVerifier()
        return _shared
