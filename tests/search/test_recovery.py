"""Trials left RUNNING by a dead process are failed and run again; a SIGKILLed search resumes."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

from archon.search.trial.attributes import OWNER_ATTR, RETRY_OF_ATTR, is_evaluated
from archon.search.trial.recovery import process_identity, recover_stale_trials
from tests.search.search_helpers import SearchFactory, fork_cli


def running_trial(study: optuna.Study, owner: dict[str, object] | None) -> optuna.trial.FrozenTrial:
    trial = study.ask()
    trial.suggest_int("x", 0, 9)
    if owner is not None:
        trial.set_user_attr(OWNER_ATTR, owner)
    return study.get_trials(deepcopy=False)[trial.number]


def dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_a_trial_of_a_dead_local_process_is_failed_and_requeued_once(tmp_path: Path) -> None:
    study = optuna.create_study(storage=f"sqlite:///{tmp_path / 's.db'}")
    dead = running_trial(study, {**process_identity(dead_pid()), "since": time.time()})
    alive = running_trial(study, {**process_identity(), "since": time.time()})
    assert recover_stale_trials(study, stale_after_s=3600) == [dead.number]
    assert recover_stale_trials(study, stale_after_s=3600) == []  # only one process wins the FAIL
    states = {t.number: t.state for t in study.trials}
    assert states[dead.number] == TrialState.FAIL and states[alive.number] == TrialState.RUNNING
    (retry,) = study.get_trials(states=(TrialState.WAITING,))
    assert retry.user_attrs[RETRY_OF_ATTR] == dead.number
    assert retry.system_attrs["fixed_params"] == dead.params


def test_a_remote_trial_is_stale_only_after_its_heartbeat_stops(tmp_path: Path) -> None:
    study = optuna.create_study(storage=f"sqlite:///{tmp_path / 's.db'}")
    remote = {"host": "another-machine", "pid": 1, "started": None}
    fresh = running_trial(study, {**remote, "since": time.time()})
    silent = running_trial(study, {**remote, "since": time.time() - 600})
    assert recover_stale_trials(study, stale_after_s=120) == [silent.number]
    assert study.trials[fresh.number].state == TrialState.RUNNING


def mid_run(trials: list[optuna.trial.FrozenTrial]) -> bool:
    """At least 2 trials finished and one evaluating."""
    finished = [t for t in trials if is_evaluated(t)]
    return len(finished) >= 2 and any(t.state == TrialState.RUNNING and t.params for t in trials)


def test_sigkilled_search_resumes_without_losing_a_finished_trial(make_search: SearchFactory, tmp_path: Path) -> None:
    slow = {"model": "fake/slow", "extra": {"fake_latency": 0.1}}
    path = make_search(models={"a": slow, "b": {**slow, "model": "fake/slow2"}}, budget={"max_calls": 6},
                       space={"generators": {"count": [1, 2]}},
                       search={"n_trials": 5, "batch_size": 4, "sampler": "random", "stale_after_s": 300})
    run_dir = tmp_path / "run"
    argv = ["search", str(path), "--run-dir", str(run_dir), "--no-final"]
    proc = fork_cli(argv, tmp_path / "first.log")
    storage: optuna.storages.BaseStorage | None = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.1)
        assert proc.is_alive(), (tmp_path / "first.log").read_text()
        if storage is None:
            if not (run_dir / "run.json").exists():  # written once the study exists
                continue
            storage = optuna.storages.RDBStorage(f"sqlite:///{run_dir / 'study.db'}")
        try:
            trials = optuna.load_study(study_name="fake-search", storage=storage).get_trials(deepcopy=False)
        except KeyError:  # the study does not exist yet
            continue
        if not mid_run(trials):
            continue
        # Freeze the search before looking again, so that the trial seen running cannot
        # finish between the look and the kill (it did, on a loaded machine).
        os.kill(proc.pid, signal.SIGSTOP)
        if mid_run(optuna.load_study(study_name="fake-search", storage=storage).get_trials(deepcopy=False)):
            os.kill(proc.pid, signal.SIGKILL)
            proc.join()
            break
        os.kill(proc.pid, signal.SIGCONT)
    else:
        raise AssertionError("the search never had 2 finished trials and 1 running")
    assert proc.exitcode == -signal.SIGKILL
    assert storage is not None
    trials = optuna.load_study(study_name="fake-search", storage=storage).get_trials(deepcopy=False)
    before = {t.number: (t.state, t.values, t.params) for t in trials if t.state.is_finished()}
    killed = [t for t in trials if t.state == TrialState.RUNNING]
    assert killed, "the killed process left no RUNNING trial"

    rerun = fork_cli(argv, tmp_path / "rerun.log")  # the same command again
    rerun.join(120)
    log = (tmp_path / "rerun.log").read_text()
    assert rerun.exitcode == 0, log
    assert "left running by a process that died" in log
    study = optuna.load_study(study_name="fake-search", storage=storage)
    after = {t.number: t for t in study.get_trials(deepcopy=False)}
    for number, (state, values, params) in before.items():  # nothing finished was lost or changed
        assert (after[number].state, after[number].values, after[number].params) == (state, values, params)
    for dead in killed:
        assert after[dead.number].state == TrialState.FAIL
        retries = [t for t in after.values() if t.user_attrs.get(RETRY_OF_ATTR) == dead.number]
        # Killed while suggesting, it may hold only its first parameters: those are kept.
        assert len(retries) == 1 and retries[0].state.is_finished()
        assert dead.params.items() <= retries[0].params.items()
    assert not [t for t in after.values() if t.state == TrialState.RUNNING]
    assert sum(is_evaluated(t) for t in after.values()) == 5
