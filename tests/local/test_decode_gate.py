"""Two local models never decode at the same time; calls to one model still overlap.

Each call runs on a thread of its own and stays inside its turn until the test releases it,
and the test waits for what the gate must do (a call let in, a call queued) before it goes on:
the order is forced by events, never by how long a thread sleeps. Time itself (a turn's slice)
is a fake clock the test moves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from archon.local import decode_gate as gate_module
from archon.local.decode_gate import DecodeGate

# How long to wait for something the gate must do. A working gate does it at once, however busy
# the machine; only a broken one lets the wait run out (and the test fail, rather than hang).
WAIT_S = 30.0


class Calls:
    """Calls through one gate, each on its own thread. ``log`` holds ("in" | "out", name) in the
    order they happened; ``violations`` any call let in while another model was decoding."""

    def __init__(self, gate: DecodeGate) -> None:
        self.gate = gate
        self.lock = threading.Lock()
        self.log: list[tuple[str, str]] = []
        self.active: dict[str, int] = {}
        self.violations: list[str] = []
        self.threads: list[threading.Thread] = []

    def start(self, name: str, turn_s: float) -> Call:
        call = Call(self, name, turn_s)
        self.threads.append(call.thread)
        call.thread.start()
        return call

    def waiting(self, model: str) -> int:
        """Calls of ``model`` queued at the gate (not let in yet)."""
        with self.gate._cond:
            return self.gate._waiting.get(model, 0)

    def inside(self, model: str) -> int:
        with self.lock:
            return self.active.get(model, 0)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=WAIT_S)
        assert not any(t.is_alive() for t in self.threads), "a call starved or deadlocked"


class Call:
    def __init__(self, calls: Calls, name: str, turn_s: float) -> None:
        self.calls, self.name, self.model, self.turn_s = calls, name, name[0], turn_s
        self.entered = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        calls = self.calls
        with calls.gate.turn(self.model, self.turn_s):
            with calls.lock:
                others = [m for m, n in calls.active.items() if n and m != self.model]
                if others:
                    calls.violations.append(f"{self.name} let in while {others} decoding")
                calls.active[self.model] = calls.active.get(self.model, 0) + 1
                calls.log.append(("in", self.name))
            self.entered.set()
            self.release.wait(WAIT_S)
            with calls.lock:
                calls.active[self.model] -= 1
                calls.log.append(("out", self.name))

    def wait_inside(self) -> None:
        assert self.entered.wait(WAIT_S), f"{self.name} was never let in"


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {WAIT_S} s: {what}"
        time.sleep(0.001)


def test_models_take_turns_and_calls_of_one_model_overlap() -> None:
    calls = Calls(DecodeGate())
    # turn_s=0: a turn takes no new calls once another model waits (the slice has a test of its own).
    a1 = calls.start("a1", 0.0)
    a1.wait_inside()
    a2 = calls.start("a2", 0.0)
    a2.wait_inside()  # a1 is still inside: two calls of one model decode together
    b1, b2 = calls.start("b1", 0.0), calls.start("b2", 0.0)
    until(lambda: calls.waiting("b") == 2, "b's calls queue while a decodes")
    a3 = calls.start("a3", 0.0)
    until(lambda: calls.waiting("a") == 1, "a's new call queues behind b, which waits")
    a1.release.set()
    a2.release.set()
    b1.wait_inside()
    b2.wait_inside()  # neither b is out yet: they decode together
    assert not a3.entered.is_set()
    b1.release.set()
    b2.release.set()
    a3.wait_inside()
    a3.release.set()
    calls.join()
    assert calls.violations == []


def _most_at_once(log: list[tuple[str, str]], model: str) -> int:
    inside = most = 0
    for what, who in log:
        if who.startswith(model):
            inside += 1 if what == "in" else -1
            most = max(most, inside)
    return most


def test_a_turn_lets_every_waiting_call_of_its_model_in_together() -> None:
    """Both models have calls waiting behind a running one: each turn takes all of its model's
    calls at once (the old gate let one in at a time while the other model waited)."""
    calls = Calls(DecodeGate())
    first = calls.start("a0", 0.0)
    first.wait_inside()
    waiting = [calls.start(f"b{i}", 0.0) for i in range(3)]
    until(lambda: calls.waiting("b") == 3, "b's calls queue behind a's")
    later = [calls.start(f"a{i}", 0.0) for i in range(1, 4)]
    until(lambda: calls.waiting("a") == 3, "a's later calls queue behind b, which waited longest")
    first.release.set()
    for call in waiting:
        call.wait_inside()  # all three in before any is released: one turn took them together
    assert calls.inside("a") == 0, "b waited longest, so its turn comes first"
    for call in waiting:
        call.release.set()
    for call in later:
        call.wait_inside()
    for call in later:
        call.release.set()
    calls.join()
    assert calls.violations == []
    assert _most_at_once(calls.log, "b") == 3
    assert _most_at_once(calls.log, "a") == 3


class FakeClock:
    """The decode gate module's ``time`` (the clock its turns are timed by), with a monotonic clock
    the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    fake = FakeClock()
    monkeypatch.setattr(gate_module, "time", fake)
    yield fake


