"""Bad input is refused before anything is spent: no run directory, no call, no trial."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from archon.errors import ArchonError, ConfigError, UnknownNameError
from archon.search import run_search
from archon.search.trial.attributes import is_evaluated
from tests.search.search_helpers import SearchFactory


def refused(path: Path, tmp_path: Path, error: type[Exception] = ArchonError, **kwargs: object) -> str:
    run_dir = tmp_path / "run"
    with pytest.raises(error) as info:
        run_search(path, run_dir=run_dir, **kwargs)  # type: ignore[arg-type]
    assert not run_dir.exists(), "something was written before the error"
    return str(info.value)


def test_unknown_benchmark(make_search: SearchFactory, tmp_path: Path) -> None:
    message = refused(make_search(benchmark={"name": "gsm8kk"}), tmp_path, UnknownNameError)
    assert "benchmark 'gsm8kk' is not known" in message and "Did you mean 'gsm8k'?" in message


def test_a_budget_nothing_fits(make_search: SearchFactory, tmp_path: Path) -> None:
    path = make_search(budget={"max_calls": 1, "max_tokens": 10})
    message = refused(path, tmp_path, ConfigError)
    assert "budget: no architecture of the space fits the budget" in message
    assert "even the cheapest (1×" in message and "tokens per query" in message


def test_an_empty_space(make_search: SearchFactory, tmp_path: Path) -> None:
    message = refused(make_search(space={"final_stage": []}), tmp_path)
    assert "space.final_stage" in message and "at least 1 item" in message


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1:1/test", "redis://127.0.0.1:1/0",
                                 "ftp://somewhere/study"])
def test_an_unreachable_or_unknown_storage(make_search: SearchFactory, tmp_path: Path, url: str) -> None:
    message = refused(make_search(), tmp_path, ConfigError, storage=url)
    assert message.startswith("--storage: ")
    assert ("cannot reach" in message) or ("unsupported storage URL" in message)


def test_a_password_never_shows_in_errors(make_search: SearchFactory, tmp_path: Path) -> None:
    message = refused(make_search(), tmp_path, ConfigError, storage="postgresql://me:s3cret@127.0.0.1:1/db")
    assert "s3cret" not in message and "me:***@" in message


def test_a_study_made_for_another_space(make_search: SearchFactory, tmp_path: Path) -> None:
    first = run_search(make_search(search={"n_trials": 1}), run_dir=tmp_path / "run")
    trials = len(first.study.trials)
    changed = make_search(space={"fusion": {"layers": [0, 2]}}, search={"n_trials": 3})
    with pytest.raises(ConfigError) as info:
        run_search(changed, run_dir=tmp_path / "run")
    assert "study 'fake-search' exists with a different search definition (changed: space)" in str(info.value)
    assert len(first.study.trials) == trials  # nothing was added
    # Run settings may change: more trials resume the same study.
    again = run_search(make_search(search={"n_trials": 2}), run_dir=tmp_path / "run")
    assert sum(is_evaluated(t) for t in again.study.trials) == 2


def test_gp_without_torch_says_what_to_install(make_search: SearchFactory, tmp_path: Path) -> None:
    pytest.importorskip("optuna")
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed here: the gp sampler works")
    message = refused(make_search(search={"sampler": "gp"}), tmp_path, ConfigError)
    assert "sampler 'gp' needs torch" in message and "pip install" in message


def test_workers_need_a_file(tmp_path: Path) -> None:
    from tests.search.search_helpers import BASE_SEARCH, write_benchmark

    write_benchmark(tmp_path)
    data = yaml.safe_load(yaml.safe_dump(BASE_SEARCH))
    data["benchmark"]["name"] = str(tmp_path / "magic.yaml")
    with pytest.raises(ConfigError, match="workers > 1 needs the search definition in a file"):
        run_search(data, run_dir=tmp_path / "run", workers=2)
