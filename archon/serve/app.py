"""The HTTP application: systems as OpenAI-compatible chat models (FastAPI).

    POST /v1/chat/completions   a system answers the rendered messages (messages.py); stream: true
                                sends server-sent events, the final node's tokens as they come where
                                it is one model call, comment lines to keep the connection alive
    GET  /v1/models             the served systems (their names are the model ids)
    GET  /health                "ok" and the model ids
    GET  /metrics               Prometheus: requests, latency, provider calls, failures, cache hits

Every request of every system shares one model client (its cache, per-model limits and
retries, as ``archon run`` has them). ``usage`` counts the tokens of the provider calls this
request made (cache hits cost none and are counted apart, in the ``archon`` field with calls,
cost, latency and the trace id). Errors are OpenAI-style JSON, never a traceback or a key:
400 bad request or unsupported parameter, 401 bad key, 404 unknown model, 502 the providers
failed, 504 too slow. A client that goes away cancels its run, which frees its local slots.

This module imports FastAPI at once: only ``archon serve`` imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from archon.errors import ArchonError, ContextMissingError
from archon.runtime.executor import RunResult
from archon.runtime.system import System
from archon.serve.messages import ChatRequest, RequestError, parse_request, render_query
from archon.serve.metrics import Metrics

log = logging.getLogger("archon.serve")
# Anything shaped like an API key is masked in error messages (a provider may echo one back).
_KEY_LIKE = re.compile(r"\b(sk|pk|rk|key|api)[-_][A-Za-z0-9_\-]{8,}\b|\bBearer\s+\S+", re.IGNORECASE)


@dataclass
class ServeSettings:
    api_key: str | None = None  # when set, every /v1 request needs "Authorization: Bearer <key>"
    request_timeout_s: float | None = None
    trace_file: Path | None = None
    keepalive_s: float = 10.0  # a comment line this often while a streamed answer is not yet flowing


@dataclass
class Served:
    """One served system, and its variants with a request's sampling applied to the final node."""

    system: System
    variants: dict[tuple[float | None, int | None], System] = field(default_factory=dict)

    def for_request(self, request: ChatRequest) -> System:
        max_tokens = request.max_completion_tokens or request.max_tokens
        wanted = (request.temperature, max_tokens)
        if wanted == (None, None):
            return self.system
        if wanted not in self.variants:
            self.variants[wanted] = _with_final_sampling(self.system, request.temperature, max_tokens)
        return self.variants[wanted]


def _with_final_sampling(system: System, temperature: float | None, max_tokens: int | None) -> System:
    from archon.config.graph import check_graph
    from archon.layers.base import SamplingSpec

    output = system.graph.output
    index = next(i for i, node in enumerate(system.spec.nodes) if node.id == output)
    node = system.spec.nodes[index]
    if not isinstance(node, SamplingSpec):
        name = "temperature" if temperature is not None else "max_tokens"
        raise RequestError(400, f"{name} cannot apply: the system's final node ({node.id}, {node.type}) calls no "
                           "model", param=name, code="unsupported_parameter")
    changes = {k: v for k, v in (("temperature", temperature), ("max_tokens", max_tokens)) if v is not None}
    nodes = [*system.spec.nodes[:index], node.model_copy(update=changes), *system.spec.nodes[index + 1:]]
    spec = system.spec.model_copy(update={"nodes": nodes})
    variant = System(spec, check_graph(spec, system.source), system.source)
    variant._client = system.client
    variant.sandbox = system.sandbox
    return variant


def create_app(systems: list[System], settings: ServeSettings | None = None) -> FastAPI:
    """The application serving ``systems``: its error handlers, then its routes, in that order."""
    settings = settings or ServeSettings()
    served = {system.name: Served(system) for system in systems}
    metrics = Metrics()
    app = FastAPI(title="archon", docs_url=None, redoc_url=None, lifespan=_lifespan(served))
    _add_error_handlers(app)
    _add_status_routes(app, served, settings, metrics)
    _add_chat_route(app, served, settings, metrics)
    app.state.served = served
    app.state.metrics = metrics
    return app


