"""Two workers that draw the same architecture at once evaluate it once: the later one waits for
the one evaluating, then copies its result (or evaluates itself if that one did not complete)."""

from __future__ import annotations

import threading
import time

import optuna

from archon.search.trial.attributes import EVALUATING_ATTR, FINGERPRINT_ATTR
from archon.search.trial.objective import _after_twins


def study_with_twins(evaluating: bool) -> tuple[optuna.Study, optuna.Trial, optuna.Trial]:
    study = optuna.create_study()
    first, second = study.ask(), study.ask()
    for trial in (first, second):
        trial.set_user_attr(FINGERPRINT_ATTR, "same")
    if evaluating:
        first.set_user_attr(EVALUATING_ATTR, True)
    return study, first, second


def finish_later(study: optuna.Study, trial: optuna.Trial, state: optuna.trial.TrialState) -> threading.Event:
    started = threading.Event()

    def finish() -> None:
        started.wait()
        study.tell(trial, 0.75 if state == optuna.trial.TrialState.COMPLETE else None, state=state)

    threading.Thread(target=finish, daemon=True).start()
    return started


def test_a_trial_waits_for_its_twin_and_takes_the_completed_result() -> None:
    study, first, second = study_with_twins(evaluating=True)
    go = finish_later(study, first, optuna.trial.TrialState.COMPLETE)
    threading.Timer(0.2, go.set).start()
    earlier = _after_twins(second, "same", stale_after_s=300, poll_s=0.02)
    assert earlier is not None and earlier.number == first.number and earlier.values == [0.75]


def test_a_twin_that_was_pruned_leaves_the_evaluation_to_the_waiting_trial() -> None:
    study, first, second = study_with_twins(evaluating=True)
    go = finish_later(study, first, optuna.trial.TrialState.PRUNED)
    threading.Timer(0.2, go.set).start()
    assert _after_twins(second, "same", stale_after_s=300, poll_s=0.02) is None


def test_the_lower_numbered_of_two_deciding_twins_does_not_wait() -> None:
    _study, first, _second = study_with_twins(evaluating=False)
    started = time.monotonic()
    assert _after_twins(first, "same", stale_after_s=300, poll_s=5) is None  # it would wait 5 s per poll
    assert time.monotonic() - started < 5
