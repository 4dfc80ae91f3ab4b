"""What a technique declares about its place in a searched architecture.

The search (``archon.search``) builds architectures in the paper's shape,

    generators -> [fusion layers: critique -> rank -> fuse] -> final stage -> [wrappers]

and never names a technique: it asks the registry (``archon.layers.registry``) which technique
plays each part. A technique module declares, next to its ``run``:

- a **role** in that shape (``register_role``): "generator", "shuffled_generator", "router",
  "critic", "ranker" or "fuser", with the function that writes its node for the search;
- **final stages** (``FinalStage``, ``register_stage``): the names a search file lists under
  ``space.final_stage``, the knobs the stage adds to ``space:`` (``space_fields``), and the nodes
  it appends (define-by-run: it asks the trial for its own knobs while it builds);
- **wrappers** (``Wrapper``, ``register_wrapper``) around the whole built architecture (a cascade);
- **presets** (``register_preset``): known-good parameter sets for ``search.warm_start``.

A trial here is anything with optuna's ``suggest_int`` / ``suggest_categorical`` (optuna's
Trial and FixedTrial, warm start's choosing trial), so no technique imports optuna.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import AfterValidator, BeforeValidator, Field

#: A preset's value for "the largest the space allows" (lowered until the budget is met).
MAX = "max"


def _as_range(value: Any) -> Any:
    """``3`` means ``[3, 3]``; a two-item list is ``[low, high]``."""
    if isinstance(value, bool):
        return value  # let pydantic reject it with its own message
    if isinstance(value, int):
        return [value, value]
    return value


def _check_range(value: list[int]) -> list[int]:
    if len(value) != 2:
        raise ValueError(f"expected [low, high] or a single number, got a list of {len(value)}")
    low, high = value
    if low > high:
        raise ValueError(f"`low <= high` must hold, but got (low={low}, high={high})")
    return value


#: A knob's inclusive integer range ``[low, high]`` in a search file (a single number fixes it).
IntRange = Annotated[
    list[Annotated[int, Field(ge=0)]], BeforeValidator(_as_range), AfterValidator(_check_range)
]


class SearchTrial(Protocol):
    """What building an architecture asks of a trial: optuna's Trial and FixedTrial both qualify."""

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int: ...

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any: ...


def choose(trial: SearchTrial, name: str, choices: Sequence[Any]) -> Any:
    """The trial's pick among ``choices``; a single choice is fixed, not a parameter (it would
    only add a dimension for the sampler to model)."""
    if len(choices) == 1:
        return choices[0]
    return trial.suggest_categorical(name, list(choices))


def choose_int(trial: SearchTrial, name: str, bounds: Sequence[int], step: int = 1) -> int:
    """The trial's pick in the inclusive range ``bounds``; a fixed range is not a parameter."""
    low, high = bounds
    if low == high:
        return low
    return trial.suggest_int(name, low, high, step=step)


def in_order(allowed: Sequence[str] | None, order: Sequence[str]) -> list[str]:
    """The aliases ``allowed`` (all when None) in ``order`` (the power ranking, best first)."""
    return [a for a in order if allowed is None or a in allowed]


@dataclass
class CandidateFlow:
    """The nodes built so far: ``prev`` are the ids feeding the next node, ``count`` how many
    candidates they carry; ``stage`` is the final stage added, if one was."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    prev: list[str] = field(default_factory=list)
    count: int = 0
    stage: str | None = None

    def add(self, node_id: str, type_: str, outputs: int, **fields: Any) -> None:
        """A node reading what came before; it alone feeds the next one."""
        self.nodes.append({"id": node_id, "type": type_, "inputs": list(self.prev), **fields})
        self.prev = [node_id]
        self.count = outputs

    def add_node(self, node: dict[str, Any], outputs: int) -> None:
        """``add`` for a node written whole (by a role's function): it reads what came before."""
        fields = {k: v for k, v in node.items() if k not in ("id", "type")}
        self.add(node["id"], node["type"], outputs, **fields)

    def add_query_reader(self, node_id: str, type_: str, **fields: Any) -> None:
        """A node that reads only the query (tests written or read from it): it runs while the
        candidates are sampled, and the next node reads it beside them."""
        self.nodes.append({"id": node_id, "type": type_, "inputs": [], **fields})
        self.prev = [*self.prev, node_id]


@dataclass(frozen=True)
class SpaceField:
    """A knob a technique adds at the top level of a search's ``space:`` (a pydantic annotation
    and its ``Field``). ``fingerprinted_at_default``: part of a study's fingerprint even at its
    default (the knobs studies were first recorded with); others are left out at their default,
    so a study recorded before the technique existed still resumes."""

    annotation: Any
    info: Any
    fingerprinted_at_default: bool = False


@dataclass(frozen=True)
class StageContext:
    """What a final stage builds with: the trial, the whole ``space:`` (its own fields are
    attributes of it), and the judge model when the stage uses one."""

    trial: SearchTrial
    space: Any
    judge: str | None = None


class FinalStage(ABC):
    """A stage before the end of an architecture: what selects, filters or merges the candidates.

    Subclasses set ``names`` (the values of ``space.final_stage`` they answer to) and implement
    ``add``; the search calls it only when there are several candidates, since over one a stage
    cannot change the answer.
    """

    names: ClassVar[tuple[str, ...]]
    #: Knobs at the top level of ``space:`` (e.g. ``vote_extractor``, ``adaptive: {...}``).
    space_fields: ClassVar[Mapping[str, SpaceField]] = {}
    #: Whether the stage calls the search's judge model (its choice is then a knob).
    uses_judge: ClassVar[bool] = False
    #: Whether the stage rejects wrong candidates, so a cascade may check its cheap answers with it.
    checks: ClassVar[bool] = False

    def logprobs(self, name: str) -> bool:
        """Whether the generators should return token log-probabilities for this stage."""
        return False

    def add(self, name: str, flow: CandidateFlow, ctx: StageContext) -> None:
        """Append the stage's nodes to ``flow`` (``flow.add`` / ``flow.add_query_reader``)."""
        raise NotImplementedError(f"final stage {name!r} builds the whole architecture (see `whole`)")

    def whole(self, name: str, ctx: StageContext, generators: list[str], samples: int,
              temperature: float) -> list[dict[str, Any]] | None:
        """The whole architecture, for a stage that replaces the generators (adaptive_vote
        samples them itself); None for a stage that follows them."""
        return None

    def problems(self, space: Any) -> list[tuple[list[str | int], str]]:
        """Problems with this stage's knobs in ``space`` (path under the search file, sentence)."""
        return []


@dataclass(frozen=True)
class WrapContext:
    """What a wrapper builds with: the trial, the space, the models best first (the power
    ranking), each alias's model settings, and the final stage the architecture ended with."""

    trial: SearchTrial
    space: Any
    order: list[str]
    models: Mapping[str, dict[str, Any]]
    stage: str | None


class Wrapper(ABC):
    """Something around the whole built architecture (a cascade puts a cheap model first)."""

    name: ClassVar[str]
    space_fields: ClassVar[Mapping[str, SpaceField]] = {}

    @abstractmethod
    def wrap(self, ctx: WrapContext, system: dict[str, Any]) -> dict[str, Any]:
        """``system`` (a system dict) wrapped, or unchanged if the trial says so."""
