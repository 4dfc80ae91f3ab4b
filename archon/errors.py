"""Errors a user can act on.

Every error that reaches the CLI because of something the user wrote or did is an
``ArchonError``: the CLI prints its message on one line (no traceback unless --debug).
Each carries structured fields and builds its message in ``__str__``, so callers can
inspect *what* went wrong without parsing text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


class ArchonError(Exception):
    """Base class of every user-facing error."""

    #: Set by the executor when a query fails: what it spent before failing (a ``Usage``).
    usage: Any = None


@dataclass
class ConfigError(ArchonError):
    """A system, search or benchmark definition is malformed.

    ``source`` is the file (or "<string>"), ``location`` the path inside it
    (e.g. ``nodes[2].top_k``), ``message`` what was expected and what was given.
    """

    source: str
    location: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        if self.location:
            where += f": {self.location}"
        return f"{where}: {self.message}"


@dataclass
class ConfigErrors(ArchonError):
    """Several problems found in one file; reported together so a user fixes them in one pass."""

    errors: list[ConfigError] = field(default_factory=list)

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return str(self.errors[0])
        return f"{len(self.errors)} problems:\n" + "\n".join(f"  - {e}" for e in self.errors)


@dataclass
class UnknownNameError(ArchonError):
    """A name (technique, model, benchmark, scorer...) is not in its registry."""

    kind: str
    name: str
    choices: Sequence[str]

    def __str__(self) -> str:
        return f"{self.kind} {self.name!r} is not known. {suggest(self.name, self.choices)}"


@dataclass
class ModelNotAvailableError(ArchonError):
    """A model exists but cannot be used yet (e.g. a local model that is not pulled)."""

    model: str
    hint: str

    def __str__(self) -> str:
        return f"model {self.model!r} is not available: {self.hint}"


@dataclass
class ModelCallError(ArchonError):
    """A provider call failed for good (after retries, or with a non-retryable error)."""

    model: str
    reason: str
    attempts: int = 1

    def __str__(self) -> str:
        return f"call to {self.model!r} failed after {self.attempts} attempt(s): {self.reason}"


@dataclass
class NodeFailedError(ArchonError):
    """A node produced no candidate at all (every call it made failed)."""

    node: str
    reasons: list[str]

    def __str__(self) -> str:
        shown = "; ".join(dict.fromkeys(self.reasons)) or "no candidates"
        return f"node {self.node!r} produced no candidates: {shown}"


class ContextMissingError(ArchonError):
    """A technique needs part of the query's item context (its choices, its category) that the
    query came without, or that does not match the query."""


def suggest(name: str, choices: Iterable[str]) -> str:
    """'Did you mean ...?' followed by the full list of valid choices."""
    import difflib

    options = sorted(set(choices))
    close = difflib.get_close_matches(name, options, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return f"{hint}Valid choices: {', '.join(options) if options else '(none)'}"


class ReplayMiss(BaseException):
    """A replay asked for a model call or a sandbox execution that its recording lacks.

    A BaseException on purpose: every layer that turns a failed call into a lost sample
    or a zero score (``except Exception``) must let this through, because a replay that
    went on with different inputs would report numbers the recording never produced.
    """

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(what, detail)
        self.what = what
        self.detail = detail

    def __str__(self) -> str:
        return f"the recording has no {self.what}: {self.detail} (it was recorded with other code or settings)"
