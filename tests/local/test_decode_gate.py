"""Two local models never decode at the same time; calls to one model still overlap."""

from __future__ import annotations

import threading
import time

import pytest

from archon.local.engine import _DecodeGate


def test_models_take_turns_and_calls_of_one_model_overlap() -> None:
    gate = _DecodeGate()
    active: dict[str, int] = {"a": 0, "b": 0}
    seen_overlap_a = threading.Event()
    violations: list[str] = []
    lock = threading.Lock()

    def call(model: str) -> None:
        with gate.turn(model):
            with lock:
                active[model] += 1
                other = "b" if model == "a" else "a"
                if active[other]:
                    violations.append(f"{model} ran while {other} was decoding")
                if active["a"] > 1:
                    seen_overlap_a.set()
            time.sleep(0.05)
            with lock:
                active[model] -= 1

    threads = [threading.Thread(target=call, args=(m,)) for m in ("a", "a", "a", "b", "b", "a")]
    for t in threads:
        t.start()
        time.sleep(0.005)
    for t in threads:
        t.join(timeout=5)
    assert not any(t.is_alive() for t in threads), "a call starved or deadlocked"
    assert violations == []
    assert seen_overlap_a.is_set(), "calls to the same model should batch together"


def _hold(gate: _DecodeGate, model: str, seconds: float, turn_s: float, log: list[tuple[str, str, float]],
          lock: threading.Lock) -> None:
    with gate.turn(model, turn_s):
        with lock:
            log.append(("in", model, time.monotonic()))
        time.sleep(seconds)
        with lock:
            log.append(("out", model, time.monotonic()))


def _most_at_once(log: list[tuple[str, str, float]], model: str) -> int:
    inside = most = 0
    for what, who, _at in sorted(log, key=lambda e: e[2]):
        if who == model:
            inside += 1 if what == "in" else -1
            most = max(most, inside)
    return most


def test_a_turn_lets_every_waiting_call_of_its_model_in_together() -> None:
    """Both models have calls waiting behind a running one: each turn takes all of its model's
    calls at once (the old gate let one in at a time while the other model waited)."""
    gate, lock = _DecodeGate(), threading.Lock()
    log: list[tuple[str, str, float]] = []
    first = threading.Thread(target=_hold, args=(gate, "a", 0.2, 0.0, log, lock))
    first.start()
    time.sleep(0.02)
    waiting = [threading.Thread(target=_hold, args=(gate, "b", 0.1, 0.0, log, lock)) for _ in range(3)]
    for t in waiting:
        t.start()
    time.sleep(0.02)
    later = [threading.Thread(target=_hold, args=(gate, "a", 0.1, 0.0, log, lock)) for _ in range(3)]
    for t in later:
        t.start()
    for t in (first, *waiting, *later):
        t.join(timeout=5)
    assert _most_at_once(log, "b") == 3
    assert _most_at_once(log, "a") == 3
    b_first = min(at for what, who, at in log if who == "b" and what == "in")
    later_a = sorted(at for what, who, at in log if who == "a" and what == "in")[1:]
    assert all(at > b_first for at in later_a), "b waited longest, so its turn comes first"


def test_a_busy_model_yields_once_its_turn_has_run_its_slice() -> None:
    """a gets a new call every 20 ms without end; b, waiting, still decodes before a's stream ends."""
    gate, lock = _DecodeGate(), threading.Lock()
    log: list[tuple[str, str, float]] = []
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set():
            threading.Thread(target=_hold, args=(gate, "a", 0.05, 0.2, log, lock), daemon=True).start()
            time.sleep(0.02)

    feeder = threading.Thread(target=stream)
    feeder.start()
    time.sleep(0.05)
    asked = time.monotonic()
    b = threading.Thread(target=_hold, args=(gate, "b", 0.01, 0.2, log, lock))
    b.start()
    b.join(timeout=3)
    stop.set()
    feeder.join(timeout=5)
    assert not b.is_alive(), "b starved behind a stream of a's calls"
    entered = next(at for what, who, at in log if who == "b" and what == "in")
    assert entered - asked < 1.0
    # While b waited, a's calls kept joining a's turn until its slice ran out.
    assert len([at for what, who, at in log if who == "a" and what == "in" and asked < at < entered]) >= 2


@pytest.mark.parametrize(("setting", "minimum", "field"), [
    ("ARCHON_LOCAL_TURN_S", 0, "turn_s"), ("ARCHON_LOCAL_SLOTS", 1, "slots"), ("ARCHON_LOCAL_CTX", 256, "context_size"),
    ("ARCHON_LOCAL_THREADS", 1, "threads"), ("ARCHON_LOCAL_LOG", 0, "verbosity")])
def test_a_malformed_engine_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, setting: str, minimum: int,
                                                     field: str) -> None:
    from archon.errors import ArchonError
    from archon.local.catalog import get_model_info
    from archon.local.engine import EngineConfig

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
    from archon.local.engine import EngineConfig

    info = get_model_info("smollm2-135m")
    for word, expected in (("0", False), ("off", False), ("False", False), ("1", True), ("yes", True), ("", True)):
        monkeypatch.setenv("ARCHON_LOCAL_COALESCE", word)
        assert EngineConfig.from_env(info).coalesce is expected
    monkeypatch.setenv("ARCHON_LOCAL_COALESCE", "sometimes")
    with pytest.raises(ArchonError, match=r"ARCHON_LOCAL_COALESCE must be one of 1, true, .*but got 'sometimes'"):
        EngineConfig.from_env(info)
