"""Budgets are checked on the static estimate; USD prices each model's own tokens."""

from __future__ import annotations

import pytest

import archon
from archon.search.define.budget import Budget, Price
from archon.search.define.spec import BudgetSpec

# A cheap generator sampled 4 times, then one dear fuser: pricing every token at the
# dearest model (the old upper bound) would more than double this.
SYSTEM = """
name: t
models:
  cheap: {model: fake/cheap, max_tokens: 100}
  dear: {model: fake/dear, max_tokens: 200}
nodes:
  - {id: gen, type: generate, models: [cheap], samples: 4}
  - {id: fuse, type: fuse, models: [dear]}
"""
PRICES = {"fake/cheap": Price(prompt=1e-6, completion=2e-6), "fake/dear": Price(prompt=1e-5, completion=3e-5)}


def test_usd_prices_each_model_at_its_own_rate() -> None:
    graph = archon.System.from_text(SYSTEM).graph
    check = Budget(BudgetSpec(max_usd=1.0), query_tokens=50, prices=PRICES).check(graph)
    # generate: 4 calls x (50 query + 150 template) prompt, 100 completion each, at the cheap rate.
    cheap = 4 * 200 * 1e-6 + 4 * 100 * 2e-6
    # fuse: 1 call reading the 4 candidates (4 x 100 tokens) besides query and template.
    dear = (50 + 150 + 4 * 100) * 1e-5 + 200 * 3e-5
    assert check.usd == pytest.approx(cheap + dear)
    assert check.calls == 5 and check.feasible


def test_over_budget_names_the_limit_and_how_far_over() -> None:
    graph = archon.System.from_text(SYSTEM).graph
    check = Budget(BudgetSpec(max_usd=0.005, max_calls=10), query_tokens=50, prices=PRICES).check(graph)
    assert not check.feasible
    assert check.reasons == ("USD per query 0.0136 > max 0.005",)
    assert check.violation == pytest.approx(0.0136 / 0.005 - 1)
