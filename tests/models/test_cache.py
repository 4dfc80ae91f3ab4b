"""The response cache: reruns are free, samples are kept apart, writes are batched but kept."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import archon
from archon.models.cache import ResponseCache
from archon.models.client import ModelClient
from archon.models.types import Completion, ModelRequest
from archon.runtime.clients import default_cache_path, forget_open_caches
from archon.testing import FakeCall

Register = Callable[[str, Callable[[FakeCall], str]], str]

SYSTEM = """
name: t
nodes:
  - {id: gen, type: generate, models: [fake/a, fake/b], samples: 3}
  - {id: crit, type: critique, model: fake/a}
  - {id: rank, type: rank, model: fake/a, top_k: 3}
  - {id: fuse, type: fuse, models: [fake/a, fake/b]}
"""


def rows_on_disk(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM responses").fetchone()
    return int(count)


def test_second_identical_run_makes_zero_provider_calls(tmp_path: Path) -> None:
    system = archon.System.from_text(SYSTEM, cache=tmp_path / "cache.sqlite")
    first = system.run("What is 2 + 2?")
    calls_after_first = system.client.counters["provider_calls"]
    assert calls_after_first == first.usage.total.calls == 6 + 1 + 1 + 2
    second = system.run("What is 2 + 2?")
    assert system.client.counters["provider_calls"] == calls_after_first
    assert second.usage.total.calls == 0
    assert second.usage.total.cache_hits == first.usage.total.calls
    assert second.answer == first.answer
    assert [c.text for c in second.candidates] == [c.text for c in first.candidates]
    assert all(call["cached"] for entry in second.trace for call in entry["calls"])


def test_a_new_system_on_the_same_cache_file_pays_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    archon.System.from_text(SYSTEM, cache=path).run("q")
    # A fresh cache object (as in another process) reads what the first one wrote.
    forget_open_caches()
    again = archon.System.from_text(SYSTEM, cache=path)
    result = again.run("q")
    assert again.client.counters["provider_calls"] == 0
    assert result.usage.total.cache_hits == 10


def test_distinct_sample_indices_are_cached_separately(tmp_path: Path, fake_model: Register) -> None:
    model = fake_model("sampler", lambda c: f"sample {c.seed}")
    # Even at temperature 0 every sample is its own request and its own cache entry.
    text = f"name: t\nnodes:\n  - {{id: gen, type: generate, models: [{model}], samples: 4, temperature: 0}}\n"
    cache = ResponseCache(tmp_path / "cache.sqlite")
    first = archon.System.from_text(text, cache=cache).run("q")
    assert len(cache) == 4
    second_system = archon.System.from_text(text, cache=cache)
    second = second_system.run("q")
    assert second_system.client.counters["provider_calls"] == 0
    assert [c.text for c in second.candidates] == [c.text for c in first.candidates] == [
        f"sample {i}" for i in range(4)
    ]


def test_cache_false_bypasses_the_cache() -> None:
    system = archon.System.from_text(SYSTEM, cache=False)
    system.run("q")
    system.run("q")
    assert system.client.cache is None
    assert system.client.counters["provider_calls"] == 20
    assert system.client.counters["cache_hits"] == 0
    assert not default_cache_path().exists()


def test_default_cache_lives_under_archon_home(tmp_path: Path) -> None:
    system = archon.System.from_text("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a]}\n")
    system.run("q")
    assert system.client.cache is not None
    assert system.client.cache.path == default_cache_path().resolve()
    assert str(default_cache_path()).startswith(str(tmp_path))


def test_cache_key_covers_what_changes_the_answer() -> None:
    def key(**changes: object) -> str:
        base: dict[str, object] = {
            "model": "fake/a",
            "messages": ({"role": "user", "content": "hi"},),
            "params": {"temperature": 0.7, "max_tokens": 10},
            "sample_index": 0,
        }
        base.update(changes)
        return ModelRequest(**base).cache_key()  # type: ignore[arg-type]

    assert key() == key(params={"max_tokens": 10, "temperature": 0.7})  # order does not matter
    assert key() != key(sample_index=1)
    assert key() != key(params={"temperature": 0.2, "max_tokens": 10})
    assert key() != key(model="fake/b")
    assert key() != key(messages=({"role": "user", "content": "hello"},))
    # Secrets never enter the key (nor, therefore, decide whether a response is reused).
    assert key(params={"temperature": 0.7, "max_tokens": 10, "api_key": "sk-1"}) == key(
        params={"temperature": 0.7, "max_tokens": 10, "api_key": "sk-2"}
    )


# -- batched writes ----------------------------------------------------------------------------


def completion(text: str, latency: float = 0.001) -> Completion:
    return Completion(text, "fake/a", 3, 4, 0.0, latency)


def test_unsaved_responses_are_served_from_memory_then_written_in_one_batch(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    cache = ResponseCache(path, max_unsaved=3, max_unsaved_s=60)
    cache.put("k1", completion("one"))
    cache.put("k2", completion("two"))
    hit = cache.get("k1")
    assert hit is not None and hit.text == "one" and hit.cached
    assert (hit.prompt_tokens, hit.completion_tokens) == (3, 4)
    assert rows_on_disk(path) == 0  # still batched
    cache.put("k3", completion("three"))
    assert rows_on_disk(path) == 3  # the batch reached max_unsaved
    cache.close()


def test_a_batch_holding_a_second_of_provider_time_is_written_at_once(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    cache = ResponseCache(path, max_unsaved_s=1.0)
    cache.put("cheap", completion("cheap", latency=0.01))
    assert rows_on_disk(path) == 0
    cache.put("slow", completion("slow", latency=2.0))  # costly to redo: saved now
    assert rows_on_disk(path) == 2
    cache.close()


def test_close_and_flush_write_everything(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    cache = ResponseCache(path, max_unsaved_s=60)
    cache.put("a", completion("a"))
    cache.flush()
    assert rows_on_disk(path) == 1
    cache.put("b", completion("b"))
    assert len(cache) == 2
    cache.put("c", completion("c"))
    cache.close()
    cache.close()  # idempotent
    assert rows_on_disk(path) == 3
    # One cache object is shared per file: a closed one reopens for whoever uses it next.
    hit = cache.get("a")
    assert hit is not None and hit.text == completion("a").text
    cache.put("d", completion("d"))
    cache.close()
    assert rows_on_disk(path) == 4


def test_unsaved_responses_are_written_when_the_process_exits(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    code = (
        "import sys\n"
        "from archon.models.cache import ResponseCache\n"
        "from archon.models.types import Completion\n"
        "cache = ResponseCache(sys.argv[1], max_unsaved_s=600)\n"
        "for i in range(5):\n"
        "    cache.put(f'k{i}', Completion(f'text {i}', 'fake/a'))\n"
        "assert cache.get('k4').text == 'text 4'\n"
    )  # no close(): the exit hook writes the batch
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    reopened = ResponseCache(path)
    assert len(reopened) == 5
    hit = reopened.get("k3")
    assert hit is not None and hit.text == "text 3"
    reopened.close()


# -- calls in flight ---------------------------------------------------------------------------


def request(prompt: str, latency: float = 0.2) -> ModelRequest:
    return ModelRequest("fake/a", ({"role": "user", "content": prompt},), {"fake_latency": latency})


def test_identical_requests_in_flight_share_one_provider_call(tmp_path: Path) -> None:
    client = ModelClient(ResponseCache(tmp_path / "cache.sqlite"))

    async def both() -> list[Completion]:
        return list(await asyncio.gather(client.complete(request("same")), client.complete(request("same"))))

    first, second = asyncio.run(both())
    assert first.text == second.text
    assert client.counters["provider_calls"] == 1
    assert client.counters["shared_inflight"] == 1
    assert not first.cached and second.cached
    client.close()


def test_a_waiter_survives_the_cancellation_of_the_call_it_waits_on() -> None:
    client = ModelClient(None)

    async def scenario() -> Completion:
        owner = asyncio.create_task(client.complete(request("shared", latency=0.3)))
        await asyncio.sleep(0.05)
        waiter = asyncio.create_task(client.complete(request("shared", latency=0.3)))
        await asyncio.sleep(0.05)
        owner.cancel()  # e.g. the owner's query failed elsewhere
        with pytest.raises(asyncio.CancelledError):
            await owner
        return await waiter

    result = asyncio.run(scenario())
    assert result.text.startswith("The answer is")
    assert client.counters["provider_calls"] == 2  # the waiter made the call itself


def test_a_failed_shared_call_fails_its_waiters_too() -> None:
    client = ModelClient(None)
    bad = ModelRequest("fake/a", ({"role": "user", "content": "x"},),
                       {"fake_latency": 0.1, "fake_failure_rate": 1.0})
    client.retry = type(client.retry)(max_retries=0)

    async def both() -> list[object]:
        return list(await asyncio.gather(client.complete(bad), client.complete(bad), return_exceptions=True))

    results = asyncio.run(both())
    assert all(type(r).__name__ == "ModelCallError" for r in results)
    assert client.counters["provider_calls"] == 1


def test_an_export_includes_what_a_live_cache_still_holds_in_memory(tmp_path: Path) -> None:
    from archon.search.study.recording import export_responses

    path = tmp_path / "cache.sqlite"
    cache = ResponseCache(path, max_unsaved=100, max_unsaved_s=60)
    cache.put("k1", completion("one"))
    cache.put("k2", completion("two"))
    assert rows_on_disk(path) == 0  # a run's last responses, not yet written
    assert export_responses(path, tmp_path / "responses.jsonl") == 2
    assert len((tmp_path / "responses.jsonl").read_text().splitlines()) == 2
    cache.close()
