"""The adaptive techniques as search knobs: adaptive vote, confidence vote, choice shuffle,
route (by the power ranking's per-category skill) and cascade build valid systems."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import optuna
import yaml

import archon
from archon.runtime.estimate import estimate_cost
from archon.search import build_system, load_search_spec, run_search
from archon.search.define.enumeration import system_key
from archon.search.define.space import skill_routes
from tests.search.search_helpers import BASE_SEARCH, merge

RANKING = ["b", "a", "c"]
ADAPTIVE = merge(BASE_SEARCH, {"space": {
    "generators": {"count": [1, 2], "samples": [1, 6], "greedy": [False, True],
                   "shuffle_choices": [False, True], "route": [False, True]},
    "fusion": {"layers": [0, 1], "width": [2, 2]},
    "final_stage": ["none", "vote", "confidence_vote", "adaptive_vote", "verify"],
    "adaptive": {"confidence": [0.8, 0.95], "rule": ["majority", "final_vote"], "min_samples": 3},
    "cascade": {"use": [False, True], "samples": [2, 4], "agreement": [0.5, 1.0]},
}, "budget": {"max_calls": 40}})
SKILLS = {"b": {"law": [0.2, 5], "math": [0.9, 5]}, "a": {"law": [0.8, 5], "math": [0.9, 5], "art": [1.0, 1]}}


def spec_of(data: dict[str, Any]) -> Any:
    return load_search_spec(data)[0]


def fixed(**params: Any) -> optuna.trial.FixedTrial:
    base = {"generators": 2, "samples": 4, "temperature": 0.7, "greedy": False, "fusion_layers": 0,
            "final_stage": "vote", "rank": False, "route": False, "shuffle_choices": False, "cascade": False}
    return optuna.trial.FixedTrial({**base, **params})


def test_every_architecture_of_an_adaptive_space_is_a_valid_system() -> None:
    spec = spec_of(ADAPTIVE)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    systems: list[dict[str, Any]] = []

    def objective(trial: optuna.Trial) -> float:
        systems.append(build_system(trial, spec, RANKING, skills=SKILLS))
        return 0.0

    study.optimize(objective, n_trials=200)
    kinds = {n["type"] for s in systems for n in s["nodes"]}
    assert {"adaptive_vote", "cascade", "route", "choice_shuffle", "vote"} <= kinds
    assert len({system_key(s) for s in systems}) > 60
    for system in systems:
        archon.System.load(system, cache=False)  # raises ConfigErrors on any rule broken
    for trial in study.trials:  # exported architectures are rebuilt from their parameters alone
        assert build_system(optuna.trial.FixedTrial(trial.params), spec, RANKING, skills=SKILLS) \
            == systems[trial.number]


def test_the_adaptive_stage_samples_up_to_the_trials_samples() -> None:
    system = build_system(fixed(final_stage="adaptive_vote", adaptive_confidence=0.8, adaptive_rule="final_vote"),
                          spec_of(ADAPTIVE), RANKING)
    [node] = system["nodes"]
    assert node["type"] == "adaptive_vote" and node["models"] == ["b", "a"]
    assert (node["max_samples"], node["min_samples"], node["confidence"], node["rule"]) == (4, 3, 0.8, "final_vote")
    loaded = archon.System.load(system, cache=False)
    assert estimate_cost(loaded.graph).calls == 8  # the budget check prices max_samples per model


def test_the_confidence_vote_asks_its_generators_for_logprobs() -> None:
    system = build_system(fixed(final_stage="confidence_vote", greedy=True), spec_of(ADAPTIVE), RANKING)
    generators = [n for n in system["nodes"] if n["type"] == "generate"]
    assert generators and all(n.get("logprobs") for n in generators)
    assert system["nodes"][-1]["type"] == "vote" and system["nodes"][-1]["weighting"] == "confidence"


def test_shuffled_choices_replace_the_generate_nodes() -> None:
    system = build_system(fixed(shuffle_choices=True), spec_of(ADAPTIVE), RANKING)
    assert [n["type"] for n in system["nodes"]] == ["choice_shuffle", "choice_shuffle", "vote"]


def test_skill_routes_send_a_category_to_its_best_model_on_enough_items() -> None:
    routes = skill_routes(SKILLS, ["b", "a"], min_items=3)
    # law: a is better; math: a tie goes to the better-ranked b (the default, so unlisted);
    # art: one item is too few to route by.
    assert routes == {"law": "a"}
    assert skill_routes(SKILLS, ["b", "a"], min_items=1) == {"law": "a", "art": "a"}
    assert skill_routes({}, ["b", "a"], min_items=1) == {}


def test_a_routed_architecture_uses_the_skill_routes() -> None:
    system = build_system(fixed(route=True), spec_of(ADAPTIVE), RANKING, skills=SKILLS)
    route = next(n for n in system["nodes"] if n["type"] == "route")
    assert route["routes"] == {"law": "a"} and route["default"] == "b" and route["samples"] == 4


def test_a_cascade_wraps_the_architecture_behind_the_cheapest_models_vote() -> None:
    spec = spec_of(ADAPTIVE)
    inner = build_system(fixed(), spec, RANKING)
    system = build_system(fixed(cascade=True, cascade_model="c", cascade_samples=3, cascade_agreement=1.0),
                          spec, RANKING)
    [node] = system["nodes"]
    assert node["type"] == "cascade" and node["agreement"] == 1.0
    assert node["escalate"] == {"nodes": inner["nodes"], "output": inner["output"]}
    draft = node["cheap"]["nodes"][0]
    assert draft["models"] == ["c"] and draft["samples"] == 3
    assert set(system["models"]) == {"a", "b", "c"}
    # The cheapest model is offered first, so TPE's first guesses are the cheap ones.
    study = optuna.create_study()
    study.enqueue_trial({"cascade": True})
    trial = study.ask()
    build_system(trial, spec, RANKING)
    assert trial.distributions["cascade_model"].choices == ("c", "a", "b")
    loaded = archon.System.load(system, cache=False)
    assert estimate_cost(loaded.graph).calls == 3 + 8 + 0  # worst case: the draft and the escalation


CATEGORIZED = """\
name: magic-cat
data: magic.jsonl
fields: {id: id, input: question, answer: answer, category: topic}
scorer: numeric
dev_fraction: 0.5
"""


def test_the_power_ranking_measures_skill_per_category(tmp_path: Path, zoo: list[str]) -> None:
    records = [{"id": f"q{i}", "question": f"Question {i}: which magic number is meant?",
                "answer": str(42 + i % 3), "topic": "even" if i % 2 == 0 else "odd"} for i in range(24)]
    (tmp_path / "magic.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "magic.yaml").write_text(CATEGORIZED)
    search = merge(BASE_SEARCH, {
        "models": {"r": "fake/right", "w": "fake/wrong"},
        "benchmark": {"name": "magic.yaml", "dev_limit": 8, "test_limit": 4},
        "space": {"generators": {"count": [1, 2], "samples": [1, 1], "route": [True]},
                  "fusion": {"layers": [0, 0]}, "final_stage": ["none"]},
        "search": {"n_trials": 2, "startup_trials": 2},
    })
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(search, sort_keys=False))
    outcome = run_search(path, run_dir=tmp_path / "run", say=lambda _m: None)
    skills = outcome.ranking.skills()
    assert set(skills["r"]) == {"even", "odd"}
    assert all(score == 1.0 for score, _n in skills["r"].values())
    assert all(score == 0.0 for score, _n in skills["w"].values())
    assert sum(n for _s, n in skills["r"].values()) == 8