def _lifespan(served: dict[str, Served]) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """What runs when the server stops: the caches flushed, the local engines closed."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        # Shutting down (requests in flight are done or cancelled): the cache's unsaved answers
        # reach disk, and the local engines let go of their memory and threads.
        for entry in served.values():
            if entry.system.client.cache is not None:
                entry.system.client.cache.flush()
        from archon.local.engine import close_all

        close_all()
        log.warning("archon serve: stopped; caches flushed, local engines released")

    return lifespan


def _error(exc: RequestError) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status)


def _add_error_handlers(app: FastAPI) -> None:
    """Every error as OpenAI-style JSON: refusals as they are, a malformed body a 400, anything
    else a 500 with no traceback."""

    @app.exception_handler(RequestError)
    async def refused(_request: Request, exc: RequestError) -> Response:
        return _error(exc)

    @app.exception_handler(RequestValidationError)
    async def malformed(_request: Request, exc: RequestValidationError) -> Response:
        return _error(RequestError(400, "malformed request"))

    @app.exception_handler(Exception)
    async def crashed(_request: Request, exc: Exception) -> Response:
        log.exception("internal error")  # the log has the traceback; the client never does
        return _error(RequestError(500, "internal error", kind="server_error"))


def _authorize(request: Request, settings: ServeSettings) -> None:
    """A 401 unless the request carries the API key (when one is set)."""
    if settings.api_key is None:
        return
    given = request.headers.get("authorization", "")
    if given != f"Bearer {settings.api_key}":
        raise RequestError(401, "missing or wrong API key: send Authorization: Bearer <key>",
                           kind="authentication_error", code="invalid_api_key")


def _add_status_routes(app: FastAPI, served: dict[str, Served], settings: ServeSettings, metrics: Metrics) -> None:
    """GET /health, /metrics and /v1/models."""

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "models": sorted(served)}

    @app.get("/metrics")
    async def prometheus(request: Request) -> Response:
        _authorize(request, settings)
        return PlainTextResponse(metrics.render(), media_type=metrics.content_type)

    @app.get("/v1/models")
    async def models(request: Request) -> dict[str, Any]:
        _authorize(request, settings)
        return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "archon"}
                                           for name in sorted(served)]}


def _add_chat_route(app: FastAPI, served: dict[str, Served], settings: ServeSettings, metrics: Metrics) -> None:
    """POST /v1/chat/completions: the answer as one response, or streamed as server-sent events."""

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        _authorize(request, settings)
        chat_request = _chat_request(await request.body(), served)
        system = served[chat_request.model].for_request(chat_request)
        query = render_query(chat_request.messages)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        if chat_request.stream:
            return StreamingResponse(
                _stream(system, query, chat_request, completion_id, settings, metrics, request.is_disconnected),
                media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        started = time.perf_counter()
        run = await _run(system, query, settings, request.is_disconnected, metrics, chat_request, started)
        body_out = _response(completion_id, chat_request.model, run, time.perf_counter() - started)
        _finish(settings, metrics, chat_request.model, started, run, body_out, 200)
        return JSONResponse(body_out)


def _chat_request(raw: bytes, served: dict[str, Served]) -> ChatRequest:
    """The request's body parsed, for a model served here (else a 400 or a 404)."""
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestError(400, "the request body is not valid JSON") from None
    chat_request = parse_request(body)
    if chat_request.model not in served:
        raise RequestError(404, f"model {chat_request.model!r} is not served here; served: "
                           f"{', '.join(sorted(served))}", param="model", code="model_not_found")
    return chat_request


