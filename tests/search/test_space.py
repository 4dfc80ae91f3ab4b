"""The define-by-run space: every architecture is a valid system, replayable from its params."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

import archon
from archon.search import build_system, distinct_architectures, load_search_spec
from archon.search.define.enumeration import cheapest_restriction, system_key, walk
from tests.search.search_helpers import BASE_SEARCH, merge

RANKING = ["b", "a", "c"]
WIDE = merge(BASE_SEARCH, {"space": {
    "generators": {"count": [1, 3], "samples": [1, 3], "temperatures": [0.3, 0.9]},
    "fusion": {"layers": [0, 3], "width": [2, 4], "width_step": 2},
    "final_stage": ["none", "verify", "unit_test", "vote"],
    "rank_top_k": [1, 3],
}})


def spec_of(data: dict[str, Any]) -> Any:
    return load_search_spec(data)[0]


def random_systems(n: int, seed: int = 0) -> list[dict[str, Any]]:
    spec = spec_of(WIDE)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    systems: list[dict[str, Any]] = []

    def objective(trial: optuna.Trial) -> float:
        systems.append(build_system(trial, spec, RANKING))
        return 0.0

    study.optimize(objective, n_trials=n)
    return systems


def test_every_architecture_of_a_wide_space_passes_graph_validation() -> None:
    systems = random_systems(250)
    assert len({system_key(s) for s in systems}) > 150
    for system in systems:
        archon.System.load(system, cache=False)  # raises ConfigErrors on any rule broken


def test_the_wide_space_is_large_but_enumerable() -> None:
    assert len(distinct_architectures(spec_of(WIDE), RANKING, limit=3000)) > 1000


def test_fixed_trial_replays_what_a_study_trial_built() -> None:
    spec = spec_of(WIDE)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    built = {}

    def objective(trial: optuna.Trial) -> float:
        built[trial.number] = build_system(trial, spec, RANKING)
        return 0.0

    study.optimize(objective, n_trials=40)
    for trial in study.trials:
        assert build_system(optuna.trial.FixedTrial(trial.params), spec, RANKING) == built[trial.number]


def test_ranked_generators_take_the_top_k_in_ranking_order() -> None:
    spec = spec_of(WIDE)
    system = build_system(optuna.trial.FixedTrial(
        {"generators": 2, "samples": 2, "temperature": 0.3, "fusion_layers": 1, "fuser_model": "a",
         "final_stage": "none", "rank": False, "critique": False}), spec, RANKING)
    gens = [n for n in system["nodes"] if n["type"] == "generate"]
    assert [n["models"] for n in gens] == [["b"], ["a"]]
    assert all(n["samples"] == 2 and n["temperature"] == 0.3 for n in gens)
    fuse = system["nodes"][-1]
    assert fuse["type"] == "fuse" and fuse["inputs"] == ["generate_b", "generate_a"]
    assert set(system["models"]) == {"a", "b"}  # only the aliases used


def test_parts_that_cannot_change_the_answer_are_left_out() -> None:
    spec = spec_of(WIDE)
    base = {"generators": 3, "samples": 3, "temperature": 0.3, "fusion_layers": 0, "final_stage": "none",
            "rank": False}
    alone = build_system(optuna.trial.FixedTrial(base), spec, RANKING)
    # Nothing aggregates: the first sample of the best model is the answer.
    assert [n["type"] for n in alone["nodes"]] == ["generate"]
    assert alone["nodes"][0]["models"] == ["b"] and alone["nodes"][0]["samples"] == 1
    one = {**base, "generators": 1, "samples": 1, "final_stage": "verify", "judge_model": "a"}
    # A verifier (or ranker) over one candidate changes nothing.
    assert [n["type"] for n in build_system(optuna.trial.FixedTrial(one), spec, RANKING)["nodes"]] == ["generate"]


def test_final_stage_sits_before_the_last_fuser() -> None:
    spec = spec_of(WIDE)
    params = {"generators": 2, "samples": 2, "temperature": 0.3, "fusion_layers": 2, "fusion_width": 2,
              "fuser_model": "c", "final_stage": "unit_test", "rank": True, "rank_top_k": 3, "critique": True,
              "judge_model": "a"}
    nodes = build_system(optuna.trial.FixedTrial(params), spec, RANKING)["nodes"]
    assert [n["type"] for n in nodes] == [
        "generate", "generate", "critique", "rank", "fuse",
        "unit_test_generate", "unit_test_evaluate", "critique", "rank", "fuse",
    ]
    assert nodes[3]["top_k"] == 3 and nodes[8]["top_k"] == 2  # clamped to the 2 fused candidates
    assert nodes[-1]["models"] == ["c"]  # the last layer is a single fuser


def test_choice_mode_repairs_an_empty_choice_to_the_best_model() -> None:
    data = merge(WIDE, {"space": {"generators": {"select": "choice"}}})
    del data["space"]["generators"]["count"]
    spec = spec_of(data)
    params = {"use_b": False, "use_a": False, "use_c": False, "samples": 1, "temperature": 0.3,
              "fusion_layers": 0, "final_stage": "none", "rank": False}
    assert build_system(optuna.trial.FixedTrial(params), spec, RANKING)["nodes"][0]["models"] == ["b"]


def test_each_generator_model_is_its_own_node_so_samples_are_shared() -> None:
    """Sample i of a model is the same request whatever else the architecture holds."""
    for system in random_systems(200, seed=1):
        for node in system["nodes"]:
            if node["type"] == "generate":
                assert len(node["models"]) == 1


def test_walk_restricted_to_the_cheapest_corner_is_small() -> None:
    spec = spec_of(WIDE)
    cheap = list(walk(spec, RANKING, restrict=cheapest_restriction))
    assert 0 < len(cheap) < 50
    keys = {system_key(s) for _p, s in cheap}
    assert system_key(build_system(optuna.trial.FixedTrial(
        {"generators": 1, "samples": 1, "temperature": 0.3, "fusion_layers": 0, "final_stage": "none",
         "rank": False}), spec, RANKING)) in keys


@pytest.mark.parametrize("fixed", [{"fusion": {"layers": 1}}, {"generators": {"samples": 2}}])
def test_fixed_knobs_are_not_parameters(fixed: dict[str, Any]) -> None:
    spec = spec_of(merge(WIDE, {"space": fixed}))
    params, _system = next(walk(spec, RANKING))
    name = "fusion_layers" if "fusion" in fixed else "samples"
    assert name not in params
