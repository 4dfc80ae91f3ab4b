"""Name -> technique class, and what techniques declare for a search (roles, final stages,
wrappers, presets; see searchable.py). Built-ins register on import of ``archon.layers``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from archon.errors import UnknownNameError
from archon.layers.base import Technique
from archon.layers.searchable import CandidateFlow, FinalStage, StageContext, Wrapper

T = TypeVar("T", bound=type[Technique])
S = TypeVar("S", bound=type[FinalStage])
W = TypeVar("W", bound=type[Wrapper])

_TECHNIQUES: dict[str, type[Technique]] = {}
_version = 0  # bumped on every registration so the cached schemas are rebuilt


def register(cls: T) -> T:
    """Class decorator: make a technique available to YAML systems under ``cls.type``."""
    global _version
    _TECHNIQUES[cls.type] = cls
    _version += 1
    return cls


def get_technique(name: str) -> type[Technique]:
    try:
        return _TECHNIQUES[name]
    except KeyError:
        raise UnknownNameError("technique", name, list(_TECHNIQUES)) from None


def techniques() -> dict[str, type[Technique]]:
    return dict(_TECHNIQUES)


def registry_version() -> int:
    return _version


# -- what techniques declare for a search ----------------------------------------------------

@dataclass(frozen=True)
class Role:
    """The technique playing a part of the searched shape, and the function writing its node."""

    type: str
    node: Callable[..., dict[str, Any]]


_ROLES: dict[str, Role] = {}
_STAGES: dict[str, FinalStage] = {}
_WRAPPERS: dict[str, Wrapper] = {}
_PRESETS: dict[str, dict[str, Any]] = {}


def register_role(role: str, type_: str, node: Callable[..., dict[str, Any]]) -> None:
    """``type_`` plays ``role`` in searched architectures; ``node(...)`` writes its node dict.
    One technique per role: a second one is an error, not a silent replacement."""
    held = _ROLES.get(role)
    if held is not None and held.type != type_:
        raise ValueError(f"role {role!r} is already played by technique {held.type!r}; {type_!r} cannot take it")
    _ROLES[role] = Role(type_, node)


def role(name: str) -> Role:
    try:
        return _ROLES[name]
    except KeyError:
        raise UnknownNameError("search role", name, list(_ROLES)) from None


def register_stage(cls: S) -> S:
    """Class decorator: the final stage(s) ``cls.names`` become choices of ``space.final_stage``."""
    global _version
    stage = cls()
    for name in cls.names:
        _STAGES[name] = stage
    _version += 1
    return cls


def final_stages() -> dict[str, FinalStage]:
    return dict(_STAGES)


#: The final stage that adds nothing.
NO_STAGE = "none"


def add_stage(name: str, flow: CandidateFlow, ctx: StageContext) -> None:
    """The final stage ``name`` appended to ``flow``; left out over one candidate, where no stage
    can change the answer (so parameters that mean the same system build the same one)."""
    if name == NO_STAGE or flow.count <= 1:
        return
    try:
        stage = _STAGES[name]
    except KeyError:
        raise UnknownNameError("final stage", name, [NO_STAGE, *_STAGES]) from None
    stage.add(name, flow, ctx)
    flow.stage = name


def register_wrapper(cls: W) -> W:
    """Class decorator: a wrapper every searched architecture may get (in registration order)."""
    global _version
    _WRAPPERS[cls.name] = cls()
    _version += 1
    return cls


def wrappers() -> list[Wrapper]:
    return list(_WRAPPERS.values())


def register_preset(name: str, params: dict[str, Any]) -> None:
    """A known-good architecture for ``search.warm_start``: the parameters it sets (``MAX``: the
    largest the space and the budget allow); every other knob takes its cheapest value."""
    global _version
    _PRESETS[name] = dict(params)
    _version += 1


def presets() -> dict[str, dict[str, Any]]:
    return {name: dict(params) for name, params in _PRESETS.items()}
