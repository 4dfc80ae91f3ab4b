"""How one query flows through a system, start to finish.

1. Every node becomes an asyncio task as soon as the run starts.
2. A node's task first awaits the tasks of its input nodes, so it starts the
   moment its last input is ready (nothing waits for a whole "layer").
3. It then runs its technique, whose model calls go out concurrently through the
   shared ModelClient (cache, concurrency limits, retries).
4. Its candidates (with critiques, tests and notes) become its output; its calls,
   tokens and failures are recorded in the usage and the trace.
5. The answer is the first candidate of the output node. If a node fails (every
   call it made failed), the nodes after it cannot run and the query fails with
   a ``NodeFailedError`` naming the node and the reasons.

A node with branches (cascade) runs them as sub-graphs the same way, when it asks for them
(``NodeContext.run_branch``), sharing the query's client, usage and trace.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from archon.config.graph import SystemGraph
from archon.errors import ArchonError
from archon.layers.base import NO_CONTEXT, Candidate, ItemContext, NodeInputs, NodeOutput
from archon.models.client import ModelClient
from archon.runtime import tracing
from archon.runtime.node_run import NodeRun
from archon.runtime.usage import Usage
from archon.sandbox.unit_tests import CodeRunner


@dataclass
class RunResult:
    """What one query returns: the answer, what it cost, and how it was reached."""

    query: str
    answer: str
    candidates: tuple[Candidate, ...]
    usage: Usage
    trace: list[dict[str, Any]]
    latency_s: float
    errors: list[str] = field(default_factory=list)  # calls that failed and were dropped
    error: str | None = None  # set when the whole query failed (run_many keeps going)
    trace_id: str | None = None  # the OpenTelemetry trace of this query, when tracing is on

    def calls(self) -> list[dict[str, Any]]:
        """Every call the query made (the trace's, branches included), in trace order."""
        def walk(entries: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
            for entry in entries:
                yield from entry.get("calls", ())
                for branch in (entry.get("branches") or {}).values():
                    yield from walk(branch)

        return list(walk(self.trace))

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "answer": self.answer,
            "latency_s": self.latency_s,
            "usage": self.usage.to_dict(),
            "errors": self.errors,
            "error": self.error,
            "trace": self.trace,
        }


async def run_query(
    graph: SystemGraph, query: str, client: ModelClient, sandbox: CodeRunner | None = None,
    on_token: Callable[[str], None] | None = None, context: ItemContext = NO_CONTEXT,
) -> RunResult:
    """Run one query. ``on_token``: where the output node streams its answer as it is produced,
    when that answer is the text of its one model call (``Technique.streams``). ``context``: the
    structure of the item the query comes from, for techniques that need it."""
    run = _QueryRun(query, client, sandbox, context, Usage(), [], time.perf_counter())
    with tracing.span("archon.query", {"archon.system": graph.spec.name}) as query_span:
        try:
            final, trace = await run.graph(graph, on_token=on_token)
        except ArchonError as exc:
            exc.usage = run.usage  # the calls a failed query made still cost money: callers account for them
            tracing.record_error(query_span, exc)
            raise
    answer = final.candidates[0].text if final.candidates else ""
    return RunResult(
        query=query,
        answer=answer,
        candidates=final.candidates,
        usage=run.usage,
        trace=trace,
        latency_s=time.perf_counter() - run.started,
        errors=run.errors,
        trace_id=tracing.trace_id(query_span),
    )


@dataclass
class _QueryRun:
    """What every node of one query shares, branches (sub-systems) included."""

    query: str
    client: ModelClient
    sandbox: CodeRunner | None
    context: ItemContext
    usage: Usage
    errors: list[str]
    started: float

    async def graph(self, graph: SystemGraph, *, prefix: str = "",
                    on_token: Callable[[str], None] | None = None) -> tuple[NodeOutput, list[dict[str, Any]]]:
        """Run ``graph``'s nodes (steps 1-4 above): its output and its trace. A branch's nodes are
        named ``<node>.<branch>/<its node>`` in the usage, the trace and the errors."""
        trace: dict[str, dict[str, Any]] = {}
        tasks: dict[str, asyncio.Task[NodeOutput]] = {}

        async def run_node(node_id: str) -> NodeOutput:
            technique = graph.nodes[node_id]
            inputs = NodeInputs(tuple(await asyncio.gather(*(tasks[src] for src in graph.inputs[node_id]))))
            n_in = sum(graph.max_candidates[src] for src in graph.inputs[node_id])
            streams = on_token is not None and node_id == graph.output and technique.streams(n_in)
            name = prefix + node_id
            entry: dict[str, Any] = {"node": name, "type": technique.type, "inputs": list(graph.inputs[node_id])}
            trace[node_id] = entry

            async def run_branch(branch: str) -> NodeOutput:
                output, branch_trace = await self.graph(graph.branches[node_id][branch], prefix=f"{name}.{branch}/")
                entry.setdefault("branches", {})[branch] = branch_trace
                return output

            ctx = NodeRun(name, self.query, graph, self.client, self.usage, self.sandbox,
                          on_token if streams else None, self.context, run_branch)
            node_start = time.perf_counter()
            attributes = {"archon.node.id": name, "archon.node.type": technique.type,
                          "archon.node.inputs": len(inputs.candidates)}
            with tracing.span(f"archon.node {name}", attributes) as node_span:
                try:
                    output = await technique.run(ctx, inputs)
                except Exception as exc:
                    entry["error"] = str(exc)
                    tracing.record_error(node_span, exc)
                    raise
                finally:
                    entry["elapsed_s"] = round(time.perf_counter() - node_start, 6)
                    entry["start_s"] = round(node_start - self.started, 6)
                    entry["calls"] = [dataclasses.asdict(r) for r in ctx.records]
                    self.errors.extend(f"{name}: {e}" for e in ctx.errors)
            entry["outputs"] = [_candidate_dict(c) for c in output.candidates]
            if output.tests:
                entry["tests"] = list(output.tests)
            return output

        # Node tasks are made inside the current span, so their spans (and their calls') nest under it.
        for node_id in graph.order:
            tasks[node_id] = asyncio.create_task(run_node(node_id), name=f"archon-node-{prefix}{node_id}")
        try:
            final = await tasks[graph.output]
        finally:
            # A failure upstream leaves other branches running: stop them, and collect
            # their exceptions so none is reported as "never retrieved".
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
        return final, [trace[n] for n in graph.order if n in trace]


def _candidate_dict(candidate: Candidate) -> dict[str, Any]:
    out: dict[str, Any] = {"text": candidate.text, "origin": candidate.origin, "model": candidate.model}
    if candidate.critique:
        out["critique"] = candidate.critique
    if candidate.notes:
        out["notes"] = dict(candidate.notes)
    return out
