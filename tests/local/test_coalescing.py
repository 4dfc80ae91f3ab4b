"""Samples of one prompt share its evaluation: concurrent calls that differ only in consecutive
seeds go to llama.cpp as one request with n completions (real SmolLM2)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import pytest

from archon.local import decode_gate as gate_module
from archon.local.catalog import get_model_info, model_path
from archon.local.decode_gate import DecodeGate
from archon.local.engine import LocalEngine
from archon.local.pull import pull
from archon.local.settings import DEFAULT_TURN_S, EngineConfig

pytestmark = pytest.mark.real_model

PROMPT = [{"role": "user", "content": "Name a colour."}]


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    info = get_model_info("smollm2-135m")
    pull(info.name)
    engine = LocalEngine(info, model_path(info), EngineConfig(slots=4, context_size=1024, threads=2))
    yield engine
    engine.close()


def test_concurrent_samples_of_one_prompt_are_one_request(engine: LocalEngine) -> None:
    async def samples() -> list[str]:
        results = await asyncio.gather(*(engine.generate(PROMPT, temperature=1.0, max_tokens=8, seed=s)
                                         for s in range(4)))
        return [r.text for r in results]

    before = engine.requests, engine.completions
    texts = asyncio.run(samples())
    assert (engine.requests - before[0], engine.completions - before[1]) == (1, 4)
    assert len(texts) == 4 and all(texts)
    assert len(set(texts)) > 1  # each completion is sampled with its own seed


def test_seeds_that_are_not_consecutive_and_other_prompts_go_separately(engine: LocalEngine) -> None:
    async def calls() -> None:
        await asyncio.gather(
            engine.generate(PROMPT, temperature=1.0, max_tokens=4, seed=0),
            engine.generate(PROMPT, temperature=1.0, max_tokens=4, seed=1),
            engine.generate(PROMPT, temperature=1.0, max_tokens=4, seed=5),
            engine.generate([{"role": "user", "content": "Name a fruit."}], temperature=1.0, max_tokens=4, seed=0),
            engine.generate(PROMPT, temperature=0.5, max_tokens=4, seed=2),
        )

    before = engine.requests
    asyncio.run(calls())
    assert engine.requests - before == 4  # seeds 0-1 together; seed 5, the other prompt, the other temperature alone


class HeldGate(DecodeGate):
    """The engine's decode gate, holding every request at its door until ``release`` is set:
    ``arrived`` says a request has been grouped, handed to the engine and is about to decode."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()
        self.release = threading.Event()

    @contextlib.contextmanager
    def turn(self, model: str, turn_s: float = DEFAULT_TURN_S) -> Iterator[None]:
        self.arrived.set()
        self.release.wait(60)  # a safety net only: the test sets it
        with super().turn(model, turn_s):
            yield


def test_one_cancelled_sample_does_not_cancel_its_siblings(engine: LocalEngine,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    gate = HeldGate()
    monkeypatch.setattr(gate_module, "shared_gate", gate)

    async def scenario() -> list[str]:
        tasks = [asyncio.create_task(engine.generate(PROMPT, temperature=1.0, max_tokens=8, seed=s)) for s in range(3)]
        try:
            # Cancelled once its group is one request in the engine's hands (not after a guessed delay).
            assert await asyncio.to_thread(gate.arrived.wait, 60), "the samples never reached the engine"
            tasks[1].cancel()
            await asyncio.wait([tasks[1]])  # its cancellation has been handled before the request decodes
        finally:
            gate.release.set()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        assert isinstance(done[1], asyncio.CancelledError)
        return [d.text for d in done if not isinstance(d, BaseException)]

    before = engine.requests
    assert len(asyncio.run(scenario())) == 2
    assert engine.requests - before == 1  # the group went on as one request, not stopped (nor started again)
