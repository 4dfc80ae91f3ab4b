"""Accounting per node and per model: calls, cache hits, tokens, latency; and the estimate."""

from __future__ import annotations

from pathlib import Path

import archon
from archon.models.types import Completion
from archon.runtime.estimate import estimate_cost
from archon.runtime.usage import Usage, UsageStats
from archon.testing.fake import count_tokens

SYSTEM = """
name: t
models:
  a: {model: fake/acc_a, extra: {fake_latency: 0.01}}
  b: fake/acc_b
nodes:
  - {id: gen, type: generate, models: [a, b], samples: 2}
  - {id: crit, type: critique, model: a}
  - {id: rank, type: rank, model: b, top_k: 3}
  - {id: check, type: verify, model: a}
  - {id: fuse, type: fuse, models: [a, b]}
"""


def test_usage_per_node_and_per_model(tmp_path: Path) -> None:
    system = archon.System.from_text(SYSTEM, cache=tmp_path / "cache.sqlite")
    result = system.run("How many legs has a spider?")
    usage = result.usage
    verified = len(result.trace[3]["calls"])  # 2 calls per candidate reaching verify
    assert {n: s.calls for n, s in usage.by_node.items()} == {
        "gen": 4, "crit": 1, "rank": 1, "check": verified, "fuse": 2,
    }
    assert verified == 2 * 3
    assert usage.by_model["fake/acc_a"].calls == 2 + 1 + verified + 1
    assert usage.by_model["fake/acc_b"].calls == 2 + 1 + 1
    assert usage.total.calls == sum(s.calls for s in usage.by_node.values()) == system.client.counters["provider_calls"]
    for group in (usage.by_node, usage.by_model):
        for field in ("prompt_tokens", "completion_tokens", "failures", "cache_hits"):
            assert getattr(usage.total, field) == sum(getattr(s, field) for s in group.values())
    # Tokens are what the fake provider counted for each prompt and response.
    calls = [c for entry in result.trace for c in entry["calls"]]
    assert usage.total.prompt_tokens == sum(c["prompt_tokens"] for c in calls)
    assert usage.total.completion_tokens == sum(count_tokens(c["response"]) for c in calls)
    assert usage.by_model["fake/acc_a"].latency_s >= 0.01 * usage.by_model["fake/acc_a"].calls
    assert usage.total.cost_usd == 0.0

    # Rerun: all from the cache; tokens still counted (the architecture consumed them), no latency.
    again = system.run("How many legs has a spider?").usage
    assert again.total.calls == 0 and again.total.cache_hits == usage.total.calls
    assert again.total.requests == usage.total.requests
    assert (again.total.prompt_tokens, again.total.completion_tokens) == (
        usage.total.prompt_tokens, usage.total.completion_tokens)
    assert again.total.latency_s == 0.0
    assert again.by_node["gen"].cache_hits == 4


def test_estimate_matches_the_calls_made() -> None:
    system = archon.System.from_text(SYSTEM, cache=False)
    result = system.run("q")
    estimate = estimate_cost(system.graph)
    assert estimate.calls == result.usage.total.requests == 4 + 1 + 1 + 2 * 3 + 2
    assert estimate.depth == 6


def test_usage_merge_and_dict() -> None:
    one, two = Usage(), Usage()
    one.record("gen", "fake/a", Completion("x", "fake/a", 10, 2, 0.5, 1.0))
    two.record("gen", "fake/a", Completion("y", "fake/a", 5, 1, 0.0, 0.0, cached=True))
    two.record_failure("fuse", "fake/b")
    one.merge(two)
    assert one.total == UsageStats(calls=1, cache_hits=1, failures=1, prompt_tokens=15, completion_tokens=3,
                                   cost_usd=0.5, latency_s=1.0)
    assert one.by_node["gen"].requests == 2 and one.by_node["fuse"].failures == 1
    assert one.to_dict()["by_model"]["fake/b"]["failures"] == 1
    assert set(one.to_dict()) == {"total", "by_node", "by_model"}


def test_run_result_to_dict_is_json_ready() -> None:
    import json

    result = archon.System.from_text(SYSTEM, cache=False).run("q")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["answer"] == result.answer
    assert data["usage"]["total"]["calls"] == result.usage.total.calls
    assert [e["node"] for e in data["trace"]] == ["gen", "crit", "rank", "check", "fuse"]
    assert data["error"] is None and data["errors"] == []
