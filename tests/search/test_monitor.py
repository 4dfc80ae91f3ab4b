"""What `archon search` shows while it runs: the monitor's status, and plain lines in a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archon.search.study.monitor import SearchMonitor, status_lines
from tests.search.search_helpers import SearchFactory


def test_monitor_lines_name_the_trial_the_best_and_the_usage() -> None:
    monitor = SearchMonitor(n_trials=10, timeout_s=None, max_usd_per_query=0.01, dev_items=5)
    monitor.start("trial 3", 5, "greedy a + 4×b → vote")
    monitor.item(1.0, usd=0.002)
    monitor.item(0.0, usd=0.002)
    text = "\n".join(status_lines(monitor.status()))
    assert "trials: 0/10 evaluated" in text
    assert "trial 3: 2/5 items, score so far 0.500  greedy a + 4×b → vote" in text
    assert "spent $0.0040 (remaining trials up to $0.5000)" in text


def test_archon_search_in_a_pipe_prints_status_lines_without_control_characters(
        make_search: SearchFactory, tmp_path: Path) -> None:
    path = make_search(search={"n_trials": 3})
    env = {**os.environ, "ARCHON_STATUS_INTERVAL_S": "0.2"}
    archon = str(Path(sys.executable).with_name("archon"))
    done = subprocess.run([archon, "search", str(path), "--run-dir", str(tmp_path / "run"), "--no-final"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    status = [line for line in done.stderr.splitlines() if line.startswith("status: ")]
    assert status, done.stderr
    assert any("trials: " in line and "calls " in line for line in status)
    assert "\x1b" not in done.stderr and "\r" not in done.stderr


def test_a_resumed_search_counts_the_trials_of_earlier_sittings() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize")
    for score in (0.5, 0.75, 0.25):
        study.add_trial(optuna.trial.create_trial(params={}, distributions={}, values=[score]))
    monitor = SearchMonitor(n_trials=10, timeout_s=None, dev_items=5)
    monitor.resume(study.get_trials(deepcopy=False))
    status = monitor.status()
    assert "trials: 3/10 evaluated; best 0.750 (trial 1)" in status_lines(status)[0]
    assert status["eta_s"] is None  # no pace yet: nothing has finished in this sitting


def test_after_the_trials_the_time_left_is_the_running_units_own_pace() -> None:
    """A final evaluation resumed at 20 of 120 items: its ETA counts this sitting's items only."""
    import time

    monitor = SearchMonitor(n_trials=2, timeout_s=60, dev_items=5)
    monitor.ended["evaluated"] = 2
    monitor.start("held-out test: best", 120, "greedy a → vote")
    for _ in range(20):
        monitor.item(None, resumed=True)
    assert monitor.status()["eta_s"] is None  # nothing new scored yet: no pace
    assert monitor.running is not None
    monitor.running.started = time.monotonic() - 50.0
    for _ in range(10):
        monitor.item(None)
    status = monitor.status()
    assert 440 <= status["eta_s"] <= 460  # 5 s an item in this sitting, 90 items left (not the 60 s timeout)
    line = status_lines(status)[1]
    assert line.startswith("held-out test: best: 30/120 items  greedy")
    assert "score so far" not in line  # held-out items are counted, not scored live


def test_items_answered_from_the_cache_in_no_time_do_not_set_the_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    """A final evaluation restored from a recording: 72 items come back from the cache at once,
    then each new one takes a minute. The time left follows the last ten, not the average."""
    import archon.search.study.monitor as monitor_module

    clock = [1000.0]
    monkeypatch.setattr(monitor_module.time, "monotonic", lambda: clock[0])
    monitor = SearchMonitor(n_trials=2, dev_items=5)
    monitor.ended["evaluated"] = 2
    monitor.start("held-out test: best", 128, "greedy a → vote")
    for _ in range(72):
        clock[0] += 0.1
        monitor.item(None)
    for _ in range(12):
        clock[0] += 60.0
        monitor.item(None)
    assert 44 * 60 - 1 <= monitor.status()["eta_s"] <= 44 * 60 + 1  # 44 items left at a minute each


def test_the_held_out_evaluation_shows_in_the_status_of_a_search(make_search: SearchFactory, tmp_path: Path) -> None:
    path = make_search(search={"n_trials": 2})
    env = {**os.environ, "ARCHON_STATUS_INTERVAL_S": "0.05"}
    archon = str(Path(sys.executable).with_name("archon"))
    done = subprocess.run([archon, "search", str(path), "--run-dir", str(tmp_path / "run")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert any("held-out test: " in line for line in done.stderr.splitlines() if line.startswith("status: ")), \
        done.stderr
