"""What the search cost, and the cost of each additional correct answer against the best baseline."""

from __future__ import annotations

from typing import Any

import pytest

from archon.search.report.cost import SERVED, gain_cost


def final(difference: float) -> dict[str, Any]:
    found = {"calls_per_query": 9.0, "tokens_per_query": 1500.0, "usd_per_query": 0.0}
    baseline = {"name": "q alone, greedy", "calls_per_query": 1.0, "tokens_per_query": 500.0, "usd_per_query": 0.0}
    return {"best": found, "baselines": [baseline],
            "verdict": {"baseline": "q alone, greedy", "difference": difference, "beats_all": difference > 0.05}}


SPEND = {"total": {"provider_calls": 100, "tokens": 2_000_000.0, "usd": 0.0}}


def test_each_additional_correct_answer_costs_the_search_spread_over_the_queries_served() -> None:
    cost = gain_cost(final(0.10), SPEND)
    assert cost is not None and cost["extra_tokens_per_query"] == 1000.0 and cost["extra_calls_per_query"] == 8.0
    rows = cost["per_additional_correct"]
    assert [r["served"] for r in rows] == list(SERVED)
    # (2,000,000 + n * 1,000) / (n * 0.10): the search's share falls as more queries are served.
    assert rows[0]["tokens"] == pytest.approx((2_000_000 + 1_000 * 1_000) / 100)
    assert rows[-1]["tokens"] == pytest.approx((2_000_000 + 100_000 * 1_000) / 10_000)
    assert rows[0]["tokens"] > rows[1]["tokens"] > rows[2]["tokens"]


def test_no_gain_is_said_as_such() -> None:
    cost = gain_cost(final(-0.02), SPEND)
    assert cost is not None and cost["per_additional_correct"] == "no gain"
    assert gain_cost({"best": {}, "baselines": []}, SPEND) is None  # a final table without baselines
