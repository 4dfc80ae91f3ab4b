"""Repeated samples of one prompt share its processing.

Calls that arrive together (within ``COALESCE_WINDOW_S``) and differ only in consecutive seeds
become one llama.cpp request with ``n`` completions, whose prompt is evaluated once and copied
to the other slots; completion ``i`` is sampled with seed ``seed + i``, as a call of its own
would be. On these CPUs a HumanEval prompt (~450 tokens) takes about as long to evaluate as 8
short answers take to decode, so a group of 8 samples costs a third of 8 separate calls.
``ARCHON_LOCAL_COALESCE=0`` turns this off (``archon.local.settings``).
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archon.errors import ModelCallError
from archon.local.streams import Generation

if TYPE_CHECKING:
    from archon.local.engine import LocalEngine

# How long the first call of a group waits for its siblings (generate's samples arrive together).
COALESCE_WINDOW_S = 0.02


class Batcher:
    """Groups concurrent calls to one engine that differ only in their seeds (the samples of
    one prompt) into n-completion requests. Lives on one event loop."""

    def __init__(self, engine: LocalEngine, loop: asyncio.AbstractEventLoop) -> None:
        self.engine = engine
        self.loop = loop
        self.pending: dict[str, list[_Waiter]] = {}

    async def submit(self, request: dict[str, Any]) -> Generation:
        key = json.dumps({k: v for k, v in request.items() if k != "seed"}, sort_keys=True, default=str)
        waiter = _Waiter(int(request["seed"]), self.loop.create_future())
        group = self.pending.get(key)
        if group is None:
            group = self.pending[key] = []
            self.loop.call_later(COALESCE_WINDOW_S, self._flush, key, request)
        group.append(waiter)
        try:
            return await asyncio.shield(waiter.future)
        except asyncio.CancelledError:
            waiter.cancelled = True
            if waiter.batch is not None and all(w.cancelled for w in waiter.batch.waiters):
                waiter.batch.cancel.set()  # nobody wants this request any more: free its slots
            raise

    def _flush(self, key: str, request: dict[str, Any]) -> None:
        waiters = sorted(self.pending.pop(key, []), key=lambda w: w.seed)
        for batch in _consecutive_runs(waiters, self.engine.config.slots):
            self._start(batch, {**request, "seed": batch.waiters[0].seed})

    def _start(self, batch: _Batch, request: dict[str, Any]) -> None:
        for waiter in batch.waiters:
            waiter.batch = batch
        if all(w.cancelled for w in batch.waiters):
            return
        try:
            future = self.engine._submit(request, len(batch.waiters), batch.cancel)
        except ModelCallError as exc:
            for waiter in batch.waiters:
                _settle(waiter.future, exc)
            return
        asyncio.wrap_future(future, loop=self.loop).add_done_callback(lambda done: _deliver(batch, done))


@dataclass
class _Waiter:
    seed: int
    future: asyncio.Future[Generation]
    cancelled: bool = False
    batch: _Batch | None = None


@dataclass
class _Batch:
    waiters: list[_Waiter]
    cancel: threading.Event = field(default_factory=threading.Event)


def _consecutive_runs(waiters: list[_Waiter], most: int) -> list[_Batch]:
    """Waiters (sorted by seed) as batches of consecutive, distinct seeds, at most ``most`` each."""
    batches: list[_Batch] = []
    for waiter in waiters:
        last = batches[-1].waiters if batches else None
        if last and waiter.seed == last[-1].seed + 1 and len(last) < most:
            last.append(waiter)
        else:
            batches.append(_Batch([waiter]))
    return batches


def _deliver(batch: _Batch, done: asyncio.Future[list[Generation]]) -> None:
    if done.cancelled():
        error: BaseException | None = ModelCallError("local", "cancelled")
    else:
        error = done.exception()
    for i, waiter in enumerate(batch.waiters):
        _settle(waiter.future, error if error is not None else done.result()[i])


def _settle(future: asyncio.Future[Generation], outcome: Generation | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
        future.exception()  # a waiter that was cancelled never reads it: no "never retrieved" noise
    else:
        future.set_result(outcome)
