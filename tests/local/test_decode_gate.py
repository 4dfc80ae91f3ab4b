"""Two local models never decode at the same time; calls to one model still overlap."""

from __future__ import annotations

import threading
import time

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
