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
The search names no technique: the registry says which technique plays each part (the
"generator", "critic", "ranker", "fuser"... roles), which final stages ``space.final_stage`` may
list, and which wrappers may go around the whole; each builds its own nodes and asks the trial
for its own knobs (``archon.layers.searchable``).
The dict is *canonical*: parts that cannot change the answer are left out (extra
generators when nothing aggregates them, a ranker over one candidate...), so
different parameters that mean the same system get the same fingerprint and are
evaluated once. One generate node per model keeps every model's sample indices at
0..n-1 whatever else is chosen, so architectures share generation calls in the cache.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from archon.layers.base import CandidateFlow, SearchTrial, StageContext, WrapContext, choose, choose_int, in_order
from archon.layers.registry import NO_STAGE, add_stage, final_stages, role, wrappers
from archon.search.define.spec import SearchSpec


def build_system(
    trial: SearchTrial, spec: SearchSpec, ranking: Sequence[str], name: str | None = None,
    skills: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
) -> dict[str, Any]:
    """The architecture the trial's parameters describe, as a system dict.

    ``ranking`` orders the models best first (the power ranking); ``select: ranked``
    takes its top K, and every list of choices follows it, so a model's position
    means the same thing in every trial. ``skills`` (``PowerRanking.skills()``: alias ->
    category -> (score, items)) is what ``route`` routes by.
    """
    built, stage = _build(trial, spec, ranking, name, skills or {})
    order = model_order(spec, ranking)
    models = {a: c.model_dump(exclude_defaults=True) for a, c in spec.aliases().items()}
    for wrapper in wrappers():
        built = wrapper.wrap(WrapContext(trial, spec.space, order, models, stage), built)
    return built


def model_order(spec: SearchSpec, ranking: Sequence[str]) -> list[str]:
    """The search's aliases, best-ranked first (unranked ones last, as listed)."""
    return [a for a in ranking if a in spec.models] + [a for a in spec.models if a not in ranking]


def _build(trial: SearchTrial, spec: SearchSpec, ranking: Sequence[str], name: str | None,
           skills: Mapping[str, Mapping[str, Sequence[float]]]) -> tuple[dict[str, Any], str | None]:
    """(the architecture before any wrapper, the final stage it ended with)."""
    space = spec.space
    order = model_order(spec, ranking)
    generators = _generators(trial, spec, order)
    samples = choose_int(trial, "samples", space.generators.samples)
    temperature = choose(trial, "temperature", space.generators.temperatures)
    greedy = choose(trial, "greedy", space.generators.greedy)
    layers = choose_int(trial, "fusion_layers", space.fusion.layers)
    width = choose_int(trial, "fusion_width", space.fusion.width, space.fusion.width_step) if layers >= 2 else 1
    fuser = choose(trial, "fuser_model", in_order(space.fusion.models, order)) if layers >= 1 else None
    stage_name = choose(trial, "final_stage", list(space.final_stage))
    stage = final_stages().get(stage_name)
    rank = choose(trial, "rank", list(space.rank))
    top_k = choose_int(trial, "rank_top_k", space.rank_top_k) if rank and layers >= 1 else 1
    critique = choose(trial, "critique", list(space.critique)) if rank or layers >= 1 else False
    uses_judge = critique or rank or (stage is not None and stage.uses_judge)
    judge = choose(trial, "judge_model", in_order(space.judge_models, order)) if uses_judge else None
    route = choose(trial, "route", space.generators.route) and len(generators) > 1
    shuffle = choose(trial, "shuffle_choices", space.generators.shuffle_choices) and not route
    stage_ctx = StageContext(trial, space, judge)
    if stage is not None and (whole := stage.whole(stage_name, stage_ctx, generators, samples, temperature)):
        return _system(spec, CandidateFlow(nodes=whole), list(generators), name), stage_name

    router = role("router")
    prefill = space.generators.prefill
    b = CandidateFlow()
    if layers == 0 and not rank and stage_name == NO_STAGE:
        # Nothing aggregates: the answer is the first candidate of the first generator, alone.
        if route:  # ... or of the model its category is routed to
            routes = skill_routes(skills, generators, space.generators.route_min_items)
            b.nodes.append(router.node("greedy_route" if greedy else "route", generators, routes, samples=1,
                                       temperature=0.0 if greedy else temperature))
            return _system(spec, b, generators, name), None
        if greedy:
            b.nodes.append(greedy_node(generators[0], prefill))
            return _system(spec, b, [generators[0]], name), None
        generators, samples = generators[:1], 1
    logprobs = stage is not None and stage.logprobs(stage_name)  # e.g. a vote weighing candidates by them
    if route:
        routes = skill_routes(skills, generators, space.generators.route_min_items)
        firsts = [router.node("greedy_route", generators, routes, samples=1, temperature=0.0)] if greedy else []
        b.nodes.extend([*firsts, router.node("route", generators, routes, samples=samples, temperature=temperature)])
        b.prev, b.count = [n["id"] for n in b.nodes], samples + bool(greedy)
    else:
        _add_generators(b, generators, samples, temperature, prefill, greedy=greedy, shuffle=shuffle,
                        logprobs=logprobs)
    _add_aggregation(b, stage_name, stage_ctx, layers, width, fuser, critique, rank, top_k, judge)
    used = list(dict.fromkeys(
        [*generators, *([fuser] if fuser and layers else []), *([judge] if judge and _uses(b, judge) else [])]
    ))
    return _system(spec, b, used, name), b.stage


