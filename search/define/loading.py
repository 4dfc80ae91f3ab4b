"""Read a search definition (YAML file, YAML text or dict) into a checked SearchSpec.

Schema problems and problems between fields (a space naming an alias that
``models:`` lacks, a knob that can never apply) are all collected and raised
together as ``ConfigErrors``, each naming the file, the location with its line, and
what must hold. Nothing is loaded or spent before this passes; only the modules its ``plugins:``
names are imported first, since their techniques add final stages, knobs and presets to the schema.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from archon.config.explain import explain
from archon.config.graph import model_problem
from archon.config.locate import YamlLocator, format_path
from archon.config.reader import Document, read_document, text_document
from archon.errors import ConfigError, ConfigErrors
from archon.layers.registry import final_stages
from archon.models.provider_table import free_providers, is_free
from archon.search.define.spec import SearchSpec, search_spec_model

Problem = tuple[list[str | int], str]

#: Keys of the reference implementation's ITAS search configs (itas_algorithms/search_configs/).
ITAS_KEYS = frozenset({"model_top_k_choices", "sample_top_k_choices", "search_algorithm_choice",
                       "models_available", "maximum_inference_calls"})
ITAS_HELP = (
    "this is the Archon reference implementation's ITAS search config, which names its models by the paths of "
    "other JSON files; write an archon search YAML instead: models_available -> models: {alias: "
    "provider/model}, model_top_k_choices -> space.generators.count, sample_top_k_choices -> "
    "space.generators.samples, fuser_layer_N_choices -> space.fusion (layers, width), maximum_inference_calls "
    "-> budget.max_calls, benchmark/judge_model -> benchmark: {name, judge_model}, "
    "search_algorithm_choice -> search.sampler (bayesian_optimization: gp or tpe); see "
    "configs/search/api-pareto.yaml"
)


def load_search_spec(source: str | Path | dict[str, Any] | SearchSpec) -> tuple[SearchSpec, str, Path | None]:
    """(spec, source name, directory that relative paths in it are resolved against) of a search
    file (a path), a dict, or a SearchSpec (YAML text: ``search_from_text``)."""
    if isinstance(source, SearchSpec):
        return source, "<spec>", None
    if isinstance(source, dict):
        return check_search(Document("<dict>", None, source)), "<dict>", None
    if isinstance(source, str) and "\n" in source:
        raise ConfigError(source.strip().splitlines()[0][:60], "", "is not a file name; to read a search from "
                          "YAML text use archon.search.loading.search_from_text(text)")
    path = Path(source)
    return check_search(read_document(path, "search file")), str(path), path.resolve().parent


def search_from_text(text: str, source: str = "<string>") -> SearchSpec:
    return check_search(text_document(text, source))


def check_search(doc: Document) -> SearchSpec:
    """The search definition in ``doc``, checked field by field and between fields."""
    data, locator = doc.data, doc.locator
    if not isinstance(data, dict):
        got = "an empty document" if data is None else f"a {type(data).__name__}"
        raise ConfigError(doc.source, "", f"expected a search definition (a mapping with name, benchmark, models), "
                          f"got {got}")
    if ITAS_KEYS & set(data):
        raise ConfigError(doc.source, "", ITAS_HELP)
    import_plugins(data.get("plugins"), doc.source, doc.locator)  # before the schema: their techniques add stages
    model = search_spec_model()
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        raise explain(exc, data, doc.source, model, locator) from None
    problems = semantic_problems(spec)
    if problems:
        raise ConfigErrors([ConfigError(doc.source, format_path(p), m, line=locator.line(p)) for p, m in problems])
    return spec


def semantic_problems(spec: SearchSpec) -> list[Problem]:
    """Problems between fields: unknown aliases, ranges that cannot be met, knobs that never apply."""
    problems: list[Problem] = []
    aliases = spec.aliases()
    for alias, cfg in aliases.items():
        if (problem := model_problem(cfg.model, {})) is not None:
            problems.append((["models", alias], problem))
    space = spec.space
    lists: list[tuple[list[str | int], list[str] | None]] = [
        (["space", "generators", "models"], space.generators.models),
        (["space", "fusion", "models"], space.fusion.models),
        (["space", "judge_models"], space.judge_models),
    ]
    for path, names in lists:
        for i, alias in enumerate(names or []):
            if alias not in aliases:
                from archon.errors import suggest

                problems.append(([*path, i], f"unknown model alias {alias!r}. {suggest(alias, aliases)}"))
    generators = space.generators.models or list(aliases)
    count = space.generators.count or [1, len(generators)]
    if count[1] > len(generators):
        problems.append((["space", "generators", "count"],
                         f"`count <= {len(generators)}` (the generator models) must hold, but got {count}"))
    most = (count[1] if space.generators.select == "ranked" else len(generators)) * space.generators.samples[1]
    fusion = space.fusion
    if (fusion.width[1] - fusion.width[0]) % fusion.width_step:
        problems.append((["space", "fusion", "width_step"],
                         f"`width_step` must divide high - low of width {fusion.width}, but got {fusion.width_step}"))
    if fusion.layers[1] == 0 and most == 1:
        if space.rank == [True]:
            problems.append((["space", "rank"], "rank: [true] needs several candidates, but the space "
                             "generates one (raise generators.count or samples)"))
        if "none" not in space.final_stage:
            problems.append((["space", "final_stage"], f"final_stage {space.final_stage} needs several "
                             "candidates, but the space generates one (raise generators.count or samples)"))
    if space.critique == [True] and space.rank == [False] and fusion.layers[1] == 0:
        problems.append((["space", "critique"], "critique: [true] needs a rank or fuse to read it, but "
                         "rank is [false] and fusion.layers is 0"))
    if True in space.rank and space.rank_top_k[0] > max(most, fusion.width[1]):
        problems.append((["space", "rank_top_k"], f"`rank_top_k <= {max(most, fusion.width[1])}` (the most "
                         f"candidates a ranker can get) must hold, but got {space.rank_top_k}"))
    stages = final_stages()
    for stage in dict.fromkeys(stages[name] for name in space.final_stage if name in stages):
        problems.extend(stage.problems(space))  # each stage checks its own knobs
    all_free = all(is_free(c.model) for c in aliases.values())
    if "cost_usd" in spec.objectives and all_free:
        problems.append((["objectives"], f"cost_usd is 0 for {' and '.join(free_providers())} models, so it "
                         "cannot rank architectures; use calls, tokens or latency_s"))
    if spec.budget.max_usd is not None and all_free:
        problems.append((["budget", "max_usd"], f"every model is {' or '.join(free_providers())} (free): max_usd "
                         "limits nothing; use max_calls or max_tokens"))
    return problems


def import_plugins(plugins: Any, source: str, locator: YamlLocator | None = None) -> None:
    """Import the modules ``plugins:`` names (techniques, fake models), or say which one failed and why
    (with its line when ``locator`` knows the file)."""
    if not isinstance(plugins, list):
        return  # not a list of names: the schema says so
    for i, module in enumerate(plugins):
        if not isinstance(module, str):
            continue
        try:
            importlib.import_module(module)
        except ImportError as exc:
            line = locator.line(["plugins", i]) if locator is not None else None
            raise ConfigError(source, f"plugins[{i}]", f"cannot import {module!r}: {exc}", line=line) from None
