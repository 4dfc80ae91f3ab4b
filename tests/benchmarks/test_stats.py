from __future__ import annotations

import math

import pytest

from archon.benchmarks.stats import bootstrap_mean, mean_ci, paired_difference, percentile, wilson


def test_wilson_matches_published_values() -> None:
    # Reference values (Newcombe 1998; statsmodels proportion_confint(method="wilson")).
    low, high = wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    low, high = wilson(0, 5)
    assert low == 0.0
    assert high == pytest.approx(0.4345, abs=1e-4)
    assert wilson(5, 5)[1] == 1.0
    with pytest.raises(ValueError):
        wilson(6, 5)


def test_mean_ci_uses_wilson_for_binary_scores_and_bootstrap_otherwise() -> None:
    binary = mean_ci([1, 0, 1, 1])
    assert binary.method == "wilson"
    assert binary.mean == 0.75
    assert binary.low < 0.75 < binary.high
    fractional = mean_ci([1, 0.5, 0, 1, 0.5, 1])
    assert fractional.method == "bootstrap"
    assert fractional.low <= fractional.mean <= fractional.high
    empty = mean_ci([])
    assert empty.n == 0 and math.isnan(empty.mean)


def test_bootstrap_is_seeded_and_narrows_with_more_data() -> None:
    small = [0.0, 0.5, 1.0] * 5
    large = small * 20
    assert bootstrap_mean(small, seed=3) == bootstrap_mean(small, seed=3)
    small_low, small_high = bootstrap_mean(small)
    large_low, large_high = bootstrap_mean(large)
    assert large_high - large_low < small_high - small_low
    assert large_low < 0.5 < large_high


def test_paired_difference() -> None:
    a = {f"q{i}": float(i % 2) for i in range(40)}
    same = paired_difference(a, dict(a))
    assert same.difference == 0 and (same.low, same.high) == (0.0, 0.0) and not same.significant
    better = {k: 1.0 for k in a}
    diff = paired_difference(a, better)
    assert diff.difference == pytest.approx(0.5)
    assert diff.significant and diff.low > 0
    assert (diff.b_better, diff.a_better, diff.ties) == (20, 0, 20)
    # Only items scored for both systems are compared.
    partial = paired_difference(a, {"q1": 0.0, "q2": 1.0, "zzz": 1.0})
    assert partial.n == 2 and partial.difference == 0.0


def test_pairing_detects_a_small_consistent_gain_that_independent_intervals_miss() -> None:
    # Item difficulty varies a lot; b is better by exactly one item in ten.
    a = {f"q{i}": 1.0 if i % 2 else 0.0 for i in range(200)}
    b = dict(a)
    for i in range(0, 200, 10):
        b[f"q{i}"] = 1.0
    ci_a, ci_b = mean_ci(list(a.values())), mean_ci(list(b.values()))
    assert ci_b.low < ci_a.high  # the separate intervals overlap
    assert paired_difference(a, b).significant


def test_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert math.isnan(percentile([], 50))


def test_the_joint_margin_is_against_the_best_baseline_and_its_interval_covers_the_choice() -> None:
    from archon.benchmarks.stats import joint_margin

    items = [f"q{i}" for i in range(60)]
    system = {i: 1.0 if n < 45 else 0.0 for n, i in enumerate(items)}  # 75%
    weak = {i: 1.0 if n < 30 else 0.0 for n, i in enumerate(items)}  # 50%
    strong = {i: 1.0 if n < 42 or n in (50, 51) else 0.0 for n, i in enumerate(items)}  # 73%
    margin = joint_margin(system, {"weak": weak, "strong": strong})
    assert margin.best == "strong" and margin.n == 60
    assert margin.difference == pytest.approx(0.75 - 44 / 60)
    # Jointly, the interval reaches below the one against "strong" alone: each resample takes its own best.
    alone = paired_difference(strong, system)
    assert margin.low <= alone.low + 1e-9 and margin.high <= alone.high + 1e-9
    assert not margin.beats_all
    assert joint_margin(system, {"weak": weak}).beats_all
