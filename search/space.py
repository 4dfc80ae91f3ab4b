"""The search space, as optuna define-by-run code that builds a system dict.

``build_system(trial, spec, ranking)`` asks the trial for each knob and returns the
same dict a system YAML holds. Because it only calls ``trial.suggest_*``, replaying
it with ``optuna.trial.FixedTrial(params)`` rebuilds any trial's architecture from
its parameters: exporting a found system needs no re-search.

Layout (the paper's linear stacks, written as a DAG):

    [greedy_<model> ...]           optionally each generator's greedy answer, first
    generate_<model> ...           one node per generator model, all reading the query
    [fusion layer 1 .. L-1]        [critique] -> [rank top_k] -> fuse (width fusers)
    final block                    [verify | unit tests | example tests | vote | confidence vote]
                                   -> [critique] -> [rank] -> [fuse x1]

With no fusion layer the final block ends with the ranker (top 1) or the stage. The generate
nodes may instead be choice_shuffle nodes (``shuffle_choices``) or one route node
(``route``: each category to the model best at it in the power ranking). The
``adaptive_vote`` stage is the whole architecture: the generators sampled until their vote is
decided. A ``cascade`` wraps whatever was built as its escalation, behind a cheap model's vote.
The dict is *canonical*: parts that cannot change the answer are left out (extra
generators when nothing aggregates them, a ranker over one candidate...), so
different parameters that mean the same system get the same fingerprint and are
evaluated once. One generate node per model keeps every model's sample indices at
0..n-1 whatever else is chosen, so architectures share generation calls in the cache.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from archon.search.spec import SearchSpec, SpaceSpec


class SuggestingTrial(Protocol):
    """What the space asks of a trial: optuna's Trial and FixedTrial both qualify."""

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int: ...

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any: ...


