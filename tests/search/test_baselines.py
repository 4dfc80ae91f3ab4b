"""Every final evaluation runs the baselines a user gets without searching (each model alone, every
preset that fits, the compute-matched one), and the verdict (found minus the best of them, decided
jointly) comes first in the report, whatever it says."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import optuna

from archon.layers.registry import presets
from archon.search.report.baselines import compute_matched
from archon.search.report.final_eval import final_evaluation
from archon.search.report.leaderboard import Leaderboard
from archon.search.report.markdown import markdown_report, verdict_line
from archon.search.study.power_ranking import power_ranking
from tests.search.test_power_ranking_and_final import context, vote_of


def test_the_found_system_is_set_against_every_baseline_and_the_best_one_decides(tmp_path: Path,
                                                                                 zoo: list[str]) -> None:
    ctx = context(tmp_path, {"r": "fake/right", "w": "fake/wrong"})
    ranking = power_ranking(optuna.create_study(direction="maximize"), ctx)
    found_params = {"samples": 3, "final_stage": "vote"}
    final = final_evaluation(ctx, vote_of("fake/wrong", 3), 7, ranking, best_params=found_params)
    rows = {row["name"]: row for row in final["baselines"]}
    assert {"r alone, greedy", "w alone, greedy"} <= set(rows)
    # Every preset archon ships is a row or says why it is not (the set is archon's, not the author's).
    assert {f"preset {name}" for name in presets()} <= set(rows) | set(final["baselines_skipped"])
    matched = [row for row in final["baselines"] if row["kind"] == "compute_matched"]
    assert len(matched) == 1 and matched[0]["architecture"] == "3×r → vote"  # the best model on dev, 3 calls
    verdict = final["verdict"]
    assert verdict["baselines"] == len(rows) and not verdict["beats_all"]
    assert verdict["difference"] == -1.0 and rows[verdict["baseline"]]["score"] == 1.0
    assert rows["r alone, greedy"]["vs_found"]["difference"] == -1.0


def test_the_compute_matched_baseline_samples_the_best_model_as_often_and_keeps_the_found_selection(
        tmp_path: Path, zoo: list[str]) -> None:
    ctx = context(tmp_path, {"r": "fake/right", "w": "fake/wrong"})
    ranking = power_ranking(optuna.create_study(direction="maximize"), ctx)
    found = {"generators": 1, "samples": 2, "temperature": 0.7, "final_stage": "none"}
    baseline = compute_matched(ctx.spec, ranking, {**found, "final_stage": "vote"}, calls_per_query=5.2)
    nodes = baseline.system["nodes"]
    assert nodes[0]["models"] == ["r"] and nodes[0]["samples"] == 6 and nodes[0]["temperature"] == 0.7
    assert [n["type"] for n in nodes] == ["generate", "vote"]


def final_with(verdict: dict[str, Any]) -> dict[str, Any]:
    row = {"score": 0.8, "low": 0.7, "high": 0.9, "n": 100, "calls_per_query": 9.0, "tokens_per_query": 900.0,
           "truncated": 0, "failures": 0}
    return {"items": 100, "best": {"trial": 3, "architecture": "found", "system": "s-best", **row},
            "single": {"model": "m", **row},
            "models": {}, "same_system": False,
            "comparison": {"difference": 0.1, "low": 0.02, "high": 0.18, "n": 100, "best_better": 12,
                           "single_better": 2, "ties": 86, "significant": True},
            "baselines": [{"name": "preset example_tests", "kind": "preset", "architecture": "8×m → example_tests",
                           "same_as_found": False, **row,
                           "vs_found": {"difference": -0.03, "low": -0.08, "high": 0.01, "n": 100}}],
            "baselines_skipped": {"preset moa": "over the budget even at its smallest"},
            "verdict": {"baseline": "preset example_tests", "baselines": 3, "n": 100, **verdict}}


def test_when_a_preset_wins_the_report_says_so_first() -> None:
    final = final_with({"difference": -0.03, "low": -0.08, "high": 0.01, "beats_all": False})
    summary = {"search": "s", "final": final, "power_ranking": {"order": [], "results": {}}}
    board = Leaderboard(objectives=["score"], counts=Counter({k: 0 for k in (
        "complete", "pruned", "infeasible", "duplicate", "fail", "running", "waiting")}))
    report = markdown_report(summary, board)
    first = report.splitlines()[2]  # right under the title
    assert "does not beat what a user gets without searching" in first
    assert "found - best baseline: -3.0 points, 95% CI [-8.0, +1.0] (baseline: preset example_tests" in first
    assert "| preset example_tests | 80.0% |" in report and "not run: preset moa" in report


def test_the_verdict_says_the_search_paid_only_when_the_joint_interval_is_above_zero() -> None:
    paid = verdict_line(final_with({"difference": 0.06, "low": 0.01, "high": 0.11, "beats_all": True}))
    noise = verdict_line(final_with({"difference": 0.06, "low": -0.01, "high": 0.11, "beats_all": False}))
    assert paid is not None and paid.startswith("The search paid")
    assert noise is not None and "does not beat the best baseline beyond noise" in noise
    assert verdict_line({"comparison": {}}) is None  # a final table recorded before baselines existed
