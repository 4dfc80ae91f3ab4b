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

    lines = [f"system {graph.spec.name!r}", *_node_lines(graph, "  ")]
    cost = estimate_cost(graph)
    lines.append(f"{cost.calls} model calls per query, critical path {cost.depth} call(s), "
                 f"<= ~{cost.tokens} tokens")
    if len(cost.by_model) > 1:
        for model, load in sorted(cost.by_model.items()):
            lines.append(f"  {model}: {load.calls} call(s), <= ~{load.tokens} tokens")
    return "\n".join(lines)


def _node_lines(graph: SystemGraph, indent: str) -> list[str]:
    """One line per node, in run order; a node's branches (a cascade's) indented beneath it."""
    lines = []
    for node_id in graph.order:
        src = ", ".join(graph.inputs[node_id]) or "query"
        mark = "  <- output" if node_id == graph.output else ""
        lines.append(f"{indent}[{src}] -> {_label(graph, node_id)} -> {graph.max_candidates[node_id]} cand.{mark}")
        for name, branch in graph.branches.get(node_id, {}).items():
            lines.append(f"{indent}    {name}:")
            lines.extend(_node_lines(branch, indent + "      "))
    return lines


def to_mermaid(graph: SystemGraph) -> str:
    return "\n".join(["flowchart LR", "  query([query])", *_mermaid_nodes(graph, ""),
                      f"  {graph.output} --> result([answer])"])


def _mermaid_nodes(graph: SystemGraph, prefix: str) -> list[str]:
    """Nodes and edges; a node with branches is a subgraph holding each branch as its own (a
    branch's nodes that read the query read what the subgraph was given)."""
    lines = []
    for node_id in graph.order:
        name = prefix + node_id
        if branches := graph.branches.get(node_id):
            lines.append(f'  subgraph {name}["{_label(graph, node_id)}"]')
            for branch_name, branch in branches.items():
                lines.append(f'  subgraph {name}__{branch_name}["{branch_name}"]')
                lines.extend(_mermaid_nodes(branch, f"{name}__{branch_name}__"))
                lines.append("  end")
            lines.append("  end")
        else:
            lines.append(f'  {name}["{_label(graph, node_id)}"]')
        sources = graph.inputs[node_id] or (() if prefix else ("query",))
        lines.extend(f"  {prefix}{src} --> {name}" for src in sources)
    return lines
