"""Warm start: known-good architectures queued as a search's first trials.

A short search on a slow machine cannot afford to spend half its trials on random
start-up (syftr seeds its studies the same way with known-good flows). ``search.warm_start``
names presets (those the techniques declare: the paper's general stack, best-of-N with a vote,
executed unit tests, tests from the query's own examples, a ranker, MoA) or gives parameter dicts. Each becomes
a complete set of the space's parameters, queued with ``study.enqueue_trial`` once per
study; a knob the entry does not name takes its cheapest value (off, the low end, the
best-ranked model). Presets take the largest version of themselves the budget allows.
The trials carry ``archon:seeded`` so the leaderboard says which ones were seeded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import optuna

from archon.layers.base import MAX
from archon.layers.registry import presets
from archon.runtime.system import System
from archon.search.define.budget import Budget
from archon.search.define.space import build_system
from archon.search.define.spec import SearchSpec
from archon.search.trial.attributes import SEEDED_ATTR, WARM_START_ATTR

Choose = Callable[[str, list[Any]], Any]


class _ChoosingTrial:
    """Answers the space's questions with ``choose`` and remembers the answers."""

    def __init__(self, choose: Choose) -> None:
        self.choose = choose
        self.params: dict[str, Any] = {}

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        return int(self._ask(name, list(range(low, high + 1, step))))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        return self._ask(name, list(choices))

    def _ask(self, name: str, values: list[Any]) -> Any:
        self.params[name] = self.choose(name, values)
        return self.params[name]


class NotInSpace(ValueError):
    pass


def choosing_trial(choose: Choose) -> _ChoosingTrial:
    """A trial that answers the space's questions with ``choose(name, values)`` (its ``params``
    then hold the answers): how a preset or a baseline is built without a study."""
    return _ChoosingTrial(choose)


def entry_params(wanted: dict[str, Any], spec: SearchSpec, ranking: Sequence[str], budget: Budget,
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(params, system) of a warm-start entry: the largest feasible version of it."""
    for shrink in range(64):
        def choose(name: str, values: list[Any], shrink: int = shrink) -> Any:
            if name not in wanted:
                return cheapest(values)
            value = wanted[name]
            if value == MAX:
                return values[max(0, len(values) - 1 - shrink)]
            if value not in values:
                raise NotInSpace(f"{name}={value!r} is not in the space (it allows {values})")
            return value

        trial = _ChoosingTrial(choose)
        system = build_system(trial, spec, ranking)
        if budget.check(System.load(system, cache=False).graph).feasible or MAX not in wanted.values():
            return trial.params, system
    return trial.params, system


def cheapest(values: list[Any]) -> Any:
    """Off, the low end of a count, or the first choice listed (models: the best-ranked)."""
    if all(isinstance(v, bool) for v in values):
        return False if False in values else values[0]
    if "none" in values:
        return "none"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return min(values)
    return values[0]


def enqueue_warm_start(study: optuna.Study, spec: SearchSpec, ranking: Sequence[str], budget: Budget,
                       say: Callable[[str], None]) -> None:
    """Queue the warm-start entries (once per study), in the order given."""
    entries = spec.search.warm_start
    if not entries or study.user_attrs.get(WARM_START_ATTR):
        return
    queued: list[str] = []
    for i, entry in enumerate(entries):
        label = entry if isinstance(entry, str) else f"warm_start[{i}]"
        wanted = presets()[entry] if isinstance(entry, str) else dict(entry)
        try:
            params, _system = entry_params(wanted, spec, ranking, budget)
        except NotInSpace as exc:
            say(f"warm start: {label} skipped: {exc}")
            continue
        study.enqueue_trial(params, user_attrs={SEEDED_ATTR: label}, skip_if_exists=True)
        queued.append(label)
    study.set_user_attr(WARM_START_ATTR, queued)
    if queued:
        say(f"warm start: queued {', '.join(queued)}")