async def _run(system: System, query: str, settings: ServeSettings, disconnected: Callable[[], Awaitable[bool]],
               metrics: Metrics, request: ChatRequest, started: float,
               on_token: Callable[[str], None] | None = None) -> RunResult:
    """The system's answer; a gone client cancels it, a slow one is a 504, failing providers a 502."""
    model = request.model
    context = request.archon.context if request.archon is not None else None
    task = asyncio.ensure_future(system.arun(query, context=context, on_token=on_token))
    deadline = None if settings.request_timeout_s is None else started + settings.request_timeout_s
    try:
        while not task.done():
            wait = 0.25 if deadline is None else max(0.0, min(0.25, deadline - time.perf_counter()))
            await asyncio.wait({task}, timeout=wait)
            if task.done():
                break
            if deadline is not None and time.perf_counter() >= deadline:
                raise RequestError(504, f"the system did not answer within {settings.request_timeout_s:g} s",
                                   kind="timeout", code="timeout")
            if await disconnected():  # nobody is waiting for this answer any more: stop it (finally)
                raise RequestError(499, "the client closed the request", kind="client_closed")
        return task.result()
    except ContextMissingError as exc:  # the request lacks what the system needs to know of the item
        metrics.request(model, 400, time.perf_counter() - started)
        raise RequestError(400, scrub(str(exc)), param="archon.context") from None
    except ArchonError as exc:
        metrics.request(model, 502, time.perf_counter() - started)
        if exc.usage is not None:  # what the failed run's calls did (the failures among them)
            metrics.usage(exc.usage)
        raise RequestError(502, f"the system failed: {scrub(str(exc))}", kind="upstream_error",
                           code="provider_failure") from None
    except RequestError as exc:
        metrics.request(model, exc.status, time.perf_counter() - started)
        raise
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _stream(system: System, query: str, request: ChatRequest, completion_id: str, settings: ServeSettings,
                  metrics: Metrics, disconnected: Callable[[], Awaitable[bool]]) -> AsyncIterator[str]:
    """Server-sent events in OpenAI's chunk format, ending with ``data: [DONE]``."""
    started = time.perf_counter()
    tokens: asyncio.Queue[str] = asyncio.Queue()
    streamed: list[str] = []
    runner = asyncio.ensure_future(_run(system, query, settings, disconnected, metrics, request, started,
                                        on_token=tokens.put_nowait))
    yield _event(_chunk(completion_id, request.model, {"role": "assistant", "content": ""}))
    try:
        while not runner.done() or not tokens.empty():
            getter = asyncio.ensure_future(tokens.get())
            waiting: set[asyncio.Future[Any]] = {getter, runner}
            await asyncio.wait(waiting, timeout=settings.keepalive_s, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                streamed.append(getter.result())
                yield _event(_chunk(completion_id, request.model, {"content": streamed[-1]}))
            else:
                getter.cancel()
                if not runner.done():
                    yield ": archon is working\n\n"  # a comment line: keeps proxies from closing the stream
        try:
            run = runner.result()
        except RequestError as exc:
            yield _event(exc.body())
            yield "data: [DONE]\n\n"
            return
        text = "".join(streamed)
        if text != run.answer:  # nothing (or something else) was streamed: the answer as one piece
            rest = run.answer[len(text):] if run.answer.startswith(text) else run.answer
            yield _event(_chunk(completion_id, request.model, {"content": rest}))
        latency = time.perf_counter() - started
        body = _response(completion_id, request.model, run, latency)
        final = _chunk(completion_id, request.model, {}, finish="stop")
        final["archon"] = body["archon"]
        yield _event(final)
        if request.stream_options is not None and request.stream_options.include_usage:
            yield _event({**_chunk(completion_id, request.model, {}), "choices": [], "usage": body["usage"]})
        yield "data: [DONE]\n\n"
        _finish(settings, metrics, request.model, started, run, body, 200)
    finally:
        if not runner.done():  # the client went away mid-stream: stop the run, free the slots
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)


def _event(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _chunk(completion_id: str, model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _response(completion_id: str, model: str, run: RunResult, latency_s: float) -> dict[str, Any]:
    usage, archon = usage_of(run, latency_s)
    return {
        "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": run.answer}, "finish_reason": "stop"}],
        "usage": usage, "archon": archon,
    }


def usage_of(run: RunResult, latency_s: float) -> tuple[dict[str, int], dict[str, Any]]:
    """OpenAI usage (the tokens of the provider calls this request made) and archon's extension."""
    calls = run.calls()
    paid = [c for c in calls if not c.get("cached") and c.get("error") is None]
    prompt = sum(int(c.get("prompt_tokens") or 0) for c in paid)
    completion = sum(int(c.get("completion_tokens") or 0) for c in paid)
    total = run.usage.total
    archon = {"calls": total.calls, "cache_hits": total.cache_hits, "failures": total.failures,
              "cached_tokens": sum(int(c.get("prompt_tokens") or 0) + int(c.get("completion_tokens") or 0)
                                   for c in calls if c.get("cached")),
              "cost_usd": total.cost_usd, "latency_s": round(latency_s, 6),
              "trace_id": run.trace_id or uuid.uuid4().hex}
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}, archon


def _finish(settings: ServeSettings, metrics: Metrics, model: str, started: float, run: RunResult,
            body: dict[str, Any], status: int) -> None:
    latency = time.perf_counter() - started
    metrics.request(model, status, latency)
    metrics.usage(run.usage)
    if settings.trace_file is not None:
        line = {"id": body["id"], "created": body["created"], "model": model, "status": status,
                "latency_s": round(latency, 6), "usage": body["usage"], "archon": body["archon"],
                "query": run.query, "answer": run.answer, "trace": run.trace}
        with settings.trace_file.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")


def scrub(message: str) -> str:
    """The message with anything shaped like an API key masked."""
    return _KEY_LIKE.sub("***", message)
