"""critique: its parser on its own, then critiques attached to candidates for the fuser to read."""

from __future__ import annotations

from archon.layers.critique import parse_critiques
from archon.testing import FakeCall
from tests.layers.layer_helpers import Register, node, run


def test_parse_critiques() -> None:
    text = "[1] Strengths: short. Weaknesses: wrong.\n[3] Strengths: right.\n  More on 3.\n[7] stray"
    assert parse_critiques(text, 3) == ["Strengths: short. Weaknesses: wrong.", None, "Strengths: right.\n  More on 3."]
    assert parse_critiques("no numbers at all", 2) == [None, None]
    assert parse_critiques("[1] first\n[1] again", 1) == ["first"]


def test_critique_attaches_critiques_that_the_fuser_reads(fake_model: Register) -> None:
    fuse_prompts: list[str] = []

    def fuser(call: FakeCall) -> str:
        fuse_prompts.append(call.prompt)
        return "fused"

    gen = fake_model("crit_gen", lambda c: f"candidate {c.seed}")
    critic = fake_model("crit_critic", lambda c: "[1] Strengths: A1\n[2] Strengths: A2\n[3] Strengths: A3")
    fuse = fake_model("crit_fuser", fuser)
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 3}}
  - {{id: crit, type: critique, model: {critic}}}
  - {{id: fuse, type: fuse, models: [{fuse}]}}
""")
    outputs = node(result, "crit")["outputs"]
    assert [o["critique"] for o in outputs] == ["Strengths: A1", "Strengths: A2", "Strengths: A3"]
    assert [o["text"] for o in outputs] == ["candidate 0", "candidate 1", "candidate 2"]
    (prompt,) = fuse_prompts
    assert "each with a critique" in prompt
    assert "Critique of [2]: Strengths: A2" in prompt
    assert result.answer == "fused"
    assert result.candidates[0].critique is None  # new candidates carry no stale critique


def test_single_candidate_critique_without_number_is_kept(fake_model: Register) -> None:
    critic = fake_model("crit_single", lambda c: "Strengths: clear. Weaknesses: none.")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [fake/a]}}
  - {{id: crit, type: critique, model: {critic}}}
  - {{id: fuse, type: fuse, models: [fake/a]}}
""")
    assert node(result, "crit")["outputs"][0]["critique"] == "Strengths: clear. Weaknesses: none."
