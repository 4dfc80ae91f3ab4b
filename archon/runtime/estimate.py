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
    output_tokens: int = 0  # upper bound on the answer's length (a branch's, for the node running it)

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
        # More calls by model than calls: the models are alternatives (route picks one per query).
        # Each is priced as if it answered; the calls and tokens count once, at the largest.
        alternatives = unattributed < 0
        shares: list[tuple[str | None, int, int]] = [
            (ref, n, _max_tokens(graph, node_id, ref)) for ref, n in per_model.items()
        ]
        if unattributed > 0:
            shares.append((None, unattributed, _max_tokens(graph, node_id, None)))
        per_call_prompt = query_tokens + TEMPLATE_TOKENS + tech.candidates_per_call(n_in) * in_tokens
        for ref, share, max_tokens in shares:
            node_prompt, node_completion = share * per_call_prompt, share * max_tokens
            if not alternatives:
                prompt, completion = prompt + node_prompt, completion + node_completion
            if ref is not None:
                load = by_model.setdefault(graph.resolve_model(ref).model, ModelLoad())
                load.calls += share
                load.prompt_tokens += node_prompt
                load.completion_tokens += node_completion
        if alternatives:
            prompt += n_calls * per_call_prompt
            completion += n_calls * max(max_tokens for _, _, max_tokens in shares)
        call_tokens = max((max_tokens for _, _, max_tokens in shares), default=_max_tokens(graph, node_id, None))
        candidate_tokens[node_id] = tech.candidate_tokens(in_tokens, call_tokens, n_in)
        upstream = max((depth[s] for s in graph.inputs[node_id]), default=0)
        calls += n_calls
        depth[node_id] = upstream + tech.sequential_calls(n_in)
        # A node's sub-systems (cascade): priced as if every one of them ran, one after another.
        for branch in graph.branches.get(node_id, {}).values():
            sub = estimate_cost(branch, query_tokens)
            calls += sub.calls
            prompt, completion = prompt + sub.prompt_tokens, completion + sub.completion_tokens
            for model, load in sub.by_model.items():
                mine = by_model.setdefault(model, ModelLoad())
                mine.calls += load.calls
                mine.prompt_tokens += load.prompt_tokens
                mine.completion_tokens += load.completion_tokens
            depth[node_id] += sub.depth
            candidate_tokens[node_id] = max(candidate_tokens[node_id], sub.output_tokens)
    return CostEstimate(calls, prompt, completion, depth[graph.output], by_model, candidate_tokens[graph.output])


def _max_tokens(graph: SystemGraph, node_id: str, ref: str | None) -> int:
    """Completion size of one call: the node's max_tokens, else its model's, else a default."""
    tech = graph.nodes[node_id]
    own = getattr(tech.spec, "max_tokens", None)
    if own:
        return int(own)
    refs = [ref] if ref is not None else tech.model_refs()
    known = [m for m in (graph.resolve_model(r).max_tokens for r in refs) if m]
    return max(known) if known else DEFAULT_MAX_TOKENS
