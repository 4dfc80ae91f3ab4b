"""The search definition: defaults, JSON schema, and every bad input as a located ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from archon.errors import ConfigError, ConfigErrors
from archon.search import load_search_spec, search_json_schema
from archon.search.define.spec import search_spec_model
from tests.search.search_helpers import BASE_SEARCH, SearchFactory, merge


def errors_of(source: Any) -> list[ConfigError]:
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        load_search_spec(source)
    exc = info.value
    return exc.errors if isinstance(exc, ConfigErrors) else [exc]


def one_error(source: Any) -> str:
    errors = errors_of(source)
    assert len(errors) == 1, [str(e) for e in errors]
    return str(errors[0])


def test_minimal_definition_gets_paper_like_defaults() -> None:
    spec, name, base = load_search_spec({"name": "s", "benchmark": {"name": "gsm8k"}, "models": {"m": "fake/m"}})
    assert name == "<dict>" and base is None
    assert spec.objectives == ["score"] and spec.directions == ["maximize"]
    assert spec.search.sampler == "tpe" and spec.pruner == "median"
    assert spec.space.generators.select == "ranked"
    assert spec.aliases()["m"].model == "fake/m"


def test_json_schema_lists_every_section() -> None:
    schema = search_json_schema()
    assert schema["title"] == "archon search"
    assert {"benchmark", "models", "space", "budget", "objectives", "search"} <= set(schema["properties"])


def test_file_errors_name_file_location_and_line(make_search: SearchFactory) -> None:
    path = make_search(space={"generators": {"samples": [3, 1]}})
    message = one_error(path)
    assert message.startswith(f"{path}:")
    assert "space.generators.samples" in message
    assert "`low <= high` must hold, but got (low=3, high=1)" in message
    line = int(message.split(":")[1])
    assert "samples" in path.read_text().splitlines()[line - 1]


def test_unknown_key_lists_allowed_keys() -> None:
    message = one_error(merge(BASE_SEARCH, {"space": {"fusion": {"depth": 2}}}))
    assert "space.fusion.depth" in message and "unknown key 'depth'" in message
    assert "layers" in message and "width" in message


def test_an_unknown_adaptive_stopping_rule_lists_the_rules() -> None:
    message = one_error(merge(BASE_SEARCH, {"space": {"adaptive": {"rule": ["final_vote", "soon"]}}}))
    assert "space.adaptive.rule[1]" in message and "'majority' or 'final_vote'" in message and "soon" in message


def test_unknown_alias_in_space_is_named_with_a_suggestion() -> None:
    message = one_error(merge(BASE_SEARCH, {"space": {"judge_models": ["bb"]}}))
    assert "space.judge_models[0]" in message and "'bb'" in message and "Did you mean 'b'?" in message


@pytest.mark.parametrize(
    ("overrides", "location", "expected"),
    [
        ({"space": {"critique": [True], "rank": [False], "fusion": {"layers": 0}}}, "space.critique",
         "needs a rank or fuse"),
        ({"space": {"rank": [True], "fusion": {"layers": 0},
                    "generators": {"count": 1, "samples": 1}}}, "space.rank", "several candidates"),
        ({"space": {"final_stage": ["verify"], "fusion": {"layers": 0},
                    "generators": {"count": 1, "samples": 1}}}, "space.final_stage", "several candidates"),
        ({"space": {"rank_top_k": [20, 30]}}, "space.rank_top_k", "`rank_top_k <= 9`"),
        ({"space": {"generators": {"count": [1, 5]}}}, "space.generators.count", "`count <= 3`"),
        ({"space": {"fusion": {"width": [2, 5], "width_step": 2}}}, "space.fusion.width_step", "must divide"),
        ({"objectives": ["score", "cost_usd"]}, "objectives", "cost_usd is 0 for local and fake"),
        ({"budget": {"max_usd": 1.0}}, "budget.max_usd", "limits nothing"),
        ({"models": {"a": "local/no-such-model", "b": "fake/b", "c": "fake/c"}}, "models.a", "no-such-model"),
        ({"search": {"select": "cheapest"}}, "search.select", "'best' or 'simplest'"),
        ({"benchmark": {"name": "magic.yaml", "baseline_limit": 0}}, "benchmark.baseline_limit",
         "greater than or equal to 1"),
    ],
)
def test_contradictory_spaces_are_refused(overrides: dict[str, Any], location: str, expected: str) -> None:
    message = one_error(merge(BASE_SEARCH, overrides))
    assert location in message and expected in message


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"objectives": ["calls", "score"]}, "must start with 'score'"),
        ({"search": {"sampler": "nsga2"}}, "nsga2' is for several objectives"),
        ({"objectives": ["score", "calls"], "search": {"pruner": "median"}}, "cannot be used with several"),
        ({"search": {"n_trials": None, "timeout_s": None}}, "never stops"),
        ({"space": {"final_stage": ["none", "none"]}}, "lists a choice twice"),
        ({"space": {"generators": {"select": "choice", "count": [1, 2]}}}, "applies to select: ranked only"),
    ],
)
def test_inconsistent_settings_are_refused(overrides: dict[str, Any], expected: str) -> None:
    assert expected in one_error(merge(BASE_SEARCH, overrides))


def test_several_problems_are_reported_together() -> None:
    errors = errors_of(merge(BASE_SEARCH, {"space": {"judge_models": ["x"], "fusion": {"models": ["y"]}}}))
    assert len(errors) == 2


def test_not_a_mapping_and_bad_yaml(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert "got an empty document" in one_error(empty)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    assert "invalid YAML" in one_error(broken)


def test_spec_round_trips_through_yaml() -> None:
    spec, _, _ = load_search_spec(BASE_SEARCH)
    again = search_spec_model().model_validate(yaml.safe_load(yaml.safe_dump(spec.model_dump(mode="json"))))
    assert again == spec