def _add_generators(b: CandidateFlow, generators: list[str], samples: int, temperature: float, prefill: str | None,
                    *, greedy: bool, shuffle: bool, logprobs: bool) -> None:
    """Each generator's greedy answer first (if asked), then one sampling node per model: a model's
    sample indices stay 0..n-1 whatever else is chosen, so architectures share calls in the cache."""
    gen_ids = node_ids([f"generate_{a}" for a in generators])
    firsts = [greedy_node(a, prefill, logprobs=logprobs) for a in generators] if greedy else []
    b.nodes.extend(firsts)
    sampler = role("shuffled_generator") if shuffle else role("generator")
    for node_id, alias in zip(gen_ids, generators, strict=True):
        b.nodes.append(sampler.node(node_id, [alias], samples=samples, temperature=temperature, prefill=prefill,
                                    logprobs=logprobs))
    b.prev, b.count = [n["id"] for n in firsts] + list(gen_ids), len(generators) * (samples + bool(greedy))


def _add_aggregation(b: CandidateFlow, stage_name: str, stage_ctx: StageContext, layers: int, width: int,
                     fuser: str | None, critique: bool, rank: bool, top_k: int, judge: str | None) -> None:
    """The fusion layers ([critique] -> [rank] -> fuse), the final stage before the last of them;
    with none, the final stage, then a ranker keeping one."""
    fuse = role("fuser")
    for layer in range(1, layers + 1):
        last = layer == layers
        if last:
            add_stage(stage_name, b, stage_ctx)
        _critique_and_rank(b, layer, critique, rank, top_k, judge)
        n = 1 if last else width
        b.add_node(fuse.node(f"fuse_{layer}", [fuser] * n), n)
    if layers == 0:
        add_stage(stage_name, b, stage_ctx)
        if rank and b.count > 1:
            _critique_and_rank(b, 0, critique, rank, 1, judge)


def greedy_node(alias: str, prefill: str | None, *, logprobs: bool = False) -> dict[str, Any]:
    """One greedy answer (temperature 0) of ``alias``: the model alone, as the baseline runs it."""
    return role("generator").node(node_ids([f"greedy_{alias}"])[0], [alias], samples=1, temperature=0.0,
                                  prefill=prefill, logprobs=logprobs)


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


def _system(spec: SearchSpec, b: CandidateFlow, used: list[str], name: str | None) -> dict[str, Any]:
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


def _critique_and_rank(b: CandidateFlow, layer: int, critique: bool, rank: bool, top_k: int,
                       judge: str | None) -> None:
    suffix = f"_{layer}" if layer else ""
    ranks = rank and b.count > 1  # a ranker over one candidate makes no call and changes nothing
    if critique and (ranks or layer):
        b.add_node(role("critic").node(f"critique{suffix}", judge), b.count)
    if ranks:
        k = min(top_k, b.count)
        b.add_node(role("ranker").node(f"rank{suffix}", judge, k), k)


def _generators(trial: SearchTrial, spec: SearchSpec, order: list[str]) -> list[str]:
    gen = spec.space.generators
    allowed = in_order(gen.models, order)
    if gen.select == "ranked":
        low, high = gen.count or [1, len(allowed)]
        return allowed[: choose_int(trial, "generators", [low, high])]
    chosen = [a for a in allowed if choose(trial, f"use_{a}", [False, True])]
    # An empty choice is repaired to the best-ranked model: every proposal is a valid system.
    return chosen or allowed[:1]


def _uses(b: CandidateFlow, alias: str) -> bool:
    return any(node.get("model") == alias or alias in node.get("models", ()) for node in b.nodes)


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
