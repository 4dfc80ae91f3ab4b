"""Static cost of one query through a system, computed before any call is made.

Used to enforce budgets (over-budget architectures are never run) and to compare
architectures. Calls are exact for the graph's shape (upper bounds where a node may
drop candidates); tokens are upper-bound estimates from prompt sizes and max_tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from archon.config.graph import SystemGraph

DEFAULT_MAX_TOKENS = 512  # assumed completion size when neither alias nor node sets max_tokens
TEMPLATE_TOKENS = 150  # a technique's instructions around the query and candidates


@dataclass(frozen=True)
class CostEstimate:
    calls: int
    prompt_tokens: int
    completion_tokens: int
    depth: int  # model calls on the longest path: a lower bound on latency in call units

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def estimate_cost(graph: SystemGraph, query_tokens: int = 200) -> CostEstimate:
    calls = prompt = completion = 0
    depth: dict[str, int] = {}
    for node_id in graph.order:
        tech = graph.nodes[node_id]
        n_in = sum(graph.max_candidates[src] for src in graph.inputs[node_id])
        n_calls = tech.calls(n_in)
        max_tokens = _max_tokens(graph, node_id)
        per_call_prompt = query_tokens + TEMPLATE_TOKENS + tech.candidates_per_call(n_in) * max_tokens
        calls += n_calls
        prompt += n_calls * per_call_prompt
        completion += n_calls * max_tokens
        upstream = max((depth[s] for s in graph.inputs[node_id]), default=0)
        steps = 2 if tech.type == "verify" else (1 if n_calls else 0)
        depth[node_id] = upstream + steps
    return CostEstimate(calls, prompt, completion, depth[graph.output])


def _max_tokens(graph: SystemGraph, node_id: str) -> int:
    tech = graph.nodes[node_id]
    own = getattr(tech.spec, "max_tokens", None)
    if own:
        return int(own)
    limits = [graph.resolve_model(ref).max_tokens for ref in tech.model_refs()]
    known = [m for m in limits if m]
    return max(known) if known else DEFAULT_MAX_TOKENS
