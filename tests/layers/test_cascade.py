"""cascade: the cheap branch's answer kept or escalated, branches given as system files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import archon
from archon.errors import ConfigErrors
from archon.runtime.estimate import estimate_cost
from archon.testing import FakeCall
from tests.layers.layer_helpers import Register, calls_of, system


def _cascade(register: Register, cheap_answers: Callable[[int], str],
             when: str = "disagree") -> tuple[archon.System, list[str]]:
    asked: list[str] = []

    def cheap(call: FakeCall) -> str:
        asked.append("cheap")
        return cheap_answers(call.seed)

    def strong(call: FakeCall) -> str:
        asked.append("strong")
        return "[Correct]" if call.reply.kind == "verdict" else "The answer is 42."

    register("cheap", cheap)
    register("strong", strong)
    cheap_nodes: list[dict[str, Any]] = [{"id": "draft", "type": "generate", "models": ["c"], "samples": 4},
                                         {"id": "vote", "type": "vote"}]
    if when == "rejected":
        cheap_nodes.append({"id": "check", "type": "verify", "model": "c"})
    sys_ = system([{"id": "answer", "type": "cascade", "when": when, "agreement": 0.75,
                    "cheap": {"nodes": cheap_nodes},
                    "escalate": {"nodes": [{"id": "big", "type": "generate", "models": ["s"]}]}}],
                  {"c": "fake/cheap", "s": "fake/strong"})
    return sys_, asked


def test_the_cascade_keeps_the_cheap_answer_when_its_samples_agree(fake_model: Register) -> None:
    sys_, asked = _cascade(fake_model, lambda seed: "The answer is 41." if seed == 3 else "The answer is 40.")
    result = sys_.run("q")
    assert result.answer == "The answer is 40." and result.candidates[0].notes["escalated"] is False
    assert "strong" not in asked and calls_of(result) == 4
    assert estimate_cost(sys_.graph).calls == 5  # the worst case: both branches
    trace = result.trace[0]
    assert trace["node"] == "answer" and [e["node"] for e in trace["branches"]["cheap"]] == \
        ["answer.cheap/draft", "answer.cheap/vote"]


def test_the_cascade_escalates_when_its_samples_disagree(fake_model: Register) -> None:
    sys_, _ = _cascade(fake_model, lambda seed: f"The answer is {40 + seed % 2}.")
    result = sys_.run("q")
    assert result.answer == "The answer is 42." and result.candidates[0].notes["escalated"] is True
    assert result.candidates[0].notes["why"] == "agreement 0.50 < 0.75" and calls_of(result) == 5
    assert set(result.usage.by_node) == {"answer.cheap/draft", "answer.escalate/big"}


def test_the_cascade_escalates_when_the_verifier_rejects(fake_model: Register) -> None:
    sys_, _ = _cascade(fake_model, lambda seed: "The answer is 40.", when="rejected")
    fake_model("cheap", lambda call: "[Incorrect]" if call.reply.kind == "verdict" else "The answer is 40.")
    result = sys_.run("q")
    assert result.candidates[0].notes["escalated"] is True and result.candidates[0].notes["why"] == "rejected"


def test_a_branch_can_be_a_system_file(tmp_path: Path) -> None:
    (tmp_path / "strong.yaml").write_text(json.dumps({
        "name": "strong", "models": {"s": "fake/beta"}, "nodes": [{"id": "g", "type": "generate", "models": ["s"]}]}))
    (tmp_path / "cascade.yaml").write_text(json.dumps({
        "name": "c", "models": {"c": "fake/alpha"}, "nodes": [{
            "id": "answer", "type": "cascade", "agreement": 1.0,
            "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["c"], "samples": 3}]},
            "escalate": {"file": "strong.yaml"}}]}))
    sys_ = archon.System.from_file(tmp_path / "cascade.yaml", cache=False)
    assert set(estimate_cost(sys_.graph).by_model) == {"fake/alpha", "fake/beta"}
    result = sys_.run("What is 6 * 7?")
    assert result.usage.total.calls in (3, 4)
    # The file's content is part of the system's fingerprint.
    before = sys_.fingerprint()
    (tmp_path / "strong.yaml").write_text(json.dumps({
        "name": "strong", "models": {"s": "fake/gamma"}, "nodes": [{"id": "g", "type": "generate", "models": ["s"]}]}))
    assert archon.System.from_file(tmp_path / "cascade.yaml", cache=False).fingerprint() != before


def test_branch_problems_name_the_place_inside_the_branch(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nmodels: {c: fake/alpha}\nnodes:\n  - id: answer\n    type: cascade\n"
                    "    cheap:\n      nodes:\n        - {id: g, type: generate, models: [c], samples: 0}\n"
                    "    escalate: {file: missing.yaml}\n")
    with pytest.raises(ConfigErrors) as caught:
        archon.System.from_file(path)
    text = str(caught.value)
    assert "nodes[0].cheap.nodes[0].samples" in text and f"{path}:8" in text
    assert "nodes[0].escalate.file" in text and "missing.yaml" in text


def test_a_branch_file_that_includes_itself_is_refused(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text(json.dumps({
        "name": "loop", "models": {"c": "fake/alpha"}, "nodes": [{
            "id": "answer", "type": "cascade",
            "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["c"]}]},
            "escalate": {"file": "loop.yaml"}}]}))
    with pytest.raises(ConfigErrors, match="include each other"):
        archon.System.from_file(tmp_path / "loop.yaml")


@pytest.mark.parametrize(("node", "snippet"), [
    ({"type": "cascade", "agreement": 0, "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["m"]}]},
      "escalate": {"nodes": [{"id": "h", "type": "generate", "models": ["m"]}]}}, "agreement"),
    ({"type": "cascade", "agreement": 1.5, "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["m"]}]},
      "escalate": {"nodes": [{"id": "h", "type": "generate", "models": ["m"]}]}}, "agreement"),
    ({"type": "cascade", "cheap": {"nodes": [{"id": "g", "type": "generate", "models": ["m"]}]},
      "escalate": {"nodes": [{"id": "h", "type": "generate", "models": ["m"]}], "file": "x.yaml"}},
     "give exactly one of `nodes`"),
])
def test_bad_thresholds_and_limits_are_clear_errors(node: dict[str, object], snippet: str) -> None:
    with pytest.raises(ConfigErrors) as caught:
        system([{"id": "answer", **node}], {"m": "fake/alpha"})
    text = str(caught.value)
    assert snippet in text and "nodes[0]" in text and "Traceback" not in text
