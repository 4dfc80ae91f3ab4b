"""The contract every technique (layer type) fulfils, and all a technique may rely on.

A technique maps the candidates of its input nodes to new candidates, making model
calls (``Call``) through its ``NodeContext``. Each technique lives in its own module with
its prompt, declares a pydantic ``Spec`` (its YAML fields, ``extra="forbid"``) and
registers itself with ``@register``; the system schema is built from the registry,
so a new technique plugs in by defining and registering one class. What a technique
knows about itself (its calls, their order, its output size, how it reads in a
leaderboard) is a method here, so nothing elsewhere switches on technique names.

What a technique declares about its place in a *searched* architecture (its role, final
stages, knobs, presets) is in searchable.py, re-exported here.

This module and the registry are the layer both sides depend on: the runtime
(``archon.runtime``) implements ``NodeContext``, the configuration builds graphs of
``Technique`` objects, and techniques import nothing of either.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archon.layers.searchable import (
    MAX,
    CandidateFlow,
    FinalStage,
    IntRange,
    SearchTrial,
    SpaceField,
    StageContext,
    WrapContext,
    Wrapper,
    choose,
    choose_int,
    in_order,
)
from archon.models.types import Completion, Message, Reply
from archon.sandbox.unit_tests import CodeRunner

# The search's side of the contract (searchable.py) is re-exported here: the search imports a
# technique's contract and the registry, never a technique.
__all__ = ["MAX", "Branch", "Call", "Candidate", "CandidateFlow", "FinalStage", "GraphView", "IntRange", "ItemContext",
           "NodeContext", "NodeInputs", "NodeOutput", "NodeSpec", "Reply", "SamplingSpec", "SearchTrial",
           "SingleModelSpec", "SpaceField", "StageContext", "Technique", "WrapContext", "Wrapper", "choose",
           "choose_int", "in_order", "numbered"]

NODE_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"


class NodeSpec(BaseModel):
    """Fields every node has. Techniques subclass this with ``type: Literal[...]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=NODE_ID_PATTERN, description="Unique node name.")
    type: str
    inputs: list[str] | None = Field(
        default=None,
        description="Ids of the nodes feeding this one. Default: the node listed just before.",
    )
    description: str | None = None


class SamplingSpec(NodeSpec):
    """A node that calls models, with its own sampling settings (None: its models' own)."""

    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)


class SingleModelSpec(SamplingSpec):
    """A node whose technique makes its calls with one model."""

    model: str = Field(min_length=1, description="A model alias from `models:` or a litellm model string.")


class ItemContext(BaseModel):
    """What a query may carry besides its text: the structure of the item it comes from.

    ``archon eval`` and ``archon search`` pass it from the benchmark item; in Python,
    ``system.run(query, context={...})``; through ``archon serve``, the request's
    ``archon.context``. Techniques that need a part of it (choice shuffling needs the choices,
    routing the category) fail with a clear error when a query comes without it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    choices: list[str] | None = Field(
        default=None, min_length=2, description="The options of a multiple-choice item, in the order the "
        "query lists them (as lines 'A. option').")
    labels: str | None = Field(default=None, description="The options' letters (default A, B, C...).")
    category: str | None = Field(default=None, description="The item's category (the MMLU subject, or a "
                                 "custom benchmark's category field), for routing.")
    answer_format: Literal["choice", "number", "math", "code", "text"] | None = Field(
        default=None, description="The kind of answer the benchmark scores.")

    def option_labels(self) -> str:
        """The letters of the choices (the given labels, else A, B, C...)."""
        return self.labels or "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(self.choices or ())]


NO_CONTEXT = ItemContext()


class Branch(BaseModel):
    """A sub-system a node runs: its nodes inline (using the system's `models:`), or a system file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nodes: list[dict[str, Any]] | None = Field(
        default=None, min_length=1, description="The sub-system's nodes, as in a system's `nodes:`; they use "
        "the system's model aliases.")
    output: str | None = Field(default=None, description="Its output node (default: its one sink).")
    file: str | None = Field(default=None, description="A system file (relative to this one) to run instead, "
                             "with its own models.")

    @model_validator(mode="after")
    def _one_source(self) -> Branch:
        if (self.nodes is None) == (self.file is None):
            raise ValueError("give exactly one of `nodes` (inline) or `file` (a system file)")
        if self.file is not None and self.output is not None:
            raise ValueError("`output` applies to inline `nodes`; a system file names its own")
        return self


@dataclass(frozen=True)
class Candidate:
    """One candidate response flowing between nodes.

    A critique travels with the candidate it judges, so when a fuse makes new
    candidates the old critiques are gone with the old candidates: no stale critique
    leaks into a later layer (a known flaw of the reference implementation).
    """

    text: str
    origin: str  # id of the node that produced the text
    model: str | None = None
    critique: str | None = None
    notes: Mapping[str, Any] = field(default_factory=dict)

    def with_notes(self, **notes: Any) -> Candidate:
        return replace(self, notes={**self.notes, **notes})


@dataclass(frozen=True)
class NodeOutput:
    node: str
    candidates: tuple[Candidate, ...]
    tests: tuple[str, ...] = ()  # unit tests, set by unit_test_generate


@dataclass(frozen=True)
class NodeInputs:
    """Everything a node receives: the outputs of its input nodes, in input order."""

    outputs: tuple[NodeOutput, ...]

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return tuple(c for out in self.outputs for c in out.candidates)

    @property
    def tests(self) -> tuple[str, ...]:
        return tuple(t for out in self.outputs for t in out.tests)


