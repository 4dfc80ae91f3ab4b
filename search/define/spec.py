"""The YAML schema of a search: benchmark, models, space, budget, objectives, settings.

Every model forbids unknown keys and the whole schema exports as JSON schema, so
editors autocomplete search files as they do system files. Checks that span several
fields (an alias the space names but ``models:`` lacks, a range whose low exceeds its
high) are pydantic validators too, so every problem surfaces at load time as a
``ConfigError`` naming the file, the location and what must hold.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from archon.config.spec import ModelConfig, RuntimeConfig
from archon.layers.base import IntRange, SpaceField

Objective = Literal["score", "cost_usd", "calls", "tokens", "latency_s"]
SamplerName = Literal["tpe", "gp", "random", "grid", "nsga2"]
PrunerName = Literal["median", "percentile", "hyperband", "successive_halving", "none"]

#: Direction of every objective; score is the only one maximized.
DIRECTIONS: dict[str, Literal["maximize", "minimize"]] = {
    "score": "maximize",
    "cost_usd": "minimize",
    "calls": "minimize",
    "tokens": "minimize",
    "latency_s": "minimize",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BenchmarkChoice(Strict):
    """What the architectures are scored on."""

    name: str = Field(
        min_length=1,
        description="A built-in benchmark (gsm8k, mmlu, humaneval...) or the path of a custom "
        "benchmark file, relative to this search file.",
    )
    dev_limit: int | None = Field(
        default=None, ge=1, description="Items of the dev split every trial is scored on (default: all)."
    )
    test_limit: int | None = Field(
        default=None, ge=1, description="Items of the held-out test split for the final evaluation."
    )
    baseline_limit: int | None = Field(
        default=None, ge=1, description="Of those, how many each preset and the compute-matched baseline are "
        "scored on (the first N; default: all): on a slow machine, fewer held-out items for the baselines rather "
        "than fewer architectures searched. Each model alone is scored on every one.")
    split_seed: int = Field(default=0, description="Seed of the dev/test split.")
    dev_fraction: float | None = Field(
        default=None, gt=0, lt=1, description="Share of the items in the dev split (default: the benchmark's, "
        "usually 0.2)."
    )
    judge_model: str | None = Field(default=None, description="Judge of LLM-judged benchmarks.")


class GeneratorSpace(Strict):
    """The first layer: which models generate, and how many samples each."""

    select: Literal["ranked", "choice"] = Field(
        default="ranked",
        description="ranked: the top-K models of the power ranking (K searched, as in the paper); "
        "choice: each model in or out, freely.",
    )
    models: list[str] | None = Field(default=None, min_length=1, description="Aliases (default: all).")
    count: IntRange | None = Field(
        default=None, description="K, how many models generate (ranked only; default: 1 to all)."
    )
    samples: IntRange = Field(default=[1, 3], description="Samples per generator model.")
    temperatures: list[Annotated[float, Field(ge=0, le=2)]] = Field(default=[0.7], min_length=1)
    greedy: list[bool] = Field(
        default=[False], min_length=1,
        description="Put each generator's greedy answer (temperature 0, the single model's own) first "
        "among the candidates, so a stage that cannot decide falls back to it.",
    )
    prefill: Literal["code"] | None = Field(
        default=None, description="The generate nodes' `prefill` (code: continue the query's code block)."
    )
    shuffle_choices: list[bool] = Field(
        default=[False], min_length=1,
        description="Sample multiple-choice items with their options shuffled per sample (choice_shuffle "
        "nodes instead of generate; Medprompt's choice-shuffle ensemble).",
    )
    route: list[bool] = Field(
        default=[False], min_length=1,
        description="One route node over the generator models instead of one generate node each: each "
        "category (MMLU subject, a custom benchmark's category) goes to the model best at it on dev.",
    )
    route_min_items: int = Field(
        default=3, ge=1, description="Dev items of a category the power ranking must have scored to route it.")

    @model_validator(mode="after")
    def _count_only_when_ranked(self) -> GeneratorSpace:
        if self.select == "choice" and self.count is not None:
            raise ValueError("`count` applies to select: ranked only (with choice, each model is in or out)")
        if self.samples[0] < 1:
            raise ValueError(f"`samples >= 1` must hold, but got {self.samples}")
        if self.count is not None and self.count[0] < 1:
            raise ValueError(f"`count >= 1` must hold, but got {self.count}")
        return self


class FusionSpace(Strict):
    """Fusion layers after generation; the last one is a single fuser (as in the paper)."""

    layers: IntRange = Field(default=[0, 2], description="Number of fusion layers (0 = none).")
    width: IntRange = Field(default=[2, 4], description="Fusers per layer, except the last (always 1).")
    width_step: int = Field(default=1, ge=1)
    models: list[str] | None = Field(default=None, min_length=1, description="Fuser aliases (default: all).")



class SpaceSpec(Strict):
    """Everything the search may vary. A single value fixes a knob.

    These are the knobs of the paper's shape; the techniques add theirs (``space_fields`` of their
    final stages and wrappers: ``vote_extractor``, ``adaptive``, ``cascade``...) in the model
    ``search_spec_model()`` builds, where ``final_stage`` lists the registered stages.
    """

    generators: GeneratorSpace = Field(default_factory=GeneratorSpace)
    fusion: FusionSpace = Field(default_factory=FusionSpace)
    critique: list[bool] = Field(default=[False, True], min_length=1, description="Critique before each fuse/rank.")
    rank: list[bool] = Field(default=[False, True], min_length=1, description="Rank before each fuse.")
    rank_top_k: IntRange = Field(default=[1, 3], description="Candidates a ranker keeps.")
    final_stage: list[str] = Field(
        default=["none"], min_length=1, description="A stage before the end (the techniques' final stages), or none."
    )
    judge_models: list[str] | None = Field(
        default=None, min_length=1, description="Aliases for critique, rank, verify and unit tests (default: all)."
    )


    @model_validator(mode="after")
    def _distinct_choices(self) -> SpaceSpec:
        for name in ("critique", "rank", "final_stage"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"`{name}` lists a choice twice: {values}")
        if self.rank_top_k[0] < 1:
            raise ValueError(f"`rank_top_k >= 1` must hold, but got {self.rank_top_k}")
        return self


class BudgetSpec(Strict):
    """Limits per query, checked on the static estimate before any call: over-budget
    architectures are never run."""

    max_calls: int | None = Field(default=None, ge=1)
    max_tokens: int | None = Field(default=None, ge=1, description="Prompt plus completion tokens.")
    max_usd: float | None = Field(default=None, gt=0)
    query_tokens: int | None = Field(
        default=None, ge=1, description="Query size assumed by the estimate (default: the dev items' mean)."
    )


class SearchSettings(Strict):
    """How the search runs."""

    sampler: SamplerName = "tpe"
    pruner: PrunerName | None = Field(
        default=None, description="Default: median for one objective, none for several (optuna prunes "
        "single-objective studies only)."
    )
    n_trials: int | None = Field(
        default=20, ge=1, description="Architectures to evaluate in the whole study (over-budget "
        "proposals are recorded but not counted). A rerun tops the study up to this number."
    )
    timeout_s: float | None = Field(default=None, gt=0, description="Stop starting trials after this long.")
    seed: int = 0
    startup_trials: int = Field(default=8, ge=0, description="Random trials before the sampler models.")
    storage: str | None = Field(default=None, description="Default: a SQLite study in the run directory.")
    study: str | None = Field(default=None, description="Study name (default: the search name).")
    batch_size: int = Field(default=5, ge=1, description="Dev items per reported step (for pruning).")
    concurrency: int = Field(default=4, ge=1, description="Queries in flight within a trial.")
    workers: int = Field(default=1, ge=1, description="Worker processes on this machine.")
    heartbeat_s: float = Field(default=10.0, gt=0, description="How often a running trial says it is alive.")
    stale_after_s: float = Field(
        default=120.0, gt=0, description="A RUNNING trial silent this long is failed and re-queued."
    )
    prune_after: int | None = Field(
        default=None, ge=1, description="Dev items scored before the pruner may stop a trial "
        "(default: two batches)."
    )
    select: Literal["best", "simplest"] = Field(
        default="best", description="What the search hands over: the best on dev, or the simplest (fewest calls "
        "per query, then tokens; each model alone included) whose paired dev difference with the best has a "
        "95% CI that includes 0. The report shows both when they differ.")
    audit_pruning: bool = Field(
        default=False, description="After the search, score every pruned trial on the dev items until it finishes "
        "or can no longer beat the best, to report whether pruning changed the best architecture (the shared "
        "cache makes most of it free).",
    )
    warm_start: list[str | dict[str, Any]] = Field(
        default_factory=list,
        description="Architectures to evaluate first, before the sampler chooses: preset names (the "
        "techniques' presets) or parameter dicts ({samples: 4, final_stage: vote, ...}). Presets take "
        "the largest version that fits the budget.",
    )

    @model_validator(mode="after")
    def _stop_condition(self) -> SearchSettings:
        if self.n_trials is None and self.timeout_s is None and self.sampler != "grid":
            raise ValueError("set `n_trials` or `timeout_s` (or both): otherwise the search never stops")
        if self.stale_after_s <= 2 * self.heartbeat_s:
            raise ValueError(
                f"`stale_after_s > 2 * heartbeat_s` must hold, but got (stale_after_s={self.stale_after_s}, "
                f"heartbeat_s={self.heartbeat_s})"
            )
        return self


class SearchSpec(Strict):
    """A search definition: ``archon search SEARCH.yaml``."""

    kind: Literal["search"] | None = Field(default=None, description="What this file is (for `archon validate`).")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str | None = None
    benchmark: BenchmarkChoice
    models: dict[str, ModelConfig | str] = Field(
        min_length=1, description="Aliases the space chooses from: name -> model string or {model, ...}."
    )
    space: SpaceSpec = Field(default_factory=SpaceSpec)
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    objectives: list[Objective] = Field(default=["score"], min_length=1)
    search: SearchSettings = Field(default_factory=SearchSettings)
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig, description="Runtime of every built system.")
    plugins: list[str] = Field(
        default_factory=list,
        description="Modules imported before the search (to register techniques or fake models).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> SearchSpec:
        if self.objectives[0] != "score" or len(set(self.objectives)) != len(self.objectives):
            raise ValueError(
                f"objectives must start with 'score' and name each objective once, got {self.objectives}"
            )
        if self.search.sampler == "nsga2" and len(self.objectives) == 1:
            raise ValueError("sampler 'nsga2' is for several objectives; use tpe, gp or random for score alone")
        if len(self.objectives) > 1 and self.search.pruner not in (None, "none"):
            raise ValueError(
                f"pruner {self.search.pruner!r} cannot be used with several objectives (optuna prunes "
                "single-objective studies only); remove it or keep objectives: [score]"
            )
        return self

    def aliases(self) -> dict[str, ModelConfig]:
        return {a: c if isinstance(c, ModelConfig) else ModelConfig(model=c) for a, c in self.models.items()}

    @property
    def directions(self) -> list[Literal["maximize", "minimize"]]:
        return [DIRECTIONS[o] for o in self.objectives]

    @property
    def pruner(self) -> str:
        if self.search.pruner is not None:
            return self.search.pruner
        return "median" if len(self.objectives) == 1 else "none"



def technique_space_fields() -> dict[str, SpaceField]:
    """The knobs the registered final stages and wrappers add to ``space:``, by key."""
    from archon.layers.registry import final_stages, wrappers

    fields: dict[str, SpaceField] = {}
    for stage in dict.fromkeys(final_stages().values()):
        fields.update(stage.space_fields)
    for wrapper in wrappers():
        fields.update(wrapper.space_fields)
    return fields


@functools.lru_cache(maxsize=4)
def _search_spec_model(version: int) -> type[SearchSpec]:
    from archon.layers.registry import NO_STAGE, final_stages, presets

    stages = Literal[(NO_STAGE, *final_stages())]  # type: ignore[valid-type]
    knobs: dict[str, Any] = {name: (f.annotation, f.info) for name, f in technique_space_fields().items()}
    knobs["final_stage"] = (list[stages], Field(  # type: ignore[valid-type]
        default=[NO_STAGE], min_length=1,
        description=f"Stages before the end to choose from: {', '.join(final_stages())}, or {NO_STAGE}."))
    space: type[SpaceSpec] = create_model("SpaceSpec", __base__=SpaceSpec, **knobs)
    names = Literal[tuple(presets())]  # type: ignore[valid-type]
    settings: type[SearchSettings] = create_model(
        "SearchSettings", __base__=SearchSettings,
        warm_start=(list[names | dict[str, Any]], Field(  # type: ignore[valid-type]
            default_factory=list, description="Architectures to evaluate first, before the sampler chooses: "
            f"preset names ({', '.join(presets())}) or parameter dicts ({{samples: 4, final_stage: vote, ...}}). "
            "Presets take the largest version that fits the budget.")),
    )
    model: type[SearchSpec] = create_model(
        "SearchSpec", __base__=SearchSpec,
        space=(space, Field(default_factory=space)),
        search=(settings, Field(default_factory=settings)),
    )
    return model


def search_spec_model() -> type[SearchSpec]:
    """The pydantic model of a search file, with the knobs, stages and presets the registered
    techniques declare (rebuilt when a plugin registers more)."""
    from archon.layers.registry import registry_version

    return _search_spec_model(registry_version())


def search_json_schema() -> dict[str, Any]:
    schema = search_spec_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "archon search"
    return schema
