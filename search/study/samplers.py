"""Sampler and pruner from the search settings.

TPE is the default: it handles the space's conditional, mostly categorical knobs,
runs in milliseconds and, with ``constant_liar``, keeps parallel workers from
proposing the same architecture. ``multivariate`` + ``group`` model knobs jointly
within each conditional branch (samples matter differently with or without a
vote); measured in perf/search_efficiency.py against random search.
Every sampler here reads the budget constraint set on each trial
(``trial.set_constraint``) where it supports constraints.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial, TrialState

from archon.errors import ConfigError
from archon.search.define.spec import SearchSpec


class TrialSeededSampler(optuna.samplers.BaseSampler):
    """A sampler whose random state is set from (seed, trial number) before every trial.

    An optuna sampler seeds its generator once, when it is made, so a search resumed in a new
    process (the next sitting of a long search) would draw other proposals than the same
    search run in one go, and a recorded search could not be replayed. Reseeded per trial, a
    proposal depends only on the seed, the trial number and the study's history.
    """

    def __init__(self, inner: optuna.samplers.BaseSampler, seed: int) -> None:
        self.inner = inner
        self.seed = seed

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        for owner in (self.inner, getattr(self.inner, "_random_sampler", None)):
            lazy = getattr(owner, "_rng", None)
            if lazy is not None and hasattr(lazy, "rng"):
                lazy.rng.seed((self.seed * 1_000_003 + trial.number) % 2**32)
        self.inner.before_trial(study, trial)

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return self.inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        return self.inner.sample_relative(study, trial, search_space)

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        return self.inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        self.inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self.inner.reseed_rng()


def make_sampler(spec: SearchSpec, seed: int, source: str = "<search>") -> optuna.samplers.BaseSampler:
    return TrialSeededSampler(_make_sampler(spec, seed, source), seed)


def _make_sampler(spec: SearchSpec, seed: int, source: str = "<search>") -> optuna.samplers.BaseSampler:
    name = spec.search.sampler
    startup = spec.search.startup_trials
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if name == "tpe":
            return optuna.samplers.TPESampler(n_startup_trials=startup, seed=seed, multivariate=True, group=True,
                                              constant_liar=True)
        if name == "gp":
            missing = [m for m in ("torch", "scipy") if importlib.util.find_spec(m) is None]
            if missing:
                raise ConfigError(source, "search.sampler", f"sampler 'gp' needs {' and '.join(missing)}, "
                                  f"which are not installed: pip install {' '.join(missing)}; or use tpe")
            return optuna.samplers.GPSampler(seed=seed, n_startup_trials=startup)
        if name == "nsga2":
            return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, min(50, startup)))
        # grid: the distinct architectures are enqueued up front (see study.py); anything
        # beyond them would only repeat, so the fallback sampler is never asked to choose.
        return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(spec: SearchSpec, n_items: int) -> optuna.pruners.BasePruner:
    """Steps are dev items scored so far; the first report comes after one batch."""
    name = spec.pruner
    batch = spec.search.batch_size
    startup = max(2, spec.search.startup_trials // 2)
    # Steps are items scored; one batch is too few to judge a trial by (6 items is +-35 points).
    warmup = spec.search.prune_after or 2 * batch
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=startup, n_warmup_steps=warmup)
    if name == "percentile":
        return optuna.pruners.PercentilePruner(25.0, n_startup_trials=startup, n_warmup_steps=warmup)
    if name == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=batch, reduction_factor=3)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=batch, max_resource=max(batch, n_items),
                                              reduction_factor=3)
    return optuna.pruners.NopPruner()