@dataclass
class _Builder:
    """Accumulates nodes; ``prev`` are the ids feeding the next node, ``count`` their candidates."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    prev: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, node_id: str, type_: str, outputs: int, **fields: Any) -> None:
        self.nodes.append({"id": node_id, "type": type_, "inputs": list(self.prev), **fields})
        self.prev = [node_id]
        self.count = outputs


def build_system(
    trial: SuggestingTrial, spec: SearchSpec, ranking: Sequence[str], name: str | None = None,
    skills: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
) -> dict[str, Any]:
    """The architecture the trial's parameters describe, as a system dict.

    ``ranking`` orders the models best first (the power ranking); ``select: ranked``
    takes its top K, and every list of choices follows it, so a model's position
    means the same thing in every trial. ``skills`` (``PowerRanking.skills()``: alias ->
    category -> (score, items)) is what ``route`` routes by.
    """
    built = _build(trial, spec, ranking, name, skills or {})
    return _cascaded(trial, spec, ranking, built)


def _build(trial: SuggestingTrial, spec: SearchSpec, ranking: Sequence[str], name: str | None,
           skills: Mapping[str, Mapping[str, Sequence[float]]]) -> dict[str, Any]:
    space = spec.space
    order = [a for a in ranking if a in spec.models] + [a for a in spec.models if a not in ranking]
    generators = _generators(trial, spec, order)
    samples = _int(trial, "samples", space.generators.samples)
    temperature = _choice(trial, "temperature", space.generators.temperatures)
    greedy = _choice(trial, "greedy", space.generators.greedy)
    layers = _int(trial, "fusion_layers", space.fusion.layers)
    width = _int(trial, "fusion_width", space.fusion.width, space.fusion.width_step) if layers >= 2 else 1
    fuser = _choice(trial, "fuser_model", _ordered(space.fusion.models, order)) if layers >= 1 else None
    stage = _choice(trial, "final_stage", list(space.final_stage))
    rank = _choice(trial, "rank", list(space.rank))
    top_k = _int(trial, "rank_top_k", space.rank_top_k) if rank and layers >= 1 else 1
    critique = _choice(trial, "critique", list(space.critique)) if rank or layers >= 1 else False
    uses_judge = critique or rank or stage in ("verify", "unit_test")
    judge = _choice(trial, "judge_model", _ordered(space.judge_models, order)) if uses_judge else None
    route = _choice(trial, "route", space.generators.route) and len(generators) > 1
    shuffle = _choice(trial, "shuffle_choices", space.generators.shuffle_choices) and not route
    if stage == "adaptive_vote":
        return _adaptive(trial, spec, generators, samples, temperature, name)

    b = _Builder()
    if layers == 0 and not rank and stage == "none":
        # Nothing aggregates: the answer is the first candidate of the first generator, alone.
        if route:  # ... or of the model its category is routed to
            routes = skill_routes(skills, generators, space.generators.route_min_items)
            b.nodes.append(_routed(generators, routes, 1, 0.0 if greedy else temperature,
                                   "greedy_route" if greedy else "route"))
            return _system(spec, b, generators, name)
        if greedy:
            b.nodes.append(greedy_node(generators[0], space.generators.prefill))
            return _system(spec, b, [generators[0]], name)
        generators, samples = generators[:1], 1
    confident = stage == "confidence_vote"  # its vote weighs candidates by their log-probabilities
    if route:
        routes = skill_routes(skills, generators, space.generators.route_min_items)
        firsts = [_routed(generators, routes, 1, 0.0, "greedy_route")] if greedy else []
        b.nodes.extend([*firsts, _routed(generators, routes, samples, temperature, "route")])
        b.prev, b.count = [n["id"] for n in b.nodes], samples + bool(greedy)
    else:
        gen_ids = node_ids([f"generate_{a}" for a in generators])
        firsts = [greedy_node(a, space.generators.prefill, logprobs=confident) for a in generators] if greedy else []
        b.nodes.extend(firsts)
        for node_id, alias in zip(gen_ids, generators, strict=True):
            node: dict[str, Any] = {"id": node_id, "type": "choice_shuffle" if shuffle else "generate",
                                    "models": [alias], "samples": samples, "temperature": temperature}
            if space.generators.prefill and not shuffle:
                node["prefill"] = space.generators.prefill
            if confident:
                node["logprobs"] = True
            b.nodes.append(node)
        b.prev, b.count = [n["id"] for n in firsts] + list(gen_ids), len(generators) * (samples + bool(greedy))

    for layer in range(1, layers + 1):
        last = layer == layers
        if last:
            _stage(b, stage, judge, space)
        _critique_and_rank(b, layer, critique, rank, top_k, judge)
        n = 1 if last else width
        b.add(f"fuse_{layer}", "fuse", n, models=[fuser] * n)
    if layers == 0:
        _stage(b, stage, judge, space)
        if rank and b.count > 1:
            _critique_and_rank(b, 0, critique, rank, 1, judge)

    used = list(dict.fromkeys(
        [*generators, *([fuser] if fuser and layers else []), *([judge] if judge and _uses(b, judge) else [])]
    ))
    return _system(spec, b, used, name)


def greedy_node(alias: str, prefill: str | None, *, logprobs: bool = False) -> dict[str, Any]:
    """One greedy answer (temperature 0) of ``alias``: the model alone, as the baseline runs it."""
    node: dict[str, Any] = {"id": node_ids([f"greedy_{alias}"])[0], "type": "generate", "models": [alias],
                            "samples": 1, "temperature": 0.0}
    if prefill:
        node["prefill"] = prefill
    if logprobs:
        node["logprobs"] = True
    return node


def skill_routes(skills: Mapping[str, Mapping[str, Sequence[float]]], models: Sequence[str],
                 min_items: int) -> dict[str, str]:
    """Category -> the model (of ``models``, best first) that scored best on its dev items, for
    categories with at least ``min_items`` of them; ties go to the better-ranked model. Only
    categories where that is not already the default (``models[0]``) are listed."""
    categories = sorted({c for m in models for c in skills.get(m, {})})
    routes: dict[str, str] = {}
    for category in categories:
        scored = [(skills[m][category][0], -i, m) for i, m in enumerate(models)
                  if category in skills.get(m, {}) and skills[m][category][1] >= min_items]
        if scored:
            best = max(scored)[2]
            if best != models[0]:
                routes[category] = best
    return routes


def _routed(models: list[str], routes: dict[str, str], samples: int, temperature: float,
            node_id: str) -> dict[str, Any]:
    return {"id": node_id, "type": "route", "models": list(models), "routes": routes, "default": models[0],
            "samples": samples, "temperature": temperature}


def _adaptive(trial: SuggestingTrial, spec: SearchSpec, generators: list[str], samples: int, temperature: float,
              name: str | None) -> dict[str, Any]:
    """The adaptive_vote stage: the generators sampled in rounds until their vote is decided."""
    adaptive = spec.space.adaptive
    confidence = _choice(trial, "adaptive_confidence", adaptive.confidence)
    rule = _choice(trial, "adaptive_rule", adaptive.rule)
    node: dict[str, Any] = {"id": "adaptive_vote", "type": "adaptive_vote", "models": list(generators),
                            "max_samples": samples, "min_samples": min(adaptive.min_samples, samples),
                            "step": adaptive.step, "confidence": confidence, "rule": rule,
                            "temperature": temperature}
    if spec.space.vote_extractor:
        node["extractor"] = spec.space.vote_extractor
    b = _Builder(nodes=[node])
    return _system(spec, b, list(generators), name)


def _cascaded(trial: SuggestingTrial, spec: SearchSpec, ranking: Sequence[str],
              built: dict[str, Any]) -> dict[str, Any]:
    """``built`` as the escalation of a cascade, behind a cheap model's samples, if the trial says so."""
    cascade = spec.space.cascade
    if not _choice(trial, "cascade", cascade.use):
        return built
    order = [a for a in ranking if a in spec.models] + [a for a in spec.models if a not in ranking]
    cheap = _choice(trial, "cascade_model", list(reversed(_ordered(cascade.models, order))))  # cheapest first
    samples = _int(trial, "cascade_samples", cascade.samples)
    agreement = _choice(trial, "cascade_agreement", cascade.agreement)
    space = spec.space
    first = _Builder()
    first.add("draft", "generate", samples, models=[cheap], samples=samples,
              temperature=space.generators.temperatures[0], **({"prefill": space.generators.prefill}
                                                                 if space.generators.prefill else {}))
    first.nodes[0].pop("inputs")
    checks = [n["type"] for n in built["nodes"]]
    stage = next((s for s, t in (("example_tests", "example_tests"), ("verify", "verify"),
                                  ("unit_test", "unit_test_generate")) if t in checks), "vote")
    _stage(first, stage if cascade.when != "disagree" else "vote", cheap, space)
    extractor = {"extractor": space.vote_extractor} if space.vote_extractor else {}
    node = {"id": "cascade", "type": "cascade", "when": cascade.when, "agreement": agreement, **extractor,
            "cheap": {"nodes": first.nodes}, "escalate": {"nodes": built["nodes"], "output": built["output"]}}
    aliases = spec.aliases()
    models = {cheap: aliases[cheap].model_dump(exclude_defaults=True), **built["models"]}
    return {**built, "models": models, "nodes": [node], "output": "cascade"}


