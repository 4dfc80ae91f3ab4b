"""Trials left RUNNING by a dead process: detect them, fail them, run them again.

Optuna's own heartbeat exists only for RDB storages; the Redis journal has none.
So each running trial records who runs it (host, pid, process start time) and
refreshes a heartbeat attribute from a thread. A RUNNING trial is stale when its
owner is a process on this host that no longer exists (known at once, so a search
killed with SIGKILL and rerun picks up immediately), or when its heartbeat is older
than ``stale_after_s`` (a worker on another machine that died).

A stale trial is set to FAIL through the storage, which lets exactly one process
win that transition; the winner re-enqueues the trial's parameters as a WAITING
trial, so the architecture is evaluated once more and never twice.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from types import TracebackType
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from archon.search.trial.attributes import HEARTBEAT_ATTR, OWNER_ATTR, RETRY_OF_ATTR


def process_identity(pid: int | None = None) -> dict[str, Any]:
    pid = os.getpid() if pid is None else pid
    return {"host": socket.gethostname(), "pid": pid, "started": _process_start(pid)}


def _process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (tells a reused pid from the original), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            # Field 22; the command name (field 2) may hold spaces, so split after its ")".
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def owner_is_dead(owner: dict[str, Any]) -> bool:
    """True only when sure: the owner ran on this host and that process is gone."""
    if owner.get("host") != socket.gethostname():
        return False
    pid = int(owner.get("pid", -1))
    if pid == os.getpid():
        return False  # this very process (one of its other trials)
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, owned by someone else
    started = owner.get("started")
    return started is not None and _process_start(pid) not in (None, started)


class Heartbeat:
    """Marks the trial as owned by this process and refreshes its heartbeat until exit."""

    def __init__(self, trial: optuna.Trial, interval_s: float) -> None:
        self.trial = trial
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"archon-heartbeat-{trial.number}", daemon=True)

    def __enter__(self) -> Heartbeat:
        # The owner record carries the first beat: one write per trial start, not two.
        self.trial.set_user_attr(OWNER_ATTR, {**process_identity(), "since": time.time()})
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.trial.set_user_attr(HEARTBEAT_ATTR, time.time())
            except Exception:  # a storage hiccup must not kill the trial; the next beat retries
                continue

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # Stopped before the trial is told, so no beat lands on a finished trial.
        self._stop.set()
        self._thread.join()


def is_stale(trial: FrozenTrial, stale_after_s: float, now: float | None = None) -> bool:
    if trial.state != TrialState.RUNNING:
        return False
    owner = trial.user_attrs.get(OWNER_ATTR)
    if isinstance(owner, dict) and owner_is_dead(owner):
        return True
    last = trial.user_attrs.get(HEARTBEAT_ATTR)
    if last is None and isinstance(owner, dict):
        last = owner.get("since")
    if last is None and trial.datetime_start is not None:
        last = trial.datetime_start.timestamp()
    return last is not None and (now or time.time()) - float(last) > stale_after_s


def recover_stale_trials(study: optuna.Study, stale_after_s: float,
                         trials: list[FrozenTrial] | None = None) -> list[int]:
    """Fail every stale RUNNING trial and queue its parameters again; the failed numbers.

    ``trials``: the study's trials if the caller has just read them (saves a read)."""
    storage = study._storage  # the public Study has no way to finish another process's trial
    recovered: list[int] = []
    if trials is None:
        trials = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    for trial in trials:
        if not is_stale(trial, stale_after_s):
            continue
        try:
            # The reason first: once FAIL, the trial takes no more writes.
            storage.set_trial_user_attr(trial._trial_id, "archon:failed_reason", "its process died (stale)")
            won = storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
        except UpdateFinishedTrialError:  # finished, or another process failed it first
            continue
        if not won:
            continue
        study.enqueue_trial(trial.params, user_attrs={RETRY_OF_ATTR: trial.number}, skip_if_exists=False)
        recovered.append(trial.number)
    return recovered
