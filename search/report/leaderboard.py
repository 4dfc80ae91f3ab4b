"""The leaderboard: distinct completed architectures, best first, with what they cost.

Built from the study alone (no spec or run directory needed), so ``archon report``
shows the same table as the search did, and so does any worker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from archon.search.trial.attributes import (
    DUPLICATE_ATTR,
    FINGERPRINT_ATTR,
    SEEDED_ATTR,
    SYSTEM_ATTR,
    is_infeasible,
    summary_of,
)


@dataclass(frozen=True)
class Row:
    trial: int
    score: float
    calls: float
    tokens: float
    cost_usd: float
    latency_s: float
    architecture: str
    pareto: bool = False
    seeded: str | None = None  # the warm-start entry that queued it
    calls_p90: float | None = None  # how the calls spread over queries (adaptive architectures vary)
    calls_max: float | None = None

    def calls_text(self) -> str:
        """Calls per query: the mean, and where queries differ, the 90th percentile and maximum."""
        text = f"{self.calls:.1f}"
        if self.calls_max is not None and self.calls_max > self.calls + 0.05:
            text += f" (p90 {self.calls_p90:.0f}, max {self.calls_max:.0f})"
        return text


@dataclass
class Leaderboard:
    objectives: list[str]
    rows: list[Row] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"objectives": self.objectives, "counts": dict(self.counts),
                "rows": [r.__dict__ for r in self.rows]}


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    """The highest-scoring feasible completed trial (on the Pareto front with several objectives)."""
    completed = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                 if t.values is not None and not is_infeasible(t)]
    if not completed:
        return None
    pool = pareto_trials(study) if len(study.directions) > 1 else completed
    # Ties: fewer calls per query, then the earlier trial.
    return max(pool or completed, key=lambda t: (t.values[0], -summary_of(t).get("calls", 0.0), -t.number))


def pareto_trials(study: optuna.Study) -> list[FrozenTrial]:
    if len(study.directions) == 1:
        return []
    originals = [t for t in study.best_trials if DUPLICATE_ATTR not in t.user_attrs]
    return sorted(originals, key=lambda t: -t.values[0])


def build_leaderboard(study: optuna.Study, objectives: Sequence[str], top: int = 10) -> Leaderboard:
    board = Leaderboard(list(objectives))
    trials = study.get_trials(deepcopy=False)
    for t in trials:
        board.counts[_kind(t)] += 1
    front = {t.number for t in pareto_trials(study)}
    seen: set[str] = set()
    # A repeat (duplicate_of) re-states its original's result: the original is the row.
    completed = [t for t in trials if t.state == TrialState.COMPLETE and t.values is not None
                 and DUPLICATE_ATTR not in t.user_attrs]
    completed.sort(key=lambda t: (-t.values[0], summary_of(t).get("calls", 0.0), t.number))
    for t in completed:
        fingerprint = str(t.user_attrs.get(FINGERPRINT_ATTR, t.number))
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        s = summary_of(t)
        board.rows.append(Row(
            trial=t.number, score=t.values[0], calls=float(s.get("calls", 0.0)), tokens=float(s.get("tokens", 0.0)),
            cost_usd=float(s.get("cost_usd", 0.0)), latency_s=float(s.get("latency_s", 0.0)),
            architecture=describe(t.user_attrs.get(SYSTEM_ATTR) or {}), pareto=t.number in front,
            seeded=t.user_attrs.get(SEEDED_ATTR), calls_p90=s.get("calls_p90"), calls_max=s.get("calls_max"),
        ))
    board.rows = board.rows[:top]
    return board


def _kind(t: FrozenTrial) -> str:
    if t.state == TrialState.PRUNED:
        return "infeasible" if is_infeasible(t) else "pruned"
    if t.state == TrialState.COMPLETE:
        return "duplicate" if DUPLICATE_ATTR in t.user_attrs else "complete"
    return t.state.name.lower()


def describe(system: dict[str, Any]) -> str:
    """A one-line sketch: "3×qwen + 3×smol → critique(qwen) → rank(qwen, top 2) → fuse(qwen)".
    Each technique says how it reads (``Technique.sketch``); generators come first, joined."""
    from archon.layers.registry import get_technique

    gens: list[str] = []
    parts: list[str] = []
    for node in system.get("nodes") or []:
        try:
            cls = get_technique(str(node.get("type")))
            technique = cls(cls.Spec.model_validate(node))
            sketch = technique.sketch()
            branches = [f"{name}: {describe({'nodes': b.nodes}) if b.nodes else b.file}"
                        for name, b in technique.branches().items()]
            if branches:
                sketch += f" [{'; '.join(branches)}]"
        except Exception:  # a stored system of an older archon: name its type rather than fail
            cls, sketch = None, str(node.get("type"))
        if cls is not None and cls.source:
            gens.append(sketch)
        elif sketch:
            parts.append(sketch)
    return " → ".join([" + ".join(gens), *parts] if gens else parts)