def test_a_busy_model_yields_once_its_turn_has_run_its_slice(clock: FakeClock) -> None:
    """a keeps getting new calls; b, waiting, still decodes before the a calls that came after
    a's slice. Within the slice a's new calls join its turn even though b waits."""
    calls = Calls(DecodeGate())
    a1 = calls.start("a1", 60.0)
    a1.wait_inside()
    b = calls.start("b", 60.0)
    until(lambda: calls.waiting("b") == 1, "b queues while a decodes")
    a2 = calls.start("a2", 60.0)
    a2.wait_inside()  # within a's 60 s slice (the clock has not moved): it joins a's turn
    clock.offset += 61  # a's slice has run out
    a3 = calls.start("a3", 60.0)
    until(lambda: calls.waiting("a") == 1, "a's call after its slice queues behind b")
    a1.release.set()
    a2.release.set()
    b.wait_inside()  # a's turn drained, and b's came before a's later call: b did not starve
    assert not a3.entered.is_set()
    b.release.set()
    a3.wait_inside()
    a3.release.set()
    calls.join()
    assert calls.violations == []
    assert [who for what, who in calls.log if what == "in"] == ["a1", "a2", "b", "a3"]


@pytest.mark.parametrize(("setting", "minimum", "field"), [
    ("ARCHON_LOCAL_TURN_S", 0, "turn_s"), ("ARCHON_LOCAL_SLOTS", 1, "slots"), ("ARCHON_LOCAL_CTX", 256, "context_size"),
    ("ARCHON_LOCAL_THREADS", 1, "threads"), ("ARCHON_LOCAL_LOG", 0, "verbosity")])
def test_a_malformed_engine_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, setting: str, minimum: int,
                                                     field: str) -> None:
    from archon.errors import ArchonError
    from archon.local.catalog import get_model_info
    from archon.local.settings import EngineConfig

    info = get_model_info("smollm2-135m")
    for bad in ("soon", str(minimum - 1), "2.5"):
        monkeypatch.setenv(setting, bad)
        with pytest.raises(ArchonError, match=rf"{setting} must be an integer >= {minimum}, but got '{bad}'"):
            EngineConfig.from_env(info)
    monkeypatch.setenv(setting, str(minimum + 300))
    assert getattr(EngineConfig.from_env(info), field) == minimum + 300


def test_the_coalesce_setting_takes_yes_or_no_words_and_rejects_others(monkeypatch: pytest.MonkeyPatch) -> None:
    from archon.errors import ArchonError
    from archon.local.catalog import get_model_info
    from archon.local.settings import EngineConfig

    info = get_model_info("smollm2-135m")
    for word, expected in (("0", False), ("off", False), ("False", False), ("1", True), ("yes", True), ("", True)):
        monkeypatch.setenv("ARCHON_LOCAL_COALESCE", word)
        assert EngineConfig.from_env(info).coalesce is expected
    monkeypatch.setenv("ARCHON_LOCAL_COALESCE", "sometimes")
    with pytest.raises(ArchonError, match=r"ARCHON_LOCAL_COALESCE must be one of 1, true, .*but got 'sometimes'"):
        EngineConfig.from_env(info)
