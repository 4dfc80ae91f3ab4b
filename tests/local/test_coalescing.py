"""Samples of one prompt share its evaluation: concurrent calls that differ only in consecutive
seeds go to llama.cpp as one request with n completions (real SmolLM2)."""

from __future__ import annotations

import asyncio

import pytest

from archon.local.catalog import get_model_info, model_path
from archon.local.engine import EngineConfig, LocalEngine
from archon.local.pull import pull

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


def test_one_cancelled_sample_does_not_cancel_its_siblings(engine: LocalEngine) -> None:
    async def scenario() -> list[str]:
        tasks = [asyncio.create_task(engine.generate(PROMPT, temperature=1.0, max_tokens=8, seed=s)) for s in range(3)]
        await asyncio.sleep(0.05)  # grouped and started
        tasks[1].cancel()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        assert isinstance(done[1], asyncio.CancelledError)
        return [d.text for d in done if not isinstance(d, BaseException)]

    assert len(asyncio.run(scenario())) == 2
