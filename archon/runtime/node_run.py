"""One node's run within a query: what its technique sees (``archon.layers.base.NodeContext``),
and what its calls cost and returned (records for the trace, usage, errors)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archon.errors import ArchonError, NodeFailedError
from archon.layers.base import NO_CONTEXT, Call, ItemContext, NodeOutput
from archon.models.types import Completion, Message, ModelRequest, redact
from archon.runtime import tracing
from archon.runtime.usage import Usage

if TYPE_CHECKING:
    from archon.config.graph import SystemGraph
    from archon.models.client import ModelClient
    from archon.sandbox.unit_tests import CodeRunner


@dataclass
class CallRecord:
    model: str
    sample_index: int
    prompt: str
    response: str | None
    error: str | None
    cached: bool
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    params: dict[str, Any]
    finish_reason: str | None = None


class NodeRun:
    """The runtime's ``NodeContext``: a node's calls resolved through the system's model aliases
    and made with the run's client; every one recorded."""

    def __init__(
        self, node_id: str, query: str, graph: SystemGraph, client: ModelClient, usage: Usage,
        sandbox: CodeRunner | None = None, stream: Callable[[str], None] | None = None,
        context: ItemContext = NO_CONTEXT, branches: Callable[[str], Awaitable[NodeOutput]] | None = None,
    ) -> None:
        self.node_id = node_id
        self.query = query
        self.context = context
        self._branches = branches
        self.graph = graph
        self.client = client
        self.usage = usage
        self._sandbox = sandbox
        self.stream = stream  # the output node's one call streams its text here (archon serve)
        self.records: list[CallRecord] = []
        self.errors: list[str] = []

    @property
    def sandbox(self) -> CodeRunner:
        """Where generated code runs: the run's sandbox (cached for searches), else the default."""
        if self._sandbox is None:
            from archon.sandbox.default import get_sandbox

            self._sandbox = get_sandbox()
        return self._sandbox

    async def run_branch(self, name: str) -> NodeOutput:
        """Run the node's sub-system ``name`` on the query (the executor runs it)."""
        if self._branches is None:
            raise ArchonError(f"node {self.node_id!r} has no branches to run")
        return await self._branches(name)

    def request(self, call: Call) -> ModelRequest:
        cfg = self.graph.resolve_model(call.model)
        params = cfg.call_params()
        if cfg.api_key_env:
            params["api_key_env"] = cfg.api_key_env
        params.update({k: v for k, v in call.params.items() if v is not None})
        messages = (
            ({"role": "user", "content": call.prompt},) if isinstance(call.prompt, str) else tuple(call.prompt)
        )
        return ModelRequest(cfg.model, messages, params, call.sample_index, call.reply, call.logprobs)

    async def complete(self, call: Call) -> Completion:
        """Make one call; raises ``ModelCallError`` if it fails for good (recorded either way)."""
        request = self.request(call)
        start = time.perf_counter()
        attributes = tracing.call_attributes(request.model, request.params, request.sample_index)
        with tracing.span(f"chat {request.model}", attributes) as call_span:
            try:
                completion = await self.client.complete(request, on_delta=self.stream)
            except ArchonError as exc:
                tracing.record_error(call_span, exc)
                self.usage.record_failure(self.node_id, request.model)
                self.errors.append(str(exc))
                self._record(request, None, str(exc), time.perf_counter() - start)
                raise
            tracing.record_completion(call_span, input_tokens=completion.prompt_tokens,
                                      output_tokens=completion.completion_tokens,
                                      finish_reason=completion.finish_reason, cached=completion.cached)
        self.usage.record(self.node_id, request.model, completion)
        self._record(request, completion, None, completion.latency_s)
        return completion

    async def gather(self, calls: Sequence[Call], *, require_any: bool = True) -> list[Completion | None]:
        """Make calls concurrently; a failed call becomes None. If every call fails and
        ``require_any``, the node fails with the reasons."""

        async def one(call: Call) -> Completion | None:
            try:
                return await self.complete(call)
            except ArchonError:
                return None

        results = await asyncio.gather(*(one(c) for c in calls))
        if require_any and calls and all(r is None for r in results):
            raise NodeFailedError(self.node_id, self.errors)
        return list(results)

    def _record(self, request: ModelRequest, completion: Completion | None, error: str | None, latency: float) -> None:
        self.records.append(
            CallRecord(
                model=request.model,
                sample_index=request.sample_index,
                prompt=_last_prompt(request.messages),
                response=completion.text if completion else None,
                error=error,
                cached=completion.cached if completion else False,
                prompt_tokens=completion.prompt_tokens if completion else 0,
                completion_tokens=completion.completion_tokens if completion else 0,
                latency_s=latency,
                params=redact(request.params),
                finish_reason=completion.finish_reason if completion else None,
            )
        )


def item_context(context: ItemContext | Mapping[str, Any] | None) -> ItemContext:
    """A query's context from what a caller gave (a dict is checked like a config file)."""
    if context is None:
        return NO_CONTEXT
    if isinstance(context, ItemContext):
        return context
    from pydantic import ValidationError

    from archon.errors import ConfigError

    if not isinstance(context, Mapping):
        raise ConfigError("context", "", f"expected a mapping (choices, labels, category, answer_format), got "
                          f"{type(context).__name__}")
    try:
        return ItemContext.model_validate(dict(context))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        fields = ", ".join(ItemContext.model_fields)
        raise ConfigError("context", where, f"{first['msg']} (a context has: {fields})") from None


def _last_prompt(messages: Sequence[Message]) -> str:
    """The last message the model was asked to answer (not a prefilled start of its own answer)."""
    asked = [m for m in messages if m.get("role") != "assistant"] or list(messages)
    return str(asked[-1]["content"])
