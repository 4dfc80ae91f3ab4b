"""A technique defined outside archon is searchable from its own module: a final stage with a
knob that changes its answer, named in a search file, is built, searched and scored, and no
file under search/ knows of it."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archon.search import load_search_spec, run_search, search_json_schema
from tests.search.search_helpers import SearchFactory

# The whole technique, as a user would write it in a module of their own: the node (pick the
# candidate at `index`), and its place in a search (a final stage with the knob `pick_index`).
PLUGIN = '''
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from archon.layers.base import (CandidateFlow, FinalStage, NodeContext, NodeInputs, NodeOutput, NodeSpec,
                                SpaceField, StageContext, Technique, choose)
from archon.layers.registry import register, register_preset, register_stage


class PickSpec(NodeSpec):
    type: Literal["pick"] = "pick"
    index: int = Field(default=0, ge=0)


@register
class Pick(Technique):
    type = "pick"
    Spec = PickSpec

    def max_outputs(self, n_inputs):
        return min(1, n_inputs)

    def calls(self, n_inputs):
        return 0

    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        candidates = inputs.candidates
        return NodeOutput(self.id, candidates[min(self.spec.index, len(candidates) - 1):][:1])


class PickKnobs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    index: list[int] = Field(default=[0], min_length=1, description="Positions to pick from.")


@register_stage
class PickStage(FinalStage):
    names = ("pick",)
    space_fields = {"pick": SpaceField(PickKnobs, Field(default_factory=PickKnobs))}

    def add(self, name: str, flow: CandidateFlow, ctx: StageContext) -> None:
        flow.add("pick", Pick.type, 1, index=choose(ctx.trial, "pick_index", ctx.space.pick.index))


register_preset("pick_second", {"generators": 2, "final_stage": "pick", "pick_index": 1})
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_registry: None) -> Iterator[str]:
    name = f"pick_plugin_{abs(hash(tmp_path)) % 10**8}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_a_stage_from_a_plugin_is_searched_by_its_own_knob(make_search: SearchFactory, zoo: Any, plugin: str,
                                                           tmp_path: Path) -> None:
    # Two generators, the best-ranked first: picking candidate 0 answers with "right", 1 with "wrong".
    path = make_search(
        models={"r": "fake/right", "w": "fake/wrong"}, plugins=[plugin],
        space={"generators": {"count": [2, 2], "samples": [1, 1]}, "fusion": {"layers": [0, 0]},
               "final_stage": ["pick"], "rank": [False], "critique": [False], "pick": {"index": [1, 0]}},
        search={"n_trials": 2, "warm_start": ["pick_second"], "startup_trials": 2},
    )
    outcome = run_search(path, run_dir=tmp_path / "run")
    trials = [t for t in outcome.study.trials if t.values]
    assert sorted(t.params["pick_index"] for t in trials) == [0, 1]  # the knob is a searched parameter
    assert trials[0].params["pick_index"] == 1 and trials[0].values[0] == 0.0  # the preset went first
    best = outcome.study.best_trial
    assert best.params["pick_index"] == 0 and best.values[0] == 1.0  # and its best value won


def test_the_plugin_stage_and_knobs_are_in_the_schema_and_checked(make_search: SearchFactory, plugin: str) -> None:
    import importlib

    importlib.import_module(plugin)
    space = search_json_schema()["$defs"]["SpaceSpec"]["properties"]
    assert "pick" in space and "pick" in str(space["final_stage"])
    bad = make_search(plugins=[plugin], space={"final_stage": ["pick"], "pick": {"index": [0], "size": 3}})
    with pytest.raises(Exception, match=r"space\.pick\.size"):
        load_search_spec(bad)


def test_without_the_plugin_the_stage_is_an_unknown_choice_listing_the_valid_ones(make_search: SearchFactory
                                                                                  ) -> None:
    bad = make_search(space={"final_stage": ["pick"]})
    with pytest.raises(Exception, match=r"space\.final_stage\[0\].*'none'.*'vote'"):
        load_search_spec(bad)


def test_a_plugin_that_cannot_be_imported_is_named_with_its_file_and_line(make_search: SearchFactory) -> None:
    from archon.errors import ConfigError

    bad = make_search(plugins=["no_such_plugin_xyz"])
    with pytest.raises(ConfigError) as info:
        load_search_spec(bad)
    message = str(info.value)
    assert str(bad) in message and "plugins[0]" in message and "cannot import 'no_such_plugin_xyz'" in message
    assert f"{bad}:" in message and info.value.line is not None  # the line of the entry in the file
