"""Rebuild any trial's architecture from its parameters and write it as a system YAML.

No re-search and no evaluation: the study holds the search definition and the power
ranking, so replaying the space with ``optuna.trial.FixedTrial(trial.params)`` gives
the very system the trial ran. The YAML loads with ``archon.load(path)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna

from archon.errors import ArchonError
from archon.runtime.system import System
from archon.search.enumeration import system_key
from archon.search.power_ranking import stored_ranking
from archon.search.space import build_system
from archon.search.study import stored_spec
from archon.search.trial_attrs import SYSTEM_ATTR


def rebuild_system(study: optuna.Study, number: int, name: str | None = None) -> dict[str, Any]:
    """The system dict of trial ``number``, replayed from its parameters."""
    trials = [t for t in study.get_trials(deepcopy=False) if t.number == number]
    if not trials:
        raise ArchonError(f"study {study.study_name!r} has no trial {number} (it has {len(study.trials)})")
    trial = trials[0]
    spec = stored_spec(study)
    ranking = stored_ranking(study)
    order = ranking.order if ranking else tuple(spec.models)
    system = build_system(optuna.trial.FixedTrial(trial.params), spec, order,
                          name=name or f"{spec.name}-trial-{number}")
    recorded = trial.user_attrs.get(SYSTEM_ATTR)
    if recorded is not None and system_key(recorded) != system_key(system):
        # Only a change to archon's space code between the search and now can cause this.
        raise ArchonError(f"trial {number} rebuilt from its parameters differs from the system it ran; "
                          "the search space code changed since the search")
    return system


def write_system(system: dict[str, Any], path: Path, comment: str | None = None) -> Path:
    """Validate and write a system YAML (with the schema line for editors)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = System.load(system, cache=False).to_yaml(path)
    if comment:
        path.write_text("".join(f"# {line}\n" for line in comment.splitlines()) + text, encoding="utf-8")
    return path
