"""verify: its verdict parser on its own, then verification of candidates on the fake provider."""

from __future__ import annotations

import pytest

from archon.layers.verify import parse_verdict
from archon.testing import FakeCall
from tests.layers.layer_helpers import Register, run


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("[Correct]", True),
        ("[Incorrect]", False),
        ("After checking: [correct]", True),
        ("The response is not correct.", False),
        ("This is NOT   correct at all", False),
        ("The response is correct.", True),
        ("The response is incorrect.", False),
        ("Looks [Incorrect] at first, but on reflection [Correct]", True),
        ("[Correct] even though an earlier step was not correct", True),
        ("I am unsure.", None),
        ("", None),
    ],
)
def test_parse_verdict(text: str, verdict: bool | None) -> None:
    assert parse_verdict(text) is verdict


def _verifier(call: FakeCall) -> str:
    if "Reasoning about the response" not in call.prompt:
        return "Let me check each step."
    response = call.prompt.split("Response:\n", 1)[1]
    return "[Correct]" if response.startswith("good") else "The response is not correct."


def test_verify_passes_only_verified_candidates(fake_model: Register) -> None:
    gen = fake_model("ver_gen", lambda c: ("good" if c.seed % 2 else "bad") + f" answer {c.seed}")
    verifier = fake_model("ver_judge", _verifier)
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 4}}
  - {{id: check, type: verify, model: {verifier}}}
""")
    assert [c.text for c in result.candidates] == ["good answer 1", "good answer 3"]
    assert all(c.notes["verified"] is True for c in result.candidates)
    assert result.usage.by_node["check"].calls == 8  # reasoning + verdict per candidate


def test_verify_keeps_everyone_marked_when_nothing_verifies(fake_model: Register) -> None:
    gen = fake_model("ver_gen_bad", lambda c: f"bad answer {c.seed}")
    verifier = fake_model("ver_judge2", _verifier)
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 3}}
  - {{id: check, type: verify, model: {verifier}}}
""")
    assert len(result.candidates) == 3
    assert all(c.notes["verified"] is False and c.notes["verify_fallback"] for c in result.candidates)


def test_verify_on_the_default_fake_reaches_a_verdict() -> None:
    result = run("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 5}\n"
                 "  - {id: check, type: verify, model: fake/a}\n")
    verdicts = [c.notes["verified"] for c in result.candidates]
    assert None not in verdicts
    assert not any(c.notes.get("verify_fallback") for c in result.candidates)
