"""Fixtures of the search tests (helpers live in search_helpers.py); tests/cli/conftest.py shares them
with the tests of the search commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from archon.search import run_search, summarize
from archon.search.study.recording import export_recording
from archon.search.study.rundir import RunDir
from tests.search.search_helpers import BASE_SEARCH, ZOO_MODELS, SearchFactory, merge, write_benchmark


@pytest.fixture
def make_search(tmp_path: Path) -> SearchFactory:
    """make_search(**overrides) -> path of a search file next to the magic benchmark."""
    write_benchmark(tmp_path)

    def make(name: str = "search.yaml", **overrides: Any) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(merge(BASE_SEARCH, overrides), sort_keys=False))
        return path

    return make


@pytest.fixture
def zoo() -> Any:
    from archon.testing import unregister_fake_model
    from tests.search.search_helpers import register_zoo

    names = register_zoo()
    yield names
    for name in names:
        unregister_fake_model(name)


@pytest.fixture
def recording(make_search: SearchFactory, tmp_path: Path, zoo: list[str]) -> Path:
    path = make_search(models=ZOO_MODELS, space={"generators": {"count": [1, 2], "samples": [1, 3]}},
                       search={"n_trials": 5, "warm_start": ["best_of_n_vote"], "audit_pruning": True})
    outcome = run_search(path, run_dir=tmp_path / "live")
    summarize(outcome)
    RunDir(outcome.run_dir).add_sitting({"wall_s": 1.5, "evaluated_trials": 5})
    export_recording(outcome.run_dir, tmp_path / "recording")
    return tmp_path / "recording"


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import yaml

    from tests.search.search_helpers import BASE_SEARCH, merge, register_zoo, write_benchmark

    tmp = tmp_path_factory.mktemp("report")
    write_benchmark(tmp)
    search = merge(BASE_SEARCH, {"models": {"r": "fake/right", "w": "fake/wrong"},
                                 "space": {"generators": {"count": [1, 2]}}, "search": {"n_trials": 6}})
    (tmp / "search.yaml").write_text(yaml.safe_dump(search))
    register_zoo()
    outcome = run_search(tmp / "search.yaml", run_dir=tmp / "run")
    summarize(outcome)
    return tmp / "run"