@dataclass(frozen=True)
class Call:
    """One model call a technique wants: which model (alias or string), what prompt, and the
    shape of the reply it expects (for the test double; real models read the prompt)."""

    model: str
    prompt: str | Sequence[Message]
    sample_index: int = 0
    params: dict[str, Any] = field(default_factory=dict)  # overrides of the alias defaults
    reply: Reply = field(default_factory=Reply)
    logprobs: bool = False  # also ask for the tokens' log-probabilities (Completion.logprobs)


class NodeContext(Protocol):
    """What a technique sees while it runs; ``archon.runtime.node_run.NodeRun`` provides it."""

    node_id: str
    query: str
    context: ItemContext  # empty (every field None) when the query came alone

    @property
    def sandbox(self) -> CodeRunner:
        """Where generated code runs (the run's sandbox)."""

    async def complete(self, call: Call) -> Completion:
        """Make one call; raises ``ModelCallError`` if it fails for good (recorded either way)."""

    async def gather(self, calls: Sequence[Call], *, require_any: bool = True) -> list[Completion | None]:
        """Make calls concurrently; a failed call becomes None. If every call fails and
        ``require_any``, the node fails with the reasons."""

    async def run_branch(self, name: str) -> NodeOutput:
        """Run the node's sub-system ``name`` (``Technique.branches``) on the query; its output."""


@dataclass(frozen=True)
class GraphView:
    """What a technique may inspect when checking its place in the DAG."""

    input_types: tuple[str, ...]
    consumer_types: tuple[str, ...]
    is_output: bool
    max_input_candidates: int
    inputs_write_tests: bool = False  # some input node writes unit tests (Technique.writes_tests)


class Technique(ABC):
    """Base class of a technique. Subclasses set ``type``, ``Spec`` and implement ``run``."""

    type: ClassVar[str]
    Spec: ClassVar[builtins.type[NodeSpec]]
    #: True for techniques that read only the query (generate); they take no inputs.
    source: ClassVar[bool] = False
    #: False for techniques that may also run on the query alone (``inputs: []``).
    needs_inputs: ClassVar[bool] = True
    #: True for techniques whose output carries unit tests (``NodeOutput.tests``).
    writes_tests: ClassVar[bool] = False

    def __init__(self, spec: NodeSpec) -> None:
        self.spec = spec

    @property
    def id(self) -> str:
        return self.spec.id

    def model_refs(self) -> list[str]:
        """Model aliases/strings this node calls (for validation and accounting)."""
        refs: list[str] = []
        if isinstance(model := getattr(self.spec, "model", None), str):
            refs.append(model)
        refs.extend(getattr(self.spec, "models", None) or [])
        return refs

    # -- static shape, used to validate the graph and estimate budgets before any call --
    @abstractmethod
    def max_outputs(self, n_inputs: int) -> int:
        """Upper bound on candidates produced from ``n_inputs`` input candidates."""

    @abstractmethod
    def calls(self, n_inputs: int) -> int:
        """Number of model calls made for ``n_inputs`` input candidates."""

    def candidates_per_call(self, n_inputs: int) -> int:
        """How many input candidates appear in each call's prompt (for token estimates)."""
        return n_inputs

    def sequential_calls(self, n_inputs: int) -> int:
        """Model calls on this node's longest chain, one after another (a lower bound on its
        latency in call units): 1 when it calls at all, since its calls go out together.
        verify overrides it (reasoning, then a verdict)."""
        return 1 if self.calls(n_inputs) else 0

    def streams(self, n_inputs: int) -> bool:
        """Whether this node's one output is exactly the text of its one call, so that, as a
        system's output node, that call may stream to a client as it is produced."""
        return False

    def sampling(self) -> dict[str, Any]:
        """The node's own sampling settings, overriding its models' (None: the model's own)."""
        return {"temperature": getattr(self.spec, "temperature", None),
                "max_tokens": getattr(self.spec, "max_tokens", None)}

    def sketch(self) -> str:
        """How the node reads in a one-line architecture ("rank(qwen, top 2)"); empty to leave it out."""
        refs = self.model_refs()
        return f"{self.type}({', '.join(refs)})" if refs else self.type

    def candidate_tokens(self, input_tokens: int, call_tokens: int, n_inputs: int) -> int:
        """Upper bound on the length of one output candidate, given that of an input candidate
        and this node's completion size. By default candidates pass through unchanged
        (rank, verify, vote...); techniques that write new candidates override it."""
        return input_tokens

    def calls_by_model(self, n_inputs: int) -> dict[str, int]:
        """How many of ``calls(n_inputs)`` go to each model reference (for pricing budgets).

        The default deals the calls round-robin over ``model_refs()``: exact for one model,
        for generate (models x samples) and for fuse (one call per fuser). Override it when
        a technique spreads its calls otherwise.
        """
        refs = self.model_refs()
        if not refs:
            return {}
        return dict(Counter(refs[i % len(refs)] for i in range(self.calls(n_inputs))))

    def check(self, view: GraphView) -> list[str]:
        """Rules about this node's place in the DAG; return problems as sentences."""
        return []

    def branches(self) -> dict[str, Branch]:
        """Sub-systems this node may run (``NodeContext.run_branch``), by name. The configuration
        builds each into a graph of its own, validated with the system; the budget check prices
        them all (the worst case); the node's own ``calls`` are those it makes itself."""
        return {}

    @abstractmethod
    async def run(self, ctx: NodeContext, inputs: NodeInputs) -> NodeOutput:
        """Produce this node's candidates."""


def numbered(candidates: Sequence[Candidate], with_critiques: bool = False) -> str:
    """Render candidates as "[1] text" blocks, the format every multi-candidate prompt uses."""
    blocks = []
    for i, cand in enumerate(candidates, start=1):
        block = f"[{i}] {cand.text.strip()}"
        if with_critiques and cand.critique:
            block += f"\n\nCritique of [{i}]: {cand.critique.strip()}"
        blocks.append(block)
    return "\n\n".join(blocks)
