"""OpenTelemetry spans of a run: one per query, per node and per model call.

Off unless asked for: ``ARCHON_OTEL=1`` (any command: run, eval, search, serve) exports to the
OTLP endpoint the standard ``OTEL_EXPORTER_OTLP_*`` variables name, or ``configure(exporter)``
installs one (tests use the SDK's in-memory exporter). Off, nothing of opentelemetry is
imported and a span costs one branch.

Model-call spans follow the GenAI semantic conventions (``chat {model}``, ``gen_ai.*``
attributes); query and node spans carry ``archon.*`` attributes. No attribute ever holds a
request's parameters beyond temperature and max_tokens, so no key can reach a span.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

_tracer: Any = None
_checked_env = False


def configure(exporter: Any = None) -> Any:
    """Start exporting spans: to ``exporter`` (each span as it ends), else over OTLP/HTTP (batched).
    Returns the tracer provider (its ``shutdown()`` flushes)."""
    global _tracer
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "archon"}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    _tracer = provider.get_tracer("archon")
    return provider


def disable() -> None:
    global _tracer
    _tracer = None


def tracer() -> Any:
    """The tracer, or None when tracing is off."""
    global _checked_env
    if _tracer is None and not _checked_env:
        _checked_env = True
        if os.environ.get("ARCHON_OTEL", "").strip() in ("1", "true", "yes"):
            configure()
    return _tracer


@contextlib.contextmanager
def span(name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """A span, current for its block (its children nest under it); None when tracing is off."""
    active = tracer()
    if active is None:
        yield None
        return
    with active.start_as_current_span(name, attributes={k: v for k, v in (attributes or {}).items()
                                                        if v is not None}) as current:
        yield current


def trace_id(current: Any) -> str | None:
    """The hex trace id of a span from ``span()``, or None."""
    if current is None:
        return None
    return f"{current.get_span_context().trace_id:032x}"


def call_attributes(model: str, params: Mapping[str, Any], sample_index: int) -> dict[str, Any]:
    provider = model.split("/", 1)[0] if "/" in model else ""
    return {"gen_ai.operation.name": "chat", "gen_ai.system": provider, "gen_ai.request.model": model,
            "gen_ai.request.temperature": params.get("temperature"), "gen_ai.request.max_tokens":
            params.get("max_tokens"), "archon.sample_index": sample_index}


def record_completion(current: Any, *, input_tokens: int, output_tokens: int, finish_reason: str | None,
                      cached: bool) -> None:
    if current is None:
        return
    current.set_attribute("gen_ai.usage.input_tokens", input_tokens)
    current.set_attribute("gen_ai.usage.output_tokens", output_tokens)
    if finish_reason:
        current.set_attribute("gen_ai.response.finish_reasons", (finish_reason,))
    current.set_attribute("archon.cached", cached)


def record_error(current: Any, error: BaseException) -> None:
    if current is None:
        return
    from opentelemetry.trace import Status, StatusCode

    current.set_attribute("error.type", type(error).__name__)
    current.set_status(Status(StatusCode.ERROR, str(error)[:300]))
