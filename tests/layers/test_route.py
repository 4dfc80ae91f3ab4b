"""route: each category of an item answered by its model."""

from __future__ import annotations

import pytest

from archon.errors import ConfigErrors
from archon.runtime.estimate import estimate_cost
from tests.layers.layer_helpers import Register, system


def test_route_answers_each_category_with_its_model(fake_model: Register) -> None:
    math = fake_model("mathy", lambda call: "math model")
    prose = fake_model("prosy", lambda call: "prose model")
    sys_ = system([{"id": "route", "type": "route", "models": ["m", "p"], "routes": {"algebra": "m"},
                    "default": "p"}], {"m": math, "p": prose})
    assert sys_.run("q", context={"category": "algebra"}).answer == "math model"
    other = sys_.run("q", context={"category": "poetry"})
    assert other.answer == "prose model" and other.candidates[0].notes["route"] == "default (category not routed)"
    alone = sys_.run("q")
    assert alone.answer == "prose model" and "came without a category" in alone.candidates[0].notes["route"]
    estimate = estimate_cost(sys_.graph)
    assert estimate.calls == 1 and set(estimate.by_model) == {math, prose}  # either may answer: both priced


def test_a_route_to_a_model_it_does_not_list_is_refused() -> None:
    with pytest.raises(ConfigErrors, match="not among `models`"):
        system([{"id": "route", "type": "route", "models": ["m"], "routes": {"x": "other"}}], {"m": "fake/alpha"})
