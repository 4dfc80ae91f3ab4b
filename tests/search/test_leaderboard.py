"""The leaderboard, from the study alone: distinct architectures best first, and how trials ended."""

from __future__ import annotations

from typing import Any

import optuna
from optuna.distributions import IntDistribution
from optuna.trial import TrialState, create_trial

from archon.search.report.leaderboard import best_trial, build_leaderboard, describe
from archon.search.report.markdown import markdown_report
from archon.search.trial.attributes import (
    DUPLICATE_ATTR,
    FINGERPRINT_ATTR,
    INFEASIBLE_ATTR,
    SEEDED_ATTR,
    SUMMARY_ATTR,
    SYSTEM_ATTR,
)

SYSTEM = {"name": "s", "nodes": [{"id": "generate_a", "type": "generate", "models": ["a"], "samples": 3},
                                 {"id": "vote", "type": "vote"}]}


def trial(study: optuna.Study, score: float | None, *, state: TrialState = TrialState.COMPLETE, calls: float = 3.0,
          fingerprint: str = "f", **attrs: Any) -> None:
    user_attrs = {SYSTEM_ATTR: SYSTEM, FINGERPRINT_ATTR: fingerprint,
                  SUMMARY_ATTR: {"score": score, "calls": calls, "tokens": 100.0, "items": 4}, **attrs}
    study.add_trial(create_trial(state=state, value=score if state == TrialState.COMPLETE else None,
                                 params={"x": 1}, distributions={"x": IntDistribution(0, 9)}, user_attrs=user_attrs))


def study_with_trials() -> optuna.Study:
    study = optuna.create_study(direction="maximize")
    trial(study, 0.5, fingerprint="a")                          # 0
    trial(study, 0.75, fingerprint="b", calls=5.0)              # 1
    trial(study, 0.75, fingerprint="c", calls=2.0)              # 2: same score, fewer calls: first
    trial(study, 0.75, fingerprint="b", **{DUPLICATE_ATTR: 1})  # 3: a repeat of 1
    trial(study, None, state=TrialState.PRUNED, fingerprint="d", **{INFEASIBLE_ATTR: "over budget"})  # 4
    trial(study, 0.25, state=TrialState.PRUNED, fingerprint="e")  # 5: pruned early
    trial(study, 0.9, fingerprint="g", **{SEEDED_ATTR: "moa"})  # 6
    study.add_trial(create_trial(state=TrialState.FAIL, params={}, distributions={}))  # 7
    return study


def test_rows_are_distinct_completed_architectures_best_first() -> None:
    board = build_leaderboard(study_with_trials(), ["score"])
    assert [r.trial for r in board.rows] == [6, 2, 1, 0]
    assert board.rows[0].seeded == "moa" and board.rows[1].seeded is None
    assert board.rows[0].architecture == "3×a → vote"
    assert dict(board.counts) == {"complete": 4, "duplicate": 1, "infeasible": 1, "pruned": 1, "fail": 1}
    assert [r.trial for r in build_leaderboard(study_with_trials(), ["score"], top=2).rows] == [6, 2]


def test_the_best_trial_is_feasible_and_ties_go_to_fewer_calls() -> None:
    study = study_with_trials()
    best = best_trial(study)
    assert best is not None and best.number == 6
    tie = optuna.create_study(direction="maximize")
    trial(tie, 0.5, fingerprint="a", calls=4.0)
    trial(tie, 0.5, fingerprint="b", calls=1.0)
    best_of_tie = best_trial(tie)
    assert best_of_tie is not None and best_of_tie.number == 1
    assert best_trial(optuna.create_study(direction="maximize")) is None


def test_describe_sketches_each_technique_in_its_own_words() -> None:
    system = {"nodes": [
        {"id": "greedy_a", "type": "generate", "models": ["a"], "samples": 1, "temperature": 0.0},
        {"id": "generate_a", "type": "generate", "models": ["a"], "samples": 8, "temperature": 0.8},
        {"id": "tests", "type": "unit_test_generate", "inputs": [], "model": "j"},
        {"id": "evaluate", "type": "unit_test_evaluate", "inputs": ["generate_a", "tests"], "mode": "execute"},
        {"id": "rank", "type": "rank", "model": "j", "top_k": 2},
        {"id": "fuse", "type": "fuse", "models": ["f", "f"]},
        {"id": "odd", "type": "no-such-technique"},
    ]}
    assert describe(system) == ("greedy a + 8×a (T 0.8) → unit tests(j) → rank(j, top 2) → fuse(2×f) → "
                                "no-such-technique")


def test_the_markdown_report_lists_the_board_and_the_trial_counts() -> None:
    study = study_with_trials()
    summary = {"search": "demo", "power_ranking": {"order": ["a"], "results": {"a": {"score": 0.5, "items": 4}}}}
    text = markdown_report(summary, build_leaderboard(study, ["score"]), "A demo search.")
    assert text.startswith("# Search `demo`\n\nA demo search.")
    assert "| 1 | 6 w | 90.0% | 3.0 | 100 | 3×a → vote |" in text
    assert "Trials: 4 completed, 1 pruned, 1 over budget (never run), 1 repeats, 1 failed." in text
