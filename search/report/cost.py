"""What the search cost, and what its gain costs: is the search worth paying for?

The search's own spend is every architecture it scored on dev (a repeat costs nothing) and the
power ranking, apart from the final evaluation. Against the best baseline a user gets without
searching, the found system costs ``extra`` more per query and answers ``gain`` more queries right;
serving ``n`` queries, each additional correct answer then costs

    (search cost + n * extra per query) / (n * gain)

so a search pays for itself only over enough queries, and not at all without a gain. Costs are in
tokens processed (prompt + completion) and in dollars where the models are priced; local models
are free, so their dollars are 0 and tokens are the measure.
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.trial import TrialState

from archon.search.study.power_ranking import PowerRanking
from archon.search.trial.attributes import DUPLICATE_ATTR, is_infeasible, summary_of

#: Queries served after the search, for the cost per additional correct answer.
SERVED = (1_000, 10_000, 100_000)


def search_spend(study: optuna.Study, ranking: PowerRanking) -> dict[str, Any]:
    """Provider calls, tokens and dollars the trials and the power ranking spent on dev."""
    trials = {"provider_calls": 0, "tokens": 0.0, "usd": 0.0, "architectures": 0}
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)):
        summary = summary_of(t)
        if is_infeasible(t) or DUPLICATE_ATTR in t.user_attrs or not summary:
            continue
        trials["architectures"] += 1
        trials["provider_calls"] += int(summary.get("provider_calls", 0))
        trials["tokens"] += float(summary.get("tokens", 0.0)) * int(summary.get("items", 0))
        trials["usd"] += float(summary.get("trial_usd", 0.0))
    ranked = {"provider_calls": 0, "tokens": 0.0, "usd": 0.0}
    for result in ranking.results.values():
        ranked["provider_calls"] += int(result.get("provider_calls", 0))
        ranked["tokens"] += float(result.get("tokens", 0.0)) * int(result.get("items", 0))
        ranked["usd"] += float(result.get("trial_usd", 0.0))
    total = {k: trials[k] + ranked[k] for k in ("provider_calls", "tokens", "usd")}
    return {"trials": trials, "power_ranking": ranked, "total": total}


def gain_cost(final: dict[str, Any], spend: dict[str, Any]) -> dict[str, Any] | None:
    """The found system against the best baseline of the verdict: extra cost per query, and the
    cost per additional correct answer for each of ``SERVED`` (None without a verdict)."""
    verdict = final.get("verdict")
    rows = {row["name"]: row for row in final.get("baselines") or []}
    if not verdict or verdict.get("difference") is None or verdict["baseline"] not in rows:
        return None
    found, baseline = final["best"], rows[verdict["baseline"]]
    extra_tokens = float(found["tokens_per_query"]) - float(baseline["tokens_per_query"])
    extra_usd = float(found.get("usd_per_query", 0.0)) - float(baseline.get("usd_per_query", 0.0))
    gain = float(verdict["difference"])
    result: dict[str, Any] = {"baseline": verdict["baseline"], "gain": gain, "significant": verdict["beats_all"],
                              "extra_calls_per_query": float(found["calls_per_query"]) - baseline["calls_per_query"],
                              "extra_tokens_per_query": extra_tokens, "extra_usd_per_query": extra_usd}
    if gain <= 0:
        result["per_additional_correct"] = "no gain"
        return result
    total = spend["total"]
    result["per_additional_correct"] = [
        {"served": n, "tokens": (total["tokens"] + n * extra_tokens) / (n * gain),
         "usd": (total["usd"] + n * extra_usd) / (n * gain)} for n in SERVED]
    return result
