"""Which architecture a search hands over: the best on dev, or the simplest within noise of it.

On a few dozen dev items the best score is partly luck (a searched winner is biased upward), and a
cheaper architecture a point or two behind it is often as good. ``simplest`` takes the cheapest
fully evaluated architecture (calls per query, then tokens; each model alone, greedy, included)
whose paired dev difference with the best has a 95% CI that includes 0 (``search.select``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from archon.benchmarks.stats import paired_difference
from archon.search.study.power_ranking import PowerRanking
from archon.search.trial.attributes import DUPLICATE_ATTR, ITEM_SCORES_ATTR, is_infeasible, summary_of


@dataclass(frozen=True)
class Candidate:
    """A fully evaluated architecture on dev: a trial, or a model alone (``model`` set); ``cost`` is
    (calls, tokens) per query, what "simplest" minimizes in that order."""

    label: str
    score: float
    cost: tuple[float, float]
    item_scores: dict[str, float]
    trial: int | None = None
    model: str | None = None


def simplest_within_noise(study: optuna.Study, ranking: PowerRanking, best: FrozenTrial, n_items: int
                          ) -> dict[str, Any] | None:
    """The simplest candidate tied with ``best`` on dev (see the module docstring), with its paired
    difference; None where the best's item scores were not recorded (a study older than them)."""
    best_scores = best.user_attrs.get(ITEM_SCORES_ATTR)
    if not best_scores:
        return None
    tied = []
    for candidate in _candidates(study, ranking, n_items):
        c = paired_difference(best_scores, candidate.item_scores)  # candidate minus best
        if c.n == len(best_scores) and c.low <= 0 <= c.high:
            tied.append((candidate, c))
    if not tied:
        return None
    # Ties in cost: a model alone before a trial, then the earlier trial.
    chosen, c = min(tied, key=lambda t: (t[0].cost, t[0].trial is not None, t[0].trial or 0))
    return {"label": chosen.label, "trial": chosen.trial, "model": chosen.model, "score": chosen.score,
            "calls": chosen.cost[0], "tokens": chosen.cost[1],
            "vs_best": {"difference": c.difference, "low": c.low, "high": c.high, "n": c.n},
            "is_best": chosen.trial == best.number}


def _candidates(study: optuna.Study, ranking: PowerRanking, n_items: int) -> list[Candidate]:
    found = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        scores = t.user_attrs.get(ITEM_SCORES_ATTR)
        if is_infeasible(t) or DUPLICATE_ATTR in t.user_attrs or not scores or len(scores) < n_items:
            continue
        summary = summary_of(t)
        cost = (float(summary.get("calls", 0.0)), float(summary.get("tokens", 0.0)))
        found.append(Candidate(f"trial {t.number}", float(t.values[0]), cost, dict(scores), trial=t.number))
    for alias in ranking.order:
        result = ranking.results[alias]
        if result.get("item_scores"):
            cost = (float(result.get("calls", 1.0)), float(result.get("tokens", 0.0)))
            found.append(Candidate(f"{alias} alone, greedy", float(result["score"]), cost,
                                   dict(result["item_scores"]), model=alias))
    return found
