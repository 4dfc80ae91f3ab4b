"""Several worker processes share one study through PostgreSQL or Redis: no trial lost,
none evaluated twice. The servers are ARCHON_TEST_POSTGRES_URL and ARCHON_TEST_REDIS_URL
(tests/servers.py); a test skips, saying what failed, only when its server or driver cannot
be used (refused, authentication, missing database, driver not installed)."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import optuna
import pytest
from optuna.trial import TrialState

from archon.search.study.storage import open_storage
from archon.search.trial.attributes import is_evaluated
from tests.search.search_helpers import SearchFactory, fork_cli
from tests.servers import require_postgres, require_redis


def with_prefix(url: str, prefix: str) -> str:
    """A Redis storage URL whose journal keys start with ``prefix``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "prefix"] + [("prefix", prefix)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture(params=["postgres", "redis"])
def shared_storage(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(storage URL, study name), unique per test run and removed afterwards."""
    token = uuid.uuid4().hex[:12]
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        url = server = require_postgres()
    else:
        request.applymarker(pytest.mark.redis)
        server = require_redis()
        url = with_prefix(server, f"archon-test-{token}")
    # The server answered: failing to open the storage now is a failure, not a skip.
    storage = open_storage(url)
    study = f"archon-test-{token}"
    yield url, study
    if request.param == "postgres":
        with contextlib.suppress(KeyError):
            optuna.delete_study(study_name=study, storage=storage)
        storage.engine.dispose()  # type: ignore[attr-defined]
    else:
        import redis

        client = redis.Redis.from_url(server)
        keys = list(client.scan_iter(f"archon-test-{token}*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_two_workers_share_one_study(make_search: SearchFactory, tmp_path: Path,
                                     shared_storage: tuple[str, str]) -> None:
    url, study_name = shared_storage
    path = make_search(search={"n_trials": 8, "sampler": "random", "batch_size": 4},
                       models={"a": {"model": "fake/alpha", "extra": {"fake_latency": 0.02}},
                               "b": "fake/beta", "c": "fake/gamma"})
    workers = []
    for index in range(2):
        # Separate run directories, as on separate machines: only the study is shared.
        argv = ["search", str(path), "--storage", url, "--study", study_name, "--no-final",
                "--run-dir", str(tmp_path / f"machine{index}"), "--worker-index", str(index)]
        workers.append(fork_cli(argv, tmp_path / f"worker{index}.log"))
    for index, process in enumerate(workers):
        process.join(120)
        log = (tmp_path / f"worker{index}.log").read_text()
        assert process.exitcode == 0, log

    study = optuna.load_study(study_name=study_name, storage=open_storage(url))
    trials = study.get_trials(deepcopy=False)
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    evaluated = sum(is_evaluated(t) for t in trials)
    assert 8 <= evaluated <= 9  # both workers may start a trial when one is missing
    # Every finished trial was run by exactly one worker, and none is missing.
    runs: Counter[int] = Counter()
    for index in range(2):
        trials_log = tmp_path / f"machine{index}" / "trials.jsonl"
        numbers = [json.loads(line)["trial"] for line in trials_log.read_text().splitlines()]
        assert numbers, f"worker {index} ran no trial"
        runs.update(numbers)
    assert all(count == 1 for count in runs.values())
    assert set(runs) == {t.number for t in trials if t.state.is_finished()}
    # Both workers used the same power ranking (the first stored).
    assert study.user_attrs["archon:power_ranking"]["order"]


@pytest.mark.postgres
def test_a_worker_killed_mid_trial_again_and_again_loses_nothing(make_search: SearchFactory, tmp_path: Path) -> None:
    """Two workers on PostgreSQL; one is SIGKILLed in the middle of a trial, restarted, and killed
    again. Every trial ends accounted for: each dead trial failed and run once more, no finished
    trial lost or changed, no architecture completed twice."""
    import os
    import signal
    import time

    postgres = require_postgres()
    storage = open_storage(postgres)
    study_name = f"archon-test-{uuid.uuid4().hex[:12]}"
    slow = {"model": "fake/slow", "extra": {"fake_latency": 0.08}}
    # Enough trials that the study is still running when the second kill is due.
    path = make_search(models={"a": slow, "b": {**slow, "model": "fake/slow2"}, "c": "fake/gamma"},
                       search={"n_trials": 20, "sampler": "random", "batch_size": 2, "stale_after_s": 300})

    def start(index: int, attempt: int) -> object:
        argv = ["search", str(path), "--storage", postgres, "--study", study_name, "--no-final",
                "--run-dir", str(tmp_path / f"machine{index}"), "--worker-index", str(index)]
        return fork_cli(argv, tmp_path / f"worker{index}-{attempt}.log")

    def trials() -> list[optuna.trial.FrozenTrial]:
        try:
            return optuna.load_study(study_name=study_name, storage=storage).get_trials(deepcopy=False)
        except KeyError:
            return []

    def running_of(pid: int) -> list[optuna.trial.FrozenTrial]:
        return [t for t in trials() if t.state == TrialState.RUNNING and t.params
                and (t.user_attrs.get("archon:owner") or {}).get("pid") == pid]

    try:
        steady = start(0, 0)
        killed: list[int] = []
        snapshots: dict[int, tuple[object, object, object]] = {}
        for attempt in range(2):
            victim = start(1, attempt)
            # The steady worker waits meanwhile, so on a slow or busy machine it cannot finish the
            # study before the victim has a trial to be killed in.
            os.kill(steady.pid, signal.SIGSTOP)  # type: ignore[attr-defined]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                time.sleep(0.05)
                assert victim.is_alive(), (tmp_path / f"worker1-{attempt}.log").read_text()  # type: ignore[attr-defined]
                if not running_of(victim.pid):  # type: ignore[attr-defined]
                    continue
                os.kill(victim.pid, signal.SIGSTOP)  # type: ignore[attr-defined]
                mine = running_of(victim.pid)  # type: ignore[attr-defined]
                if mine:
                    os.kill(victim.pid, signal.SIGKILL)  # type: ignore[attr-defined]
                    victim.join()  # type: ignore[attr-defined]
                    killed.extend(t.number for t in mine)
                    snapshots.update({t.number: (t.state, t.values, t.params) for t in trials()
                                      if t.state.is_finished()})
                    os.kill(steady.pid, signal.SIGCONT)  # type: ignore[attr-defined]
                    break
                os.kill(victim.pid, signal.SIGCONT)  # type: ignore[attr-defined]
            else:
                raise AssertionError("worker 1 never ran a trial to kill")
        os.kill(steady.pid, signal.SIGCONT)  # type: ignore[attr-defined]
        survivor = start(1, 2)
        for process in (steady, survivor):
            process.join(180)  # type: ignore[attr-defined]
            assert process.exitcode == 0  # type: ignore[attr-defined]

        final = {t.number: t for t in trials()}
        assert len(killed) >= 2
        assert not [t for t in final.values() if t.state in (TrialState.RUNNING, TrialState.WAITING)]
        for number, (state, values, params) in snapshots.items():  # nothing finished was lost or changed
            assert (final[number].state, final[number].values, final[number].params) == (state, values, params)
        for dead in killed:
            assert final[dead].state == TrialState.FAIL
            retries = [t for t in final.values() if t.user_attrs.get("archon:retry_of") == dead]
            assert len(retries) == 1 and retries[0].state.is_finished()
        completed = [t.user_attrs["archon:fingerprint"] for t in final.values()
                     if t.state == TrialState.COMPLETE and "archon:duplicate_of" not in t.user_attrs]
        assert len(completed) == len(set(completed))  # no architecture completed twice
        assert sum(is_evaluated(t) for t in final.values()) >= 20
    finally:
        with contextlib.suppress(KeyError):
            optuna.delete_study(study_name=study_name, storage=storage)
        storage.engine.dispose()  # type: ignore[attr-defined]
