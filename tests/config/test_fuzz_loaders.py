"""Property-based fuzzing of every loader: nothing a file holds makes archon raise anything but its
own error (ArchonError), or take long. Fixed example counts, derandomized: fast, never flaky.

Inputs: random bytes; random YAML/JSON structures, plain and shaped with the keys archon's
schemas use; and mutations of the shipped configs (a value replaced, a key dropped or
renamed, an item duplicated).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archon.benchmarks.custom import load_custom_benchmark
from archon.benchmarks.records import read_records
from archon.config.reader import Document
from archon.errors import ArchonError
from archon.runtime.system import System
from archon.search.define.loading import check_search, load_search_spec

ROOT = Path(__file__).resolve().parents[2]
PER_CASE_S = 10.0  # generous: a case takes milliseconds; this catches a hang, not slowness
EXAMPLES = 150
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Keys of archon's schemas, so random structures reach past the first "unknown key".
KEYS = ["name", "nodes", "models", "id", "type", "inputs", "output", "runtime", "samples", "temperature",
        "max_tokens", "top_k", "model", "layers", "benchmark", "space", "budget", "search", "objectives",
        "generators", "fusion", "final_stage", "data", "scorer", "fields", "template", "loader", "kind",
        "prefill", "extractor", "pattern", "mode", "style", "warm_start", "dev_limit", "max_calls"]
VALUES = ["generate", "rank", "fuse", "vote", "critique", "verify", "unit_test_generate", "unit_test_evaluate",
          "example_tests", "fake/a", "local/qwen2.5-coder-0.5b", "local/nope", "humaneval", "gsm8k", "none",
          "exact", "numeric", "code-tests", "tpe", "generator", "fuser", "ranker", "critic", "OpenAI_API"]

scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
           | st.text(max_size=20) | st.sampled_from(VALUES))
structures = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8),
                                                               inner, max_size=6),
    max_leaves=40,
)


def bounded(load: Callable[[], Any]) -> None:
    """``load`` either succeeds or raises an ArchonError, within PER_CASE_S."""
    started = time.perf_counter()
    with contextlib.suppress(ArchonError):
        load()
    assert time.perf_counter() - started < PER_CASE_S


def as_file(content: bytes | str, suffix: str) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="archon-fuzz-"))
    path = directory / f"input{suffix}"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


FILE_LOADERS: dict[str, Callable[[Path], Any]] = {
    "system": lambda p: System.from_file(p, cache=False),
    "search": load_search_spec,
    "benchmark": load_custom_benchmark,
    "records": read_records,
}


@pytest.mark.parametrize("loader", list(FILE_LOADERS))
@pytest.mark.parametrize("suffix", [".yaml", ".json", ".jsonl"])
@FUZZ
@given(content=st.binary(max_size=600))
def test_random_bytes(loader: str, suffix: str, content: bytes) -> None:
    bounded(lambda: FILE_LOADERS[loader](as_file(content, suffix)))


@pytest.mark.parametrize("loader", list(FILE_LOADERS))
@FUZZ
@given(data=structures, as_json=st.booleans())
def test_random_structures_written_as_files(loader: str, data: Any, as_json: bool) -> None:
    text = json.dumps(data, allow_nan=True) if as_json else yaml.safe_dump(data)
    bounded(lambda: FILE_LOADERS[loader](as_file(text, ".json" if as_json else ".yaml")))


@FUZZ
@given(data=st.dictionaries(st.sampled_from(KEYS), structures, max_size=8))
def test_random_shaped_mappings_in_memory(data: dict[str, Any]) -> None:
    bounded(lambda: System.from_dict(data, cache=False))
    bounded(lambda: check_search(Document("<fuzz>", None, data)))


@FUZZ
@given(layers=st.lists(st.lists(st.dictionaries(st.sampled_from(["type", "model", "model_type", "samples",
                                                                  "temperature", "max_tokens", "top_k"]),
                                                 scalars, max_size=7), max_size=3), max_size=4))
def test_random_reference_format_configs(layers: list[Any]) -> None:
    bounded(lambda: System.from_dict({"name": "reference", "layers": layers}, cache=False))


SHIPPED = sorted([*ROOT.glob("configs/*.yaml"), *ROOT.glob("configs/search/*.yaml"),
                  ROOT / "examples" / "capitals" / "benchmark.yaml"])


def mutate(data: Any, draw: st.DrawFn) -> Any:
    """One random change somewhere in the tree: a value replaced, a key dropped or renamed,
    a list item duplicated or dropped."""
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data, key=str)))
        action = draw(st.sampled_from(["replace", "drop", "rename", "descend", "descend"]))
        copy = dict(data)
        if action == "replace":
            copy[key] = draw(structures)
        elif action == "drop":
            del copy[key]
        elif action == "rename":
            copy[draw(st.sampled_from(KEYS))] = copy.pop(key)
        else:
            copy[key] = mutate(copy[key], draw)
        return copy
    if isinstance(data, list) and data:
        index = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["duplicate", "drop", "descend", "descend"]))
        copy = list(data)
        if action == "duplicate":
            copy.insert(index, copy[index])
        elif action == "drop":
            del copy[index]
        else:
            copy[index] = mutate(copy[index], draw)
        return copy
    return draw(structures)


@pytest.mark.parametrize("shipped", SHIPPED, ids=[p.relative_to(ROOT).as_posix() for p in SHIPPED])
@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutations_of_the_shipped_configs(shipped: Path, data: st.DataObject) -> None:
    original = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    changed = mutate(original, data.draw)
    text = yaml.safe_dump(changed)
    if "search" in shipped.parts:
        bounded(lambda: load_search_spec(as_file(text, ".yaml")))
    elif shipped.name == "benchmark.yaml":
        # Next to its records, so that most mutations get as far as reading them.
        target = as_file(text, ".yaml")
        (target.parent / "capitals.jsonl").write_bytes((shipped.parent / "capitals.jsonl").read_bytes())
        bounded(lambda: load_custom_benchmark(target).load())
    else:
        bounded(lambda: System.from_text(text, str(shipped), cache=False))
