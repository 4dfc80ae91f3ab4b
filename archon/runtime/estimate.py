"""Static cost of one query through a system, computed before any call is made.

Used to enforce budgets (over-budget architectures are never run) and to compare
architectures. Calls are exact for the graph's shape (upper bounds where a node may
drop candidates); tokens are upper-bound estimates: every completion as long as its
max_tokens, every prompt the query, a technique's template and the candidates it reads.
Both are also broken down per model, so a budget in USD prices each model's own tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archon.config.graph import SystemGraph

DEFAULT_MAX_TOKENS = 512  # assumed completion size when neither alias nor node sets max_tokens
TEMPLATE_TOKENS = 150  # a technique's instructions around the query and candidates


@dataclass
class ModelLoad:
    """Calls and tokens one model (a litellm model string) receives per query."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class CostEstimate:
    calls: int
    prompt_tokens: int
    completion_tokens: int
    depth: int  # model calls on the longest path: a lower bound on latency in call units
    by_model: dict[str, ModelLoad] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def estimate_cost(graph: SystemGraph, query_tokens: int = 200) -> CostEstimate:
    by_model: dict[str, ModelLoad] = {}
    depth: dict[str, int] = {}
    candidate_tokens: dict[str, int] = {}  # upper bound on one output candidate of each node
    calls = prompt = completion = 0
    for node_id in graph.order:
        tech = graph.nodes[node_id]
        n_in = sum(graph.max_candidates[src] for src in graph.inputs[node_id])
        in_tokens = max((candidate_tokens[src] for src in graph.inputs[node_id]), default=0)
        n_calls = tech.calls(n_in)
        per_model = tech.calls_by_model(n_in)
        unattributed = n_calls - sum(per_model.values())  # a technique calling no declared model
        shares: list[tuple[str | None, int, int]] = [
            (ref, n, _max_tokens(graph, node_id, ref)) for ref, n in per_model.items()
        ]
        if unattributed > 0:
            shares.append((None, unattributed, _max_tokens(graph, node_id, None)))
        for ref, share, max_tokens in shares:
            node_prompt = share * (query_tokens + TEMPLATE_TOKENS + tech.candidates_per_call(n_in) * in_tokens)
            node_completion = share * max_tokens
            prompt, completion = prompt + node_prompt, completion + node_completion
            if ref is not None:
                load = by_model.setdefault(graph.resolve_model(ref).model, ModelLoad())
                load.calls += share
                load.prompt_tokens += node_prompt
                load.completion_tokens += node_completion
        call_tokens = max((max_tokens for _, _, max_tokens in shares), default=_max_tokens(graph, node_id, None))
        candidate_tokens[node_id] = tech.candidate_tokens(in_tokens, call_tokens, n_in)
        upstream = max((depth[s] for s in graph.inputs[node_id]), default=0)
        calls += n_calls
        depth[node_id] = upstream + tech.sequential_calls(n_in)
    return CostEstimate(calls, prompt, completion, depth[graph.output], by_model)


def _max_tokens(graph: SystemGraph, node_id: str, ref: str | None) -> int:
    """Completion size of one call: the node's max_tokens, else its model's, else a default."""
    tech = graph.nodes[node_id]
    own = getattr(tech.spec, "max_tokens", None)
    if own:
        return int(own)
    refs = [ref] if ref is not None else tech.model_refs()
    known = [m for m in (graph.resolve_model(r).max_tokens for r in refs) if m]
    return max(known) if known else DEFAULT_MAX_TOKENS
