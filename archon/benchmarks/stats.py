"""Confidence intervals for benchmark scores, paired comparisons, latency percentiles.

Which interval, and why:

- Scores that are all 0 or 1 (most benchmarks): the Wilson score interval. It is
  exact enough at the small n of a quick eval, stays inside [0, 1], and does not
  collapse to zero width at 0/n or n/n the way the normal (Wald) interval does.
- Fractional scores (judge ties, partial credit): a percentile bootstrap of the mean.
  These are bounded and often lumpy (0, 0.5, 1), where a t-interval's normality
  assumption is poor at small n; the bootstrap makes no such assumption.
- Two systems on the same items: a paired bootstrap of the mean per-item difference.
  Pairing removes the item-difficulty variance both systems share, so real
  differences show up with far fewer items than two independent intervals would need.
- One system against the best of several (``joint_margin``): the bootstrap of the *minimum*
  over them of the mean difference, each resample choosing its own best, so the interval
  covers the choice of the best baseline too (picking it first, then comparing with it
  alone, would overstate the margin).

Bootstraps are seeded: the same scores always give the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054
BOOTSTRAP_RESAMPLES = 10_000


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95% confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    method: str  # "wilson", "bootstrap" or "none" (no data)


@dataclass(frozen=True)
class PairedComparison:
    """Mean of (b - a) over the items both systems were scored on, with its 95% CI."""

    difference: float
    low: float
    high: float
    n: int
    b_better: int  # items where b scored higher
    a_better: int
    ties: int

    @property
    def significant(self) -> bool:
        """True when the interval excludes zero."""
        return self.low > 0 or self.high < 0


def mean_ci(scores: Sequence[float], *, seed: int = 0) -> Estimate:
    """The mean score with a 95% interval (Wilson if binary, else bootstrap)."""
    values = [float(s) for s in scores]
    n = len(values)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, "none")
    mean = sum(values) / n
    if all(v in (0.0, 1.0) for v in values):
        low, high = wilson(int(sum(values)), n)
        return Estimate(mean, low, high, n, "wilson")
    low, high = bootstrap_mean(values, seed=seed)
    return Estimate(mean, low, high, n, "bootstrap")


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n <= 0:
        raise ValueError(f"`n > 0` must hold, but got n={n}")
    if not 0 <= successes <= n:
        raise ValueError(f"`0 <= successes <= n` must hold, but got successes={successes}, n={n}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # Clamp the rounding error that can push the bounds a hair outside [0, 1].
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap_mean(
    values: Sequence[float], *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap 95% interval of the mean."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("bootstrap of an empty sample")
    rng = np.random.default_rng(seed)
    # Resample in chunks so 10k resamples of a 14k-item benchmark stay within a few MB.
    means: list[np.ndarray] = []
    chunk = max(1, 2_000_000 // data.size)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        idx = rng.integers(0, data.size, size=(size, data.size))
        means.append(data[idx].mean(axis=1))
    all_means = np.concatenate(means)
    low, high = np.percentile(all_means, [2.5, 97.5])
    return float(low), float(high)


def paired_difference(a: Mapping[str, float], b: Mapping[str, float], *, seed: int = 0) -> PairedComparison:
    """Compare two systems on the item ids both were scored on (b minus a)."""
    common = sorted(set(a) & set(b))
    if not common:
        return PairedComparison(math.nan, math.nan, math.nan, 0, 0, 0, 0)
    diffs = [float(b[i]) - float(a[i]) for i in common]
    mean = sum(diffs) / len(diffs)
    low, high = bootstrap_mean(diffs, seed=seed)
    return PairedComparison(
        difference=mean,
        low=low,
        high=high,
        n=len(diffs),
        b_better=sum(d > 0 for d in diffs),
        a_better=sum(d < 0 for d in diffs),
        ties=sum(d == 0 for d in diffs),
    )


@dataclass(frozen=True)
class JointMargin:
    """min over baselines of mean(system - baseline) on the items all were scored on, its 95% CI,
    and the baseline that gives the minimum (the best of them on these items)."""

    difference: float
    low: float
    high: float
    n: int
    best: str

    @property
    def beats_all(self) -> bool:
        """True when the interval is above zero: the system beats every baseline, jointly."""
        return self.low > 0


def joint_margin(system: Mapping[str, float], baselines: Mapping[str, Mapping[str, float]], *,
                 resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> JointMargin:
    """``system`` against the best of ``baselines`` (name -> item id -> score), jointly (see above)."""
    if not baselines:
        raise ValueError("joint_margin needs at least one baseline")
    names = list(baselines)
    common = sorted(set(system).intersection(*(set(b) for b in baselines.values())))
    if not common:
        return JointMargin(math.nan, math.nan, math.nan, 0, names[0])
    diffs = np.array([[float(system[i]) - float(baselines[name][i]) for name in names] for i in common])
    means = diffs.mean(axis=0)
    best = int(np.argmin(means))
    rng = np.random.default_rng(seed)
    minima: list[np.ndarray] = []
    chunk = max(1, 2_000_000 // diffs.size)
    for start in range(0, resamples, chunk):
        idx = rng.integers(0, len(common), size=(min(chunk, resamples - start), len(common)))
        minima.append(diffs[idx].mean(axis=1).min(axis=1))
    low, high = np.percentile(np.concatenate(minima), [2.5, 97.5])
    return JointMargin(float(means[best]), float(low), float(high), len(common), names[best])


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100, linear interpolation); NaN for no data."""
    if not values:
        return math.nan
    return float(np.percentile(np.asarray(values, dtype=float), q))