def _system(spec: SearchSpec, b: _Builder, used: list[str], name: str | None) -> dict[str, Any]:
    aliases = spec.aliases()
    system: dict[str, Any] = {
        "name": name or f"{spec.name}-architecture",
        "models": {a: aliases[a].model_dump(exclude_defaults=True) for a in used},
        "nodes": b.nodes,
        "output": b.nodes[-1]["id"],
    }
    if runtime := spec.runtime.model_dump(exclude_defaults=True):
        system["runtime"] = runtime
    return system


def _stage(b: _Builder, stage: str, judge: str | None, space: SpaceSpec) -> None:
    """The evaluation stage, if any; over one candidate it cannot change the answer, so it is left out.

    Tests read only the query, so they are written (or read from the query's examples) while
    the candidates are sampled: their node takes no inputs and the evaluation reads both."""
    if stage == "none" or b.count <= 1:
        return
    timeout = {"timeout_s": space.test_timeout_s} if space.test_timeout_s else {}
    if stage == "verify":
        b.add("verify", "verify", b.count, model=judge)
    elif stage in ("vote", "confidence_vote"):
        weighting = {"weighting": "confidence"} if stage == "confidence_vote" else {}
        b.add("vote", "vote", b.count, **({"extractor": space.vote_extractor} if space.vote_extractor else {}),
              **weighting)
    elif stage == "unit_test":
        mode = space.unit_test_mode
        style = space.unit_test_style or ("code" if mode == "execute" else "natural")
        b.nodes.append({"id": "unit_tests", "type": "unit_test_generate", "inputs": [], "model": judge,
                        "style": style})
        extra = {"model": judge} if mode == "llm" else timeout
        b.prev = [*b.prev, "unit_tests"]
        b.add("unit_test_evaluate", "unit_test_evaluate", b.count, mode=mode, **extra)
    elif stage == "example_tests":
        b.nodes.append({"id": "example_tests", "type": "example_tests", "inputs": []})
        b.prev = [*b.prev, "example_tests"]
        b.add("unit_test_evaluate", "unit_test_evaluate", b.count, mode="execute", **timeout)


