"""Several worker processes share one study through PostgreSQL or Redis: no trial lost,
none evaluated twice. Skipped, with the reason, when the server cannot be reached."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from archon.errors import ConfigError
from archon.search.storage import open_storage
from archon.search.trial_attrs import is_evaluated
from tests.search.search_helpers import SearchFactory, fork_cli

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["postgres", "redis"])
def shared_storage(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(storage URL, study name), unique per test run and removed afterwards."""
    token = uuid.uuid4().hex[:12]
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        url = POSTGRES
    else:
        request.applymarker(pytest.mark.redis)
        url = f"{REDIS}?prefix=archon-test-{token}"
    try:
        storage = open_storage(url)
    except ConfigError as exc:
        pytest.skip(f"{request.param} server unreachable: {exc}")
    study = f"archon-test-{token}"
    yield url, study
    if request.param == "postgres":
        with contextlib.suppress(KeyError):
            optuna.delete_study(study_name=study, storage=storage)
        storage.engine.dispose()  # type: ignore[attr-defined]
    else:
        import redis

        client = redis.Redis.from_url(REDIS)
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
        log = tmp_path / f"machine{index}" / "trials.jsonl"
        numbers = [json.loads(line)["trial"] for line in log.read_text().splitlines()]
        assert numbers, f"worker {index} ran no trial"
        runs.update(numbers)
    assert all(count == 1 for count in runs.values())
    assert set(runs) == {t.number for t in trials if t.state.is_finished()}
    # Both workers used the same power ranking (the first stored).
    assert study.user_attrs["archon:power_ranking"]["order"]
