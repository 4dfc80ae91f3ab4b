"""`archon show SYSTEM`: the DAG as text or mermaid."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archon.config.graph import SystemGraph


def register(sub: Any) -> None:
    p = sub.add_parser("show", help="show a system's DAG (text, or --mermaid)")
    p.add_argument("system")
    p.add_argument("--mermaid", action="store_true", help="print a mermaid flowchart")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archon.runtime.system import System

    system = System.load(args.system, cache=False)
    print(to_mermaid(system.graph) if args.mermaid else to_text(system.graph))
    return 0


def _label(graph: SystemGraph, node_id: str) -> str:
    tech = graph.nodes[node_id]
    models = tech.model_refs()
    extra = []
    if samples := getattr(tech.spec, "samples", None):
        extra.append(f"x{samples}")
    if top_k := getattr(tech.spec, "top_k", None):
        extra.append(f"top {top_k}")
    detail = ", ".join(models + extra)
    return f"{node_id}: {tech.type}" + (f" ({detail})" if detail else "")


def to_text(graph: SystemGraph) -> str:
    from archon.runtime.estimate import estimate_cost

    lines = [f"system {graph.spec.name!r}"]
    for node_id in graph.order:
        src = ", ".join(graph.inputs[node_id]) or "query"
        mark = "  <- output" if node_id == graph.output else ""
        lines.append(f"  [{src}] -> {_label(graph, node_id)} -> {graph.max_candidates[node_id]} cand.{mark}")
    cost = estimate_cost(graph)
    lines.append(f"{cost.calls} model calls per query, critical path {cost.depth} call(s), "
                 f"<= ~{cost.tokens} tokens")
    if len(cost.by_model) > 1:
        for model, load in sorted(cost.by_model.items()):
            lines.append(f"  {model}: {load.calls} call(s), <= ~{load.tokens} tokens")
    return "\n".join(lines)


def to_mermaid(graph: SystemGraph) -> str:
    lines = ["flowchart LR", "  query([query])"]
    for node_id in graph.order:
        lines.append(f'  {node_id}["{_label(graph, node_id)}"]')
        for src in graph.inputs[node_id] or ("query",):
            lines.append(f"  {src} --> {node_id}")
    lines.append(f"  {graph.output} --> answer([answer])")
    return "\n".join(lines)
