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

import optuna

from archon.errors import ConfigError
from archon.search.spec import SearchSpec


def make_sampler(spec: SearchSpec, seed: int, source: str = "<search>") -> optuna.samplers.BaseSampler:
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
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=startup, n_warmup_steps=0)
    if name == "percentile":
        return optuna.pruners.PercentilePruner(25.0, n_startup_trials=startup, n_warmup_steps=0)
    if name == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=batch, reduction_factor=3)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=batch, max_resource=max(batch, n_items),
                                              reduction_factor=3)
    return optuna.pruners.NopPruner()
