"""Walk a define-by-run space: every parameter combination, or the cheapest ones.

``build_system`` asks for parameters one at a time and which ones it asks for depends
on earlier answers, so the space is a tree. A ``_BranchingTrial`` replays a prefix of
answers and stops at the first parameter it has no answer for, reporting the values
that parameter can take; a depth-first walk over those reports visits every leaf.
Used to run the grid sampler over distinct architectures, to size the space, and to
check before spending anything that some architecture fits the budget.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from archon.search.define.space import build_system
from archon.search.define.spec import SearchSpec

#: Narrows the values tried for one parameter: (name, all values) -> values to try.
Restrict = Callable[[str, list[Any]], list[Any]]


class _Branch(Exception):
    def __init__(self, name: str, values: list[Any]) -> None:
        super().__init__(name)
        self.name = name
        self.values = values


class _BranchingTrial:
    """Enough of optuna's trial interface for ``build_system``."""

    def __init__(self, prefix: dict[str, Any]) -> None:
        self.params = dict(prefix)

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        return int(self._value(name, list(range(low, high + 1, step))))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        return self._value(name, list(choices))

    def _value(self, name: str, values: list[Any]) -> Any:
        if name not in self.params:
            raise _Branch(name, values)
        return self.params[name]


def walk(spec: SearchSpec, ranking: Sequence[str], restrict: Restrict | None = None,
         limit: int | None = None) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(params, system dict) for every combination, depth first, at most ``limit``."""
    stack: list[dict[str, Any]] = [{}]
    produced = 0
    while stack:
        prefix = stack.pop()
        try:
            system = build_system(_BranchingTrial(prefix), spec, ranking)
        except _Branch as branch:
            values = restrict(branch.name, branch.values) if restrict else branch.values
            stack.extend({**prefix, branch.name: v} for v in reversed(values))
            continue
        yield prefix, system
        produced += 1
        if limit is not None and produced >= limit:
            return


def distinct_architectures(spec: SearchSpec, ranking: Sequence[str], limit: int | None = None
                           ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """One (params, system) per distinct system, in walk order."""
    seen: set[str] = set()
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for params, system in walk(spec, ranking, limit=limit):
        key = system_key(system)
        if key not in seen:
            seen.add(key)
            out.append((params, system))
    return out


def cheapest_restriction(name: str, values: list[Any]) -> list[Any]:
    """Estimated cost grows with every integer knob and with every on/off knob switched on,
    so the cheapest systems are at the low ends; model, stage and temperature choices
    change the cost in ways the order does not tell, so all of them are kept."""
    if values and all(isinstance(v, bool) for v in values):
        return [False] if False in values else values
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return [min(values)]
    return values


def system_key(system: dict[str, Any]) -> str:
    """Identity of a built system dict, regardless of its name."""
    return json.dumps({k: v for k, v in system.items() if k != "name"}, sort_keys=True)