def _critique_and_rank(b: _Builder, layer: int, critique: bool, rank: bool, top_k: int, judge: str | None) -> None:
    suffix = f"_{layer}" if layer else ""
    ranks = rank and b.count > 1  # a ranker over one candidate makes no call and changes nothing
    if critique and (ranks or layer):
        b.add(f"critique{suffix}", "critique", b.count, model=judge)
    if ranks:
        k = min(top_k, b.count)
        b.add(f"rank{suffix}", "rank", k, model=judge, top_k=k)


def _generators(trial: SuggestingTrial, spec: SearchSpec, order: list[str]) -> list[str]:
    gen = spec.space.generators
    allowed = _ordered(gen.models, order)
    if gen.select == "ranked":
        low, high = gen.count or [1, len(allowed)]
        return allowed[: _int(trial, "generators", [low, high])]
    chosen = [a for a in allowed if _choice(trial, f"use_{a}", [False, True])]
    # An empty choice is repaired to the best-ranked model: every proposal is a valid system.
    return chosen or allowed[:1]


def _uses(b: _Builder, alias: str) -> bool:
    return any(node.get("model") == alias or alias in node.get("models", ()) for node in b.nodes)


def _ordered(allowed: Sequence[str] | None, order: list[str]) -> list[str]:
    """Allowed aliases in ranking order (all models when ``allowed`` is None)."""
    return [a for a in order if allowed is None or a in allowed]


def _int(trial: SuggestingTrial, name: str, bounds: Sequence[int], step: int = 1) -> int:
    low, high = bounds
    if low == high:  # a fixed knob is not a parameter: it would only add a dimension to model
        return low
    return trial.suggest_int(name, low, high, step=step)


def _choice(trial: SuggestingTrial, name: str, choices: Sequence[Any]) -> Any:
    if len(choices) == 1:
        return choices[0]
    return trial.suggest_categorical(name, list(choices))


def node_ids(names: list[str]) -> list[str]:
    """Valid, unique node ids from alias-based names ("generate_qwen2.5" -> "generate_qwen2_5")."""
    ids: list[str] = []
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_\-]", "_", name)
        candidate, i = base, 2
        while candidate in ids:
            candidate, i = f"{base}_{i}", i + 1
        ids.append(candidate)
    return ids
