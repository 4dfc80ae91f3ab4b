"""What a user gets without searching: the baselines every final evaluation runs beside the found system.

Published comparisons of automated system design find that a searched system usually does not
beat a plain, well-chosen baseline under a matched protocol. So the held-out verdict is found
minus the best of a set archon fixes, not the author:

- **each model alone**, greedy (the power ranking's systems; the one best on dev is the classic
  "best single model");
- **every preset** the techniques declare (``archon.layers.registry.presets``), built as warm start
  builds it (the largest version within the budget) over the search's models, in the search's space
  widened just enough to admit it: a preset the author did not seed, or whose stage the space does
  not list, is still a baseline;
- **compute-matched**: the best model on dev sampled N times, N = the found system's mean calls per
  query rounded up, at the found system's temperature, then the found system's own aggregation
  (its final stage, ranker and fusers). Where that is the found system itself, it says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from archon.layers.registry import presets
from archon.runtime.system import System
from archon.search.define.budget import Budget
from archon.search.define.spec import FusionSpace, SearchSpec
from archon.search.define.warm_start import NotInSpace, cheapest, choosing_trial, entry_params
from archon.search.study.power_ranking import PowerRanking, single_model_system

#: Knobs that choose which models generate and how (the compute-matched baseline sets its own).
GENERATION_KNOBS = ("generators", "samples", "temperature", "greedy", "route", "shuffle_choices", "cascade")


@dataclass(frozen=True)
class Baseline:
    name: str
    kind: str  # "model", "preset" or "compute_matched"
    system: dict[str, Any]


def model_baselines(spec: SearchSpec, ranking: PowerRanking) -> list[Baseline]:
    """Each model alone, greedy, best on dev first."""
    return [Baseline(f"{alias} alone, greedy", "model", single_model_system(spec, alias)) for alias in ranking.order]


def preset_baselines(spec: SearchSpec, ranking: Sequence[str], budget: Budget
                     ) -> tuple[list[Baseline], dict[str, str]]:
    """(each preset that fits the models and the budget, why each other one does not)."""
    built: list[Baseline] = []
    skipped: dict[str, str] = {}
    for name, wanted in presets().items():
        widened = spec.model_copy(update={"space": _admitting(spec, wanted)})
        try:
            _params, system = entry_params(wanted, widened, ranking, budget)
        except NotInSpace as exc:
            skipped[name] = str(exc)
            continue
        check = budget.check(System.load(system, cache=False).graph)
        if not check.feasible:
            skipped[name] = f"over the budget even at its smallest: {'; '.join(check.reasons)}"
            continue
        built.append(Baseline(f"preset {name}", "preset", {**system, "name": f"{spec.name}-preset-{name}"}))
    return built, skipped


def compute_matched(spec: SearchSpec, ranking: PowerRanking, found_params: Mapping[str, Any],
                    calls_per_query: float) -> Baseline:
    """The best model on dev, sampled as often as the found system calls, then the found system's
    own aggregation (see the module docstring)."""
    n = max(1, math.ceil(calls_per_query - 1e-9))
    space = spec.space
    wanted = {k: v for k, v in found_params.items() if k not in GENERATION_KNOBS and not k.startswith("use_")}
    wanted.update(generators=1, samples=n, greedy=False,
                  temperature=found_params.get("temperature", space.generators.temperatures[0]))
    wanted.update({f"use_{alias}": alias == ranking.best for alias in spec.models})
    low, high = space.generators.samples
    generators = space.generators.model_copy(update={
        "samples": [min(low, n), max(high, n)], "greedy": sorted({*space.generators.greedy, False}),
        "temperatures": sorted({*space.generators.temperatures, wanted["temperature"]}),
        "count": None if space.generators.count is None or space.generators.select != "ranked"
        else [1, space.generators.count[1]]})
    widened = spec.model_copy(update={"space": space.model_copy(update={"generators": generators})})
    widened = widened.model_copy(update={"space": _admitting(widened, wanted)})
    order = [ranking.best, *(a for a in ranking.order if a != ranking.best)]

    def choose(name: str, values: list[Any]) -> Any:
        return wanted[name] if name in wanted and wanted[name] in values else cheapest(values)

    from archon.search.define.space import build_system

    system = build_system(choosing_trial(choose), widened, order, name=f"{spec.name}-compute-matched")
    return Baseline(f"compute-matched: {ranking.best} x{n} samples, then the found system's selection",
                    "compute_matched", system)


def _admitting(spec: SearchSpec, wanted: Mapping[str, Any]) -> Any:
    """The search's space with the choices ``wanted`` names added where it lacks them."""
    space = spec.space
    update: dict[str, Any] = {}
    if "final_stage" in wanted and wanted["final_stage"] not in space.final_stage:
        update["final_stage"] = [*space.final_stage, wanted["final_stage"]]
    for knob in ("rank", "critique"):
        if knob in wanted and wanted[knob] not in getattr(space, knob):
            update[knob] = [*getattr(space, knob), wanted[knob]]
    if wanted.get("greedy") is True and True not in space.generators.greedy:
        update["generators"] = space.generators.model_copy(update={"greedy": [*space.generators.greedy, True]})
    if wanted.get("fusion_layers") not in (None, 0) and space.fusion.layers[1] == 0:
        update["fusion"] = FusionSpace()  # the space has no fusion: a fusing preset takes archon's default
    return space.model_copy(update=update) if update else space
