"""fuse: one response per fuser, from a prompt holding every candidate."""

from __future__ import annotations

from tests.layers.layer_helpers import Register, numbered_texts, run


def test_fuse_makes_one_response_per_fuser(fake_model: Register) -> None:
    f1 = fake_model("fuser_one", lambda c: "fused by one")
    f2 = fake_model("fuser_two", lambda c: f"fused by two, seed {c.seed}")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [fake/a], samples: 4}}
  - {{id: fuse, type: fuse, models: [{f1}, {f2}, {f2}]}}
""")
    assert [c.text for c in result.candidates] == ["fused by one", "fused by two, seed 1", "fused by two, seed 2"]
    assert [c.model for c in result.candidates] == [f1, f2, f2]
    assert result.usage.by_node["fuse"].calls == 3


def test_fuse_prompt_holds_every_candidate(fake_model: Register) -> None:
    prompts: list[str] = []
    gen = fake_model("fuse_gen", lambda c: f"candidate {c.seed}")
    fuser = fake_model("fuse_rec", lambda c: prompts.append(c.prompt) or "done")
    run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 3}}
  - {{id: fuse, type: fuse, models: [{fuser}]}}
""")
    assert numbered_texts(prompts[0]) == ["candidate 0", "candidate 1", "candidate 2"]
    assert "Synthesize" in prompts[0] and "critique" not in prompts[0]
