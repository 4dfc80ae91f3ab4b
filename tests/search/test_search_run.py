"""Whole searches on the fake provider, in process: results, budgets, pruning, resume."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

import archon
from archon.search import ArchitectureObjective, is_evaluated, is_infeasible, run_search, summarize
from archon.search.report import pruning
from archon.search.report.leaderboard import best_trial
from archon.search.trial.attributes import (
    DUPLICATE_ATTR,
    ESTIMATE_ATTR,
    FINGERPRINT_ATTR,
    INFEASIBLE_ATTR,
    SUMMARY_ATTR,
)
from tests.search.search_helpers import SearchFactory

ZOO_MODELS = {"r": "fake/right", "w": "fake/wrong", "a": "fake/alpha"}


def run(path: Path, tmp_path: Path, **kwargs: Any) -> Any:
    messages: list[str] = []
    outcome = run_search(path, run_dir=tmp_path / "run", say=messages.append, **kwargs)
    outcome.messages = messages
    return outcome


def trials_of(outcome: Any, *states: TrialState) -> list[optuna.trial.FrozenTrial]:
    return outcome.study.get_trials(deepcopy=False, states=states or None)


def test_search_end_to_end(make_search: SearchFactory, tmp_path: Path, zoo: list[str]) -> None:
    path = make_search(models=ZOO_MODELS, search={"n_trials": 8})
    outcome = run(path, tmp_path)
    assert outcome.ranking.order[0] == "r"
    assert outcome.ranking.results["r"]["score"] == 1.0 and outcome.ranking.results["w"]["score"] == 0.0
    assert sum(is_evaluated(t) for t in outcome.study.trials) == 8

    summary = summarize(outcome)
    best = summary["best"]
    assert best["values"][0] == 1.0
    rows = summary["leaderboard"]["rows"]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    # The exported system is a plain system file that runs on its own.
    system = archon.load(str(outcome.run_dir / "best_system.yaml"))
    assert system.run("Question 7: which magic number is meant?").answer.strip().endswith("43.")
    final = json.loads((outcome.run_dir / "final.json").read_text())
    for role in ("best", "single"):
        r = final[role]
        assert r["n"] == 8 and r["low"] <= r["score"] <= r["high"]
    assert final["single"]["model"] == "r"
    # Every model alone, greedy, on the same test items; the baseline is the best of them on dev.
    assert set(final["models"]) == set(ZOO_MODELS)
    assert final["models"]["r"]["score"] == final["single"]["score"]
    assert all(m["n"] == 8 and m["calls_per_query"] == 1.0 for m in final["models"].values())
    assert set(final["comparison"]) >= {"difference", "low", "high", "n", "significant"}
    # Results are kept per system fingerprint: the best shares its folder when it is the single model.
    folders = list((outcome.run_dir / "final").iterdir())
    assert len(folders) >= len(ZOO_MODELS) + (0 if final["same_system"] else 1)
    assert Path(summary["plots"]["optimization_history"]).stat().st_size > 1000


def test_the_report_says_when_the_best_architecture_is_the_single_model() -> None:
    from rich.console import Console

    from archon.search.report.markdown import render_final

    row = {"score": 0.2, "low": 0.05, "high": 0.5, "calls_per_query": 1.0, "failures": 0}
    final = {"items": 10, "best": {"trial": 2, **row}, "single": {"model": "qwen", **row}, "same_system": True,
             "comparison": {"difference": 0.0, "low": 0.0, "high": 0.0, "n": 10, "significant": False,
                            "best_better": 0, "single_better": 0, "ties": 10}}
    console = Console(record=True, width=120)
    render_final(final, console)
    text = console.export_text()
    assert "the best architecture is the best single model alone" in text
    assert "paired difference" not in text


def test_over_budget_architectures_are_never_run(make_search: SearchFactory, tmp_path: Path) -> None:
    path = make_search(budget={"max_calls": 4}, search={"n_trials": 6, "sampler": "random"},
                       space={"generators": {"samples": [1, 3]}, "fusion": {"layers": [0, 2]}})
    outcome = run(path, tmp_path)
    infeasible = [t for t in outcome.study.trials if is_infeasible(t)]
    assert infeasible, "the space holds many architectures over 4 calls; random search must propose some"
    for t in infeasible:
        assert t.state == TrialState.PRUNED and t.values is None
        assert t.intermediate_values == {} and SUMMARY_ATTR not in t.user_attrs  # no item was run
        assert t.user_attrs[ESTIMATE_ATTR]["calls"] > 4 and t.constraints["budget"] > 0
        assert "calls per query" in t.user_attrs[INFEASIBLE_ATTR]
    feasible = [t for t in outcome.study.trials if t.state == TrialState.COMPLETE]
    assert all(t.constraints["budget"] <= 0 for t in feasible)
    assert sum(is_evaluated(t) for t in outcome.study.trials) == 6  # over-budget ones do not count
    summary = summarize(outcome, final=False, plots=False)
    assert summary["infeasible"] == len(infeasible)
    assert summary["leaderboard"]["counts"]["infeasible"] == len(infeasible)


def test_an_over_budget_trial_makes_no_call(make_search: SearchFactory, tmp_path: Path) -> None:
    outcome = run(make_search(budget={"max_calls": 4}, search={"n_trials": 1}), tmp_path)
    objective = ArchitectureObjective(outcome.context, outcome.ranking)
    client = outcome.context.client
    before = client.counters.copy()
    params = {"generators": 3, "samples": 3, "fusion_layers": 1, "fuser_model": "a", "final_stage": "none",
              "rank": False, "critique": False}
    with pytest.raises(optuna.TrialPruned, match="over budget"):
        objective(optuna.trial.FixedTrial(params))
    assert client.counters == before  # not even a cache lookup


def test_pruner_stops_a_bad_trial_after_one_batch(make_search: SearchFactory, tmp_path: Path,
                                                  zoo: list[str]) -> None:
    space = {"generators": {"select": "choice", "count": None, "samples": 1},
             "fusion": {"layers": 0}, "rank": [False], "final_stage": ["none"]}
    path = make_search(models={"r": "fake/right", "w": "fake/wrong"}, space=space,
                       search={"n_trials": 1, "pruner": "median", "startup_trials": 2, "batch_size": 2,
                               "prune_after": 2})
    first = run(path, tmp_path)
    # Two good architectures complete, then the bad one must stop at the first report.
    first.study.enqueue_trial({"use_r": True, "use_w": False})
    first.study.enqueue_trial({"use_r": True, "use_w": True})
    first.study.enqueue_trial({"use_r": False, "use_w": True})
    outcome = run(path, tmp_path, n_trials=4)
    bad = next(t for t in outcome.study.trials if t.params == {"use_r": False, "use_w": True})
    assert bad.state == TrialState.PRUNED and not is_infeasible(bad)
    assert bad.intermediate_values == {2: 0.0}  # one batch of 2 items, then stopped
    assert bad.user_attrs[SUMMARY_ATTR]["items"] == 2
    good = [t for t in outcome.study.trials if t.state == TrialState.COMPLETE]
    assert all(set(t.intermediate_values) == {2, 4, 6, 8} for t in good if DUPLICATE_ATTR not in t.user_attrs)

    # The audit scores the pruned architecture until it can no longer beat the best (100%): its
    # first item is wrong, so one item settles it, where scoring all 8 would say the same.
    audit = pruning.audit_pruning(outcome.context, outcome.study, best_trial(outcome.study))
    rows = {row["trial"]: row for row in audit["trials"]}
    assert audit["same_best"] and rows[bad.number] == {
        "trial": bad.number, "pruned_after": 2, "partial_score": 0.0, "audited_items": 1, "at_most": 7 / 8}
    # Against a best it could still beat, it runs to the last item.
    weak_best = copy.deepcopy(best_trial(outcome.study))
    weak_best.values = [0.0]
    row = next(row for row in pruning.audit_pruning(outcome.context, outcome.study, weak_best)["trials"]
               if row["trial"] == bad.number)
    assert row["audited_items"] == 8 and row["full_score"] == 0.0 and "at_most" not in row


def test_resume_tops_up_and_reuses_the_power_ranking(make_search: SearchFactory, tmp_path: Path) -> None:
    path = make_search(search={"n_trials": 3})
    first = run(path, tmp_path)
    assert any(m.startswith("power ranking: a ") for m in first.messages)
    done = {t.number: t.values for t in trials_of(first, TrialState.COMPLETE)}
    second = run(path, tmp_path, n_trials=5)
    assert not any(m.startswith("power ranking: a ") for m in second.messages)  # reused, not recomputed
    assert second.ranking == first.ranking
    assert sum(is_evaluated(t) for t in second.study.trials) == 5
    again = {t.number: t.values for t in trials_of(second, TrialState.COMPLETE)}
    assert all(again[n] == v for n, v in done.items())
    third = run(path, tmp_path, n_trials=5)
    assert any("nothing to run" in m for m in third.messages) and third.provider_calls == 0


def test_repeated_architectures_are_reused_not_rerun(make_search: SearchFactory, tmp_path: Path) -> None:
    # One model, no fusion, no rank: 4 parameter combinations but 2 systems (the best model
    # alone, or 2 samples verified); a 3rd new architecture does not exist.
    space = {"generators": {"count": 1, "samples": [1, 2]}, "fusion": {"layers": 0}, "rank": [False],
             "final_stage": ["none", "verify"], "judge_models": ["a"]}
    outcome = run(make_search(space=space, search={"n_trials": 3, "sampler": "random"}), tmp_path)
    evaluated = [t for t in outcome.study.trials if is_evaluated(t)]
    fingerprints = [t.user_attrs[FINGERPRINT_ATTR] for t in evaluated]
    assert len(set(fingerprints)) == len(fingerprints) == 2
    repeats = [t for t in outcome.study.trials if DUPLICATE_ATTR in t.user_attrs]
    assert repeats and all(t.values is not None and SUMMARY_ATTR in t.user_attrs for t in repeats)
    assert any("already evaluated" in m for m in outcome.messages)


def test_grid_evaluates_each_distinct_architecture_once(make_search: SearchFactory, tmp_path: Path) -> None:
    space = {"generators": {"count": [1, 2], "samples": 1}, "fusion": {"layers": [0, 1], "width": 2},
             "rank": [False], "critique": [False], "final_stage": ["none"]}
    outcome = run(make_search(space=space, search={"n_trials": None, "sampler": "grid"}), tmp_path)
    # no fusion -> the best model alone; one fusion layer: 1 or 2 generators x 3 fusers
    evaluated = [t for t in outcome.study.trials if is_evaluated(t)]
    assert len(evaluated) == 7 == len({t.user_attrs[FINGERPRINT_ATTR] for t in evaluated})
    assert not outcome.study.get_trials(states=(TrialState.WAITING,))


def test_score_against_calls_gives_a_pareto_front(make_search: SearchFactory, tmp_path: Path,
                                                 zoo: list[str]) -> None:
    path = make_search(models=ZOO_MODELS, objectives=["score", "calls"], search={"n_trials": 8})
    outcome = run(path, tmp_path)
    assert [d.name for d in outcome.study.directions] == ["MAXIMIZE", "MINIMIZE"]
    summary = summarize(outcome, final=False)
    front = summary["pareto"]
    assert front and all(Path(p["path"]).exists() for p in front)
    assert [p["values"][0] for p in front] == sorted((p["values"][0] for p in front), reverse=True)
    assert Path(summary["plots"]["pareto_front"]).exists()
    assert summary["best"]["trial"] == front[0]["trial"]


def test_trials_share_one_response_cache(make_search: SearchFactory, tmp_path: Path) -> None:
    outcome = run(make_search(search={"n_trials": 8}), tmp_path)
    asked = sum(t.user_attrs[SUMMARY_ATTR]["calls"] * t.user_attrs[SUMMARY_ATTR]["items"]
                for t in outcome.study.trials if is_evaluated(t))
    paid = sum(t.user_attrs[SUMMARY_ATTR]["provider_calls"] for t in outcome.study.trials if is_evaluated(t))
    assert paid < asked  # generation calls shared between architectures were paid once
