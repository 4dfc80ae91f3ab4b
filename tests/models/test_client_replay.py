"""What a response keeps (finish reason, truncation) and a client that answers only from its cache."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

import archon
from archon.errors import ModelCallError, ReplayMiss
from archon.models.cache import ResponseCache
from archon.models.client import ModelClient
from archon.models.retry import RetryPolicy
from archon.models.types import Completion, ModelRequest

REQUEST = ModelRequest("fake/a", ({"role": "user", "content": "What is 2 + 2?"},), {"max_tokens": 50}, 0)


def test_a_replaying_client_serves_its_cache_and_refuses_anything_else(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    live = ModelClient(cache)
    recorded = asyncio.run(live.complete(REQUEST))
    replaying = ModelClient(cache, replay=True)
    assert asyncio.run(replaying.complete(REQUEST)).text == recorded.text
    other = ModelRequest("fake/a", REQUEST.messages, REQUEST.params, 1)
    with pytest.raises(ReplayMiss, match=r"the recording has no model call: fake/a, sample 1, key [0-9a-f]{12}, "
                       r"prompt starting 'What is 2 \+ 2\?'"):
        asyncio.run(replaying.complete(other))
    assert replaying.counters["provider_calls"] == 0


def test_a_replay_miss_is_not_swallowed_as_a_lost_sample(tmp_path: Path) -> None:
    system = archon.load({"name": "s", "nodes": [{"id": "g", "type": "generate", "models": ["fake/a"], "samples": 2}]},
                         client=ModelClient(ResponseCache(tmp_path / "c.sqlite"), replay=True))
    with pytest.raises(ReplayMiss):
        system.run("q")


def test_finish_reasons_are_cached_and_truncations_counted(tmp_path: Path) -> None:
    system = archon.load({"name": "s", "models": {"m": {"model": "fake/a", "max_tokens": 2}},
                          "nodes": [{"id": "g", "type": "generate", "models": ["m"], "samples": 3}]},
                         cache=tmp_path / "c.sqlite")
    first = system.run("Say something long, please.")
    assert first.usage.total.truncated == 3
    assert {c["finish_reason"] for c in first.trace[0]["calls"]} == {"length"}
    again = system.run("Say something long, please.")  # from the cache, truncations still known
    assert again.usage.total.cache_hits == 3 and again.usage.total.truncated == 3


def test_a_cache_made_before_finish_reasons_gains_the_column_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, text TEXT NOT NULL, "
                     "prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, "
                     "latency_s REAL NOT NULL, created REAL NOT NULL)")
        conn.execute("INSERT INTO responses VALUES ('k', 'fake/a', 'old text', 1, 2, 0.0, 0.1, 0.0)")
    cache = ResponseCache(path)
    old = cache.get("k")
    assert old is not None and old.text == "old text" and old.finish_reason is None and not old.truncated
    cache.put("n", Completion("new", "fake/a", finish_reason="length"))
    cache.flush()
    assert ResponseCache(path).get("n").truncated  # type: ignore[union-attr]


FAILING = ModelRequest("fake/a", REQUEST.messages, {"max_tokens": 50, "fake_failure_rate": 1.0}, 0)


def test_a_call_lost_for_good_is_recorded_and_lost_again_in_replay_but_retried_live(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    live = ModelClient(cache, retry=RetryPolicy(max_retries=0))
    with pytest.raises(ModelCallError, match="injected failure"):
        asyncio.run(live.complete(FAILING))
    # The replay fails the call as the recorded run did (that item scored what it scored), not
    # with "the recording has no model call".
    with pytest.raises(ModelCallError, match="injected failure") as replayed:
        asyncio.run(ModelClient(ResponseCache(tmp_path / "c.sqlite"), replay=True).complete(FAILING))
    assert replayed.value.model == "fake/a"
    # A live run asks the provider again: a failure may not last (a timeout under load).
    again = ModelClient(cache, retry=RetryPolicy(max_retries=0))
    with pytest.raises(ModelCallError):
        asyncio.run(again.complete(FAILING))
    assert again.counters["provider_calls"] == 1


def test_a_recording_carries_failed_calls_beside_the_responses(tmp_path: Path) -> None:
    from archon.search.study.recording import export_responses, import_responses

    cache = ResponseCache(tmp_path / "c.sqlite")
    client = ModelClient(cache, retry=RetryPolicy(max_retries=0))
    answered = asyncio.run(client.complete(REQUEST))
    with pytest.raises(ModelCallError):
        asyncio.run(client.complete(FAILING))
    cache.close()
    assert export_responses(tmp_path / "c.sqlite", tmp_path / "responses.jsonl") == 1
    lines = (tmp_path / "responses.jsonl").read_text().splitlines()
    assert len(lines) == 2 and sum('"error"' in line for line in lines) == 1
    restored = ResponseCache(tmp_path / "restored.sqlite")
    assert import_responses(tmp_path / "responses.jsonl", restored) == 1
    replaying = ModelClient(restored, replay=True)
    assert asyncio.run(replaying.complete(REQUEST)).text == answered.text
    with pytest.raises(ModelCallError, match="injected failure"):
        asyncio.run(replaying.complete(FAILING))
