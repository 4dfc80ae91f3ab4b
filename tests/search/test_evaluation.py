"""Scoring one architecture on dev: items overlap batch boundaries, a pruned trial stops the rest."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

import archon
from archon.benchmarks.scorers.numeric import NumericScorer
from archon.benchmarks.types import Item
from archon.errors import ReplayMiss
from archon.models.cache import ResponseCache
from archon.models.client import ModelClient
from archon.search.trial.evaluation import DevResult, evaluate_dev
from archon.testing import FakeCall, register_fake_model, unregister_fake_model
from archon.testing.fake import FakeLLM

ITEMS = [Item(f"q{i}", f"Question {i}", reference=str(i)) for i in range(12)]
SYSTEM = {"name": "s", "models": {"m": {"model": "fake/echo-slow", "extra": {"fake_latency": 0.2}}},
          "nodes": [{"id": "g", "type": "generate", "models": ["m"]}]}
# How long a call held at the barrier waits for the others before it gives up. Only a broken
# evaluator (one that never has that many items in flight) waits this long; a working one is
# released the moment the last call arrives, however busy the machine.
BARRIER_S = 30.0


@pytest.fixture(autouse=True)
def echo() -> object:
    def answer(call: FakeCall) -> str:
        return f"The answer is {call.prompt.split()[-1]}."

    register_fake_model("echo-slow", answer)
    yield
    unregister_fake_model("echo-slow")


class InFlight:
    """The fake provider's calls, counted from the moment each starts to its answer. Each call
    waits at a barrier until ``barrier`` calls are in flight at once (or ``BARRIER_S`` passed),
    so calls that can overlap are sure to, whatever the scheduler does."""

    def __init__(self, barrier: int) -> None:
        self.barrier = barrier
        self.now = self.most = 0
        self.gave_up = False
        self.log: list[str] = []  # "start <item>" and "scored <n items>", in the order they happened

    async def call(self, prompt: str, answer: Any) -> Any:
        self.now += 1
        self.most = max(self.most, self.now)
        self.log.append(f"start q{prompt.split()[-1]}")
        try:
            deadline = time.monotonic() + BARRIER_S
            while self.most < self.barrier and not self.gave_up:
                if time.monotonic() > deadline:
                    self.gave_up = True  # release every call: the assertions say what went wrong
                await asyncio.sleep(0.001)
            return await answer
        finally:
            self.now -= 1


@pytest.fixture
def in_flight(monkeypatch: pytest.MonkeyPatch) -> InFlight:
    counter = InFlight(barrier=6)
    original = FakeLLM.acompletion

    async def acompletion(self: FakeLLM, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        prompt = "\n".join(str(m.get("content", "")) for m in messages)
        return await counter.call(prompt, original(self, model, messages, *args, **kwargs))

    monkeypatch.setattr(FakeLLM, "acompletion", acompletion)
    return counter


def run(system: archon.System, stop_after: int | None = None, concurrency: int = 6,
        log: list[str] | None = None) -> Any:
    def after_batch(so_far: DevResult) -> bool:
        if log is not None:
            log.append(f"scored {len(so_far.outcomes)}")
        return stop_after is not None and len(so_far.outcomes) >= stop_after

    return asyncio.run(evaluate_dev(system, ITEMS, NumericScorer(), batch_size=3, concurrency=concurrency,
                                    after_batch=after_batch))


def test_items_of_the_next_batch_start_before_the_current_batch_is_scored(in_flight: InFlight) -> None:
    system = archon.load(SYSTEM, cache=False)
    result = run(system, log=in_flight.log)
    assert len(result.outcomes) == 12 and result.score == 1.0
    # Counted, not timed: 6 items in flight at once (the concurrency), not a batch of 3 at a time
    # and never more than 6. An evaluator that ran batch by batch would reach only 3, leave the
    # barrier waiting until it gave up, and fail here.
    assert not in_flight.gave_up, f"never 6 calls in flight at once (at most {in_flight.most})"
    assert in_flight.most == 6
    # And the next batch's items were on their way before the first batch was scored.
    first_scored = in_flight.log.index("scored 3")
    assert {"start q3", "start q4", "start q5"} <= set(in_flight.log[:first_scored]), in_flight.log


def test_a_pruned_trial_keeps_only_its_reported_items_and_stops_the_others(tmp_path: Path) -> None:
    system = archon.load(SYSTEM, cache=False)
    result = run(system, stop_after=3)
    assert result.stopped_early and [o.item_id for o in result.outcomes] == ["q0", "q1", "q2"]


def test_a_replay_miss_counts_only_for_an_item_whose_outcome_is_used(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    recorder = archon.load(SYSTEM, client=ModelClient(cache))
    asyncio.run(recorder.arun_many([i.prompt for i in ITEMS[:3]]))  # the live run was pruned after 3 items
    cache.flush()
    replay = archon.load(SYSTEM, client=ModelClient(cache, replay=True))
    pruned = run(replay, stop_after=3)  # items 4-6 ran ahead and missed: harmless, they do not count
    assert [o.score for o in pruned.outcomes] == [1.0, 1.0, 1.0]
    with pytest.raises(ReplayMiss, match="Question 3"):
        run(replay)


def test_the_summary_says_how_calls_spread_over_queries() -> None:
    from archon.search.report.leaderboard import Row
    from archon.search.trial.evaluation import DevResult, ItemOutcome

    calls = [2, 2, 2, 2, 2, 2, 2, 2, 8, 12]  # an adaptive vote: most stop early, a few do not
    result = DevResult([ItemOutcome(f"q{i}", 1.0, requests=n) for i, n in enumerate(calls)]
                       + [ItemOutcome("broken", None, failure="record", requests=99)])  # not run: left out
    summary = result.summary()
    assert summary["calls"] == 3.6
    assert (summary["calls_p50"], summary["calls_p90"], summary["calls_max"]) == (2, 12, 12)
    row = Row(trial=0, score=1.0, calls=summary["calls"], tokens=0, cost_usd=0, latency_s=0, architecture="x",
              calls_p90=summary["calls_p90"], calls_max=summary["calls_max"])
    assert row.calls_text() == "3.6 (p90 12, max 12)"
    fixed = Row(trial=1, score=1.0, calls=4.0, tokens=0, cost_usd=0, latency_s=0, architecture="y",
                calls_p90=4.0, calls_max=4.0)
    assert fixed.calls_text() == "4.0"  # every query the same: the mean says it all


def test_the_best_possible_score_assumes_every_item_left_is_right() -> None:
    from archon.search.trial.evaluation import ItemOutcome

    so_far = DevResult([ItemOutcome("q0", 1.0), ItemOutcome("q1", 0.0), ItemOutcome("q2", None, failure="scoring")])
    assert so_far.best_possible(10) == (1 + 7) / (2 + 7)  # the unscorable item stays out of the mean
    assert DevResult([ItemOutcome("q0", 0.0)]).best_possible(1) == 0.0
    assert DevResult().best_possible(0) == 0.0
