"""Two local models never decode at the same time: every engine of a process decodes through
``shared_gate``, which gives the CPU to one model at a time, in turns."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from archon.local.settings import DEFAULT_TURN_S


class DecodeGate:
    """Lets one model's engine decode at a time, in turns that batch every call of that model.

    Each engine runs on all cores; two engines decoding at once oversubscribe the CPU
    and both slow down several-fold (seen here with qwen and smollm2 in one system).
    A turn goes to one model: every call of it waiting then enters together, and calls
    arriving during the first ``turn_s`` seconds (``ARCHON_LOCAL_TURN_S``) join it (they
    batch in its slots). After that, if another model is waiting, the turn drains and
    passes to the model that has waited longest, so neither starves. Without the slice a
    waiting model closed the turn at once, and with two busy models one call ran at a time
    (one slot of 8 busy for a greedy call).
    """

    def __init__(self) -> None:
        self._turn_s = 0.0  # the slice of the turn under way (its model's engine setting)
        self._cond = threading.Condition()
        self._active: str | None = None
        self._turn_started = 0.0
        self._running = 0
        self._waiting: dict[str, int] = {}
        self._waiting_since: dict[str, float] = {}
        self._next: str | None = None  # whose turn it is once the active one drains
        self._passes = 0  # calls of the active model that were waiting when its turn began

    @contextlib.contextmanager
    def turn(self, model: str, turn_s: float = DEFAULT_TURN_S) -> Iterator[None]:
        with self._cond:
            if not self._waiting.get(model):
                self._waiting_since[model] = time.monotonic()
            self._waiting[model] = self._waiting.get(model, 0) + 1
            while not self._may_enter(model):
                self._cond.wait()
            self._waiting[model] -= 1
            if self._active != model:  # a new turn: the calls of this model waiting now all come in
                self._active, self._turn_started, self._turn_s, self._next = model, time.monotonic(), turn_s, None
                self._passes = self._waiting[model]
                self._cond.notify_all()
            elif self._passes:
                self._passes -= 1
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                if self._running == 0:
                    self._active = None
                    self._next = self._longest_waiting()
                self._cond.notify_all()

    def _may_enter(self, model: str) -> bool:
        if self._active is None:
            return self._next in (None, model)
        if self._active != model:
            return False
        others_waiting = any(n for m, n in self._waiting.items() if m != model)
        return (not others_waiting or self._passes > 0
                or time.monotonic() - self._turn_started < self._turn_s)

    def _longest_waiting(self) -> str | None:
        waiting = [m for m, n in self._waiting.items() if n]
        return min(waiting, key=lambda m: self._waiting_since[m]) if waiting else None


#: The gate of every engine of this process (engines read it at each call, so a test may swap it).
shared_gate = DecodeGate()
