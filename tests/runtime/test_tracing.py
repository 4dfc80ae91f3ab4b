"""OpenTelemetry spans of a run: one per query, node and model call, GenAI conventions, never a key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import archon
from archon.runtime import tracing

SYSTEM = {
    "name": "traced",
    "models": {"m": {"model": "fake/traced", "api_key_env": "TRACED_KEY", "temperature": 0.3}},
    "nodes": [{"id": "samples", "type": "generate", "models": ["m"], "samples": 2},
              {"id": "answer", "type": "fuse", "models": ["m"]}],
}


@pytest.fixture
def spans() -> Iterator[object]:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    tracing.configure(exporter)
    yield exporter
    tracing.disable()


def test_a_query_nodes_and_calls_are_nested_spans_without_keys(spans: object, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("TRACED_KEY", secret)
    result = archon.System.from_dict(SYSTEM, cache=False).run("Trace me")
    finished = spans.get_finished_spans()  # type: ignore[attr-defined]
    by_name: dict[str, list[object]] = {}
    for span in finished:
        by_name.setdefault(span.name, []).append(span)
    (query,) = by_name["archon.query"]
    nodes = by_name["archon.node samples"] + by_name["archon.node answer"]
    calls = by_name["chat fake/traced"]
    assert len(calls) == 3 and len(nodes) == 2
    assert all(n.parent.span_id == query.context.span_id for n in nodes)
    node_ids = {n.context.span_id for n in nodes}
    assert all(c.parent.span_id in node_ids for c in calls)
    assert result.trace_id == f"{query.context.trace_id:032x}"
    attributes = calls[0].attributes
    assert attributes["gen_ai.operation.name"] == "chat" and attributes["gen_ai.request.model"] == "fake/traced"
    assert attributes["gen_ai.system"] == "fake" and attributes["gen_ai.request.temperature"] in (0.7, 0.3)
    assert attributes["gen_ai.usage.output_tokens"] > 0 and attributes["archon.cached"] is False
    everything = " ".join(str(v) for span in finished for v in span.attributes.values())
    assert secret not in everything and "TRACED_KEY" not in everything


def test_tracing_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    tracing.disable()
    monkeypatch.delenv("ARCHON_OTEL", raising=False)
    monkeypatch.setenv("TRACED_KEY", "unused")
    result = archon.System.from_dict(SYSTEM, cache=False).run("Untraced")
    assert result.trace_id is None
