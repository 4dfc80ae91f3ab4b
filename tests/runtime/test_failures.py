"""Failures: lost calls are counted and traced; a node with nothing left fails by name;
a batch of queries keeps going past a failed one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import archon
from archon.errors import NodeFailedError
from archon.testing import FakeCall

Register = Callable[[str, Callable[[FakeCall], str]], str]

FLAKY = """
name: flaky
models:
  flaky: {model: fake/flaky, extra: {fake_failure_rate: 0.3, fake_failure_mode: persistent}}
nodes:
  - {id: gen, type: generate, models: [flaky], samples: 10}
  - {id: fuse, type: fuse, models: [flaky, flaky, flaky, flaky, flaky, flaky]}
runtime: {retry_base_s: 0.001, max_retries: 2}
"""


def test_thirty_percent_persistent_failures_are_survived_counted_and_traced() -> None:
    system = archon.System.from_text(FLAKY, cache=False)
    queries = [f"Question number {i}?" for i in range(4)]
    results = system.run_many(queries, concurrency=2, progress=False)
    assert [r.error for r in results] == [None] * 4
    total_failures = 0
    for result in results:
        usage = result.usage
        assert result.answer
        # Every request either succeeded or failed for good, and each is accounted for.
        assert usage.total.calls + usage.total.failures == 10 + 6
        assert usage.by_node["gen"].calls + usage.by_node["gen"].failures == 10
        assert usage.by_node["fuse"].calls + usage.by_node["fuse"].failures == 6
        assert usage.by_model["fake/flaky"].failures == usage.total.failures
        assert len(result.trace[0]["outputs"]) == usage.by_node["gen"].calls
        failed_calls = [c for entry in result.trace for c in entry["calls"] if c["error"]]
        assert len(failed_calls) == usage.total.failures
        assert all("injected failure (503)" in c["error"] and c["response"] is None for c in failed_calls)
        assert len(result.errors) == usage.total.failures
        assert all(e.startswith(("gen: ", "fuse: ")) for e in result.errors)
        total_failures += usage.total.failures
    # About 30% of 64 requests fail; each was tried 1 + max_retries times.
    assert 8 <= total_failures <= 32, total_failures
    assert system.client.counters["failures"] == total_failures
    assert system.client.counters["retries"] == 2 * total_failures


def test_a_node_whose_every_call_fails_names_itself() -> None:
    system = archon.System.from_text("""
name: t
models:
  ok: fake/ok
  broken: {model: fake/broken, extra: {fake_failure_rate: 1.0}}
nodes:
  - {id: gen, type: generate, models: [ok], samples: 3}
  - {id: fuse, type: fuse, models: [broken]}
  - {id: final, type: fuse, models: [ok]}
runtime: {retry_base_s: 0.001, max_retries: 1}
""", cache=False)
    with pytest.raises(NodeFailedError) as info:
        system.run("q")
    assert info.value.node == "fuse"
    message = str(info.value)
    assert message.startswith("node 'fuse' produced no candidates: ")
    assert "call to 'fake/broken' failed after 2 attempt(s)" in message
    assert system.client.counters["provider_calls"] == 3 + 2  # final never ran
    assert info.value.usage.total.calls == 3 and info.value.usage.total.failures == 1


def test_advisory_nodes_degrade_instead_of_failing_the_query() -> None:
    """critique, rank and unit_test_generate only advise: when their call fails for good the
    candidates go on (critique-less, in input order, untested) and the failure is recorded."""
    system = archon.System.from_text("""
name: t
models:
  ok: fake/ok
  broken: {model: fake/broken, extra: {fake_failure_rate: 1.0}}
nodes:
  - {id: gen, type: generate, models: [ok], samples: 3}
  - {id: crit, type: critique, model: broken}
  - {id: rank, type: rank, model: broken, top_k: 2}
  - {id: tests, type: unit_test_generate, model: broken}
  - {id: judge, type: unit_test_evaluate, model: ok}
runtime: {retry_base_s: 0.001, max_retries: 0}
""", cache=False)
    result = system.run("q")
    gen_texts = [c["text"] for c in result.trace[0]["outputs"]]
    assert [c.text for c in result.candidates] == gen_texts[:2]
    assert all(c.notes["rank_parse"] == "failed" and c.notes["critique_failed"] for c in result.candidates)
    assert result.usage.total.failures == 3
    assert [e.split(":")[0] for e in result.errors] == ["crit", "rank", "tests"]


def test_a_failure_in_one_branch_stops_the_query_without_stray_tasks() -> None:
    system = archon.System.from_text("""
name: t
models:
  slow: {model: fake/slow, extra: {fake_latency: 0.3}}
  broken: {model: fake/broken2, extra: {fake_failure_rate: 1.0}}
nodes:
  - {id: gen, type: generate, models: [slow], samples: 2}
  - {id: bad, type: generate, models: [broken]}
  - {id: fuse, type: fuse, models: [slow], inputs: [gen, bad]}
runtime: {retry_base_s: 0.001, max_retries: 0}
""", cache=False)
    with pytest.raises(NodeFailedError, match="node 'bad'"):
        system.run("q")


def test_run_many_keeps_going_past_a_failing_query(fake_model: Register) -> None:
    def answer(call: FakeCall) -> str:
        if "BOOM" in call.prompt:
            raise ValueError("cannot answer that")
        return f"answer to {call.prompt.splitlines()[-1]}"

    model = fake_model("sometimes", answer)
    system = archon.System.from_text(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{model}], samples: 2}}
runtime: {{retry_base_s: 0.001, max_retries: 1}}
""", cache=False)
    queries = ["first", "BOOM", "third", "fourth"]
    results = system.run_many(queries, concurrency=2, progress=False)
    assert [r.query for r in results] == queries
    assert [r.answer for r in results] == ["answer to first", "", "answer to third", "answer to fourth"]
    assert results[1].error is not None and "node 'gen' produced no candidates" in results[1].error
    assert "cannot answer that" in results[1].error
    assert [r.error for r in results if r.query != "BOOM"] == [None, None, None]
    assert results[1].to_dict()["error"] == results[1].error
