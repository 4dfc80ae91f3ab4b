"""Concurrency: every node starts the moment its inputs are ready; branches overlap.

Order and overlap are asserted from the fake provider's calls as they happen (a log and
counters of the calls in flight), and where a test needs two calls in flight together, the
first waits for the second at a barrier: no assertion depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import archon
from archon.runtime.executor import RunResult
from archon.testing.fake import FakeLLM

MODELS = """
models:
  fast: {model: fake/fast, extra: {fake_latency: 0.05}}
  slow: {model: fake/slow, extra: {fake_latency: 0.5}}
"""
# How long a held call waits for its condition before it gives up and goes on. Only a broken
# executor (one under which the condition never comes) waits this long; with a working one the
# call goes on the moment the condition holds, however busy the machine.
HOLD_S = 30.0


class Provider:
    """The fake provider's calls as they happen: ``log`` of ("start" | "end", model) in order, how
    many calls of each model are in flight ``now`` and at ``most``; ``hold(model, until)`` makes
    that model's calls wait until ``until()`` is true before they answer."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.holds: dict[str, Callable[[], bool]] = {}
        self.gave_up: list[str] = []  # the model whose held call waited HOLD_S in vain

    def hold(self, model: str, until: Callable[[], bool]) -> None:
        self.holds[model] = until

    def index(self, event: str, model: str, last: bool = False) -> int:
        """Where the first (or last) such event is in the log."""
        found = [i for i, entry in enumerate(self.log) if entry == (event, model)]
        assert found, f"no {event} of a {model} call in {self.log}"
        return found[-1] if last else found[0]

    async def call(self, model: str, answer: Any) -> Any:
        self.log.append(("start", model))
        self.now[model] += 1
        self.most[model] = max(self.most[model], self.now[model])
        try:
            until = self.holds.get(model)
            deadline = time.monotonic() + HOLD_S
            while until is not None and not until() and not self.gave_up:
                if time.monotonic() > deadline:
                    self.gave_up.append(model)  # all held calls go on: the assertions say what went wrong
                    break
                await asyncio.sleep(0.001)
            return await answer
        finally:
            self.now[model] -= 1
            self.log.append(("end", model))


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    calls = Provider()
    original = FakeLLM.acompletion

    async def acompletion(self: FakeLLM, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        name = model.split("/", 1)[1] if model.startswith("fake/") else model
        return await calls.call(name, original(self, model, messages, *args, **kwargs))

    monkeypatch.setattr(FakeLLM, "acompletion", acompletion)
    yield calls
    assert calls.gave_up == [], f"held calls waited {HOLD_S} s in vain: {calls.gave_up}; log: {calls.log}"


def timing(result: RunResult) -> dict[str, tuple[float, float]]:
    """node -> (start, end) in seconds since the query started."""
    return {e["node"]: (e["start_s"], e["start_s"] + e["elapsed_s"]) for e in result.trace}


def run(text: str, query: str = "q") -> RunResult:
    result: RunResult = archon.System.from_text(f"name: t\n{MODELS}{text}", cache=False).run(query)
    return result


def test_node_starts_as_soon_as_its_own_inputs_are_ready(provider: Provider) -> None:
    # Both sources must be under way at once: gen_fast's calls wait until both of gen_slow's
    # have started. gen_slow's calls then wait until fuse_fast's call is over, which can only
    # happen if fuse_fast did not wait for gen_slow, the slow generate listed before it.
    provider.hold("fast", lambda: provider.most["slow"] == 2)
    provider.hold("slow", lambda: ("end", "fuser") in provider.log)
    result = run("""
nodes:
  - {id: gen_fast, type: generate, models: [fast], samples: 2}
  - {id: gen_slow, type: generate, models: [slow], samples: 2}
  - {id: fuse_fast, type: fuse, models: [fake/fuser], inputs: [gen_fast]}
  - {id: final, type: fuse, models: [fake/final], inputs: [fuse_fast, gen_slow]}
""")
    assert provider.gave_up == [], provider.log
    log = provider.log
    # Both sources started before any call ended.
    first_end = next(i for i, (event, _) in enumerate(log) if event == "end")
    assert sorted(m for _, m in log[:first_end]) == ["fast", "fast", "slow", "slow"], log
    # fuse_fast ran while gen_slow was still running.
    assert provider.index("end", "fuser") < provider.index("end", "slow"), log
    # final waited for both its inputs.
    assert provider.index("start", "final") > provider.index("end", "slow", last=True), log
    t = timing(result)
    assert t["final"][0] >= t["gen_slow"][1] - 0.01  # the trace's times are rounded to the microsecond


def test_two_branches_merged_run_concurrently(provider: Provider) -> None:
    # Each branch's call waits until the other branch's call has started: they finish only if the
    # executor runs both branches at once.
    provider.hold("branch-a", lambda: provider.most["branch-b"] == 1)
    provider.hold("branch-b", lambda: provider.most["branch-a"] == 1)
    result = run("""
nodes:
  - {id: gen, type: generate, models: [fast], samples: 3}
  - {id: branch_a, type: fuse, models: [fake/branch-a], inputs: [gen]}
  - {id: branch_b, type: rank, model: fake/branch-b, top_k: 2, inputs: [gen]}
  - {id: merge, type: fuse, models: [fake/merger], inputs: [branch_a, branch_b]}
""")
    assert provider.gave_up == [], provider.log
    assert provider.most == {"fast": 3, "branch-a": 1, "branch-b": 1, "merger": 1}
    assert max(provider.index("start", "branch-a"), provider.index("start", "branch-b")) < min(
        provider.index("end", "branch-a"), provider.index("end", "branch-b")), provider.log
    assert provider.index("start", "merger") > max(provider.index("end", "branch-a"),
                                                   provider.index("end", "branch-b")), provider.log
    t = timing(result)
    a, b = t["branch_a"], t["branch_b"]
    assert a[0] < b[1] and b[0] < a[1]  # the two intervals overlap (the barrier made sure of it)
    assert t["merge"][0] >= max(a[1], b[1]) - 0.01  # the trace's times are rounded to the microsecond
    merged_inputs = next(e for e in result.trace if e["node"] == "merge")["inputs"]
    assert merged_inputs == ["branch_a", "branch_b"]


def test_samples_of_a_node_run_concurrently(provider: Provider) -> None:
    # Every sample's call waits until all 8 are in flight: samples made one after another never get there.
    provider.hold("slow", lambda: provider.most["slow"] == 8)
    result = run("nodes:\n  - {id: gen, type: generate, models: [slow], samples: 8}\n")
    assert len(result.candidates) == 8
    assert provider.gave_up == [] and provider.most["slow"] == 8, provider.log


def test_global_concurrency_limit_is_respected(provider: Provider) -> None:
    # The first calls wait until 2 are in flight, so the limit is reached (not just never
    # exceeded by running one at a time). Each call then takes 0.5 s (fake_latency): without
    # the limit, the other two calls, started together with the first two, would be counted in
    # flight alongside them. A busy machine cannot make a working limit fail this; it could only
    # hide a broken one if it delayed those two calls' start by over 0.5 s.
    provider.hold("slow", lambda: provider.most["slow"] >= 2)
    result = run("nodes:\n  - {id: gen, type: generate, models: [slow], samples: 4}\n"
                 "runtime: {max_concurrency: 2}\n")
    assert len(result.candidates) == 4
    assert provider.most["slow"] == 2, provider.log  # two waves of two
    assert provider.log.count(("start", "slow")) == 4


def test_per_model_concurrency_limit_from_the_alias(provider: Provider) -> None:
    # Counted, not timed. Each call takes 0.15 s (fake_latency), the window in which a second call
    # would have been counted had the alias's limit not held it back: as above, a busy machine can
    # only shrink the chance to see a broken limit, never fail a working one.
    system = archon.System.from_text("""
name: t
models:
  one_at_a_time: {model: fake/serial, max_concurrency: 1, extra: {fake_latency: 0.15}}
nodes:
  - {id: gen, type: generate, models: [one_at_a_time], samples: 3}
""", cache=False)
    result = system.run("q")
    assert provider.most["serial"] == 1, provider.log
    assert provider.log.count(("start", "serial")) == 3
    assert len(result.candidates) == 3


def test_trace_lists_nodes_in_order_with_calls_and_outputs() -> None:
    result = run("""
nodes:
  - {id: gen, type: generate, models: [fast], samples: 2}
  - {id: crit, type: critique, model: fast}
  - {id: fuse, type: fuse, models: [fast]}
""")
    assert [e["node"] for e in result.trace] == ["gen", "crit", "fuse"]
    entry: dict[str, Any] = result.trace[1]
    assert entry["type"] == "critique" and entry["inputs"] == ["gen"]
    assert len(entry["calls"]) == 1 and entry["calls"][0]["response"]
    assert len(entry["outputs"]) == 2 and all("critique" in o for o in entry["outputs"])
    assert result.answer == result.candidates[0].text == result.trace[-1]["outputs"][0]["text"]


def test_run_inside_a_running_loop_points_to_arun() -> None:
    system = archon.System.from_text("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a]}\n", cache=False)

    async def inside() -> str:
        with pytest.raises(RuntimeError, match="arun"):
            system.run("q")
        return (await system.arun("q")).answer

    assert asyncio.run(inside()).startswith("The answer is")
