"""Name -> technique class. Built-ins register on import of ``archon.layers``."""

from __future__ import annotations

from typing import TypeVar

from archon.errors import UnknownNameError
from archon.layers.base import Technique

T = TypeVar("T", bound=type[Technique])

_TECHNIQUES: dict[str, type[Technique]] = {}
_version = 0  # bumped on every registration so the cached schema is rebuilt


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
