"""Custom benchmarks defined in YAML (or JSON), no Python needed.

    name: capitals
    data: capitals.jsonl          # .jsonl/.json/.yaml, relative to this file
    fields: {id: qid, input: question, answer: gold}
    template: "Answer in one word. {input}"
    scorer: exact                 # exact numeric regex choice math code-tests judge ifeval
    scorer_options: {}            #   or "package.module:name" of your own scorer
    dev_fraction: 0.2

Instead of ``data``, ``loader: "package.module:function"`` names a function
returning records (mappings, mapped by ``fields``) or ready ``Item`` objects.
Every problem is a ConfigError naming the file, the key (with its line) and what
was expected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from archon.benchmarks.benchmark import ANSWER_FORMATS, Benchmark
from archon.benchmarks.records import RECORD_SUFFIXES, read_records, records_to_items
from archon.benchmarks.scorers import build_scorer, import_object
from archon.benchmarks.types import Item, Scorer
from archon.config.explain import explain
from archon.config.locate import YamlLocator
from archon.config.reader import read_document
from archon.errors import ConfigError, UnknownNameError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldMap(_Strict):
    id: str | None = Field(default=None, description="Field holding a stable id (default: the record number).")
    input: str = Field(default="input", description="Field holding the input, the {input} of the template.")
    answer: str | None = Field(
        default="answer", description="Field holding what the scorer compares with; null if it needs none."
    )
    choices: str | None = Field(
        default=None, description="Field holding the options of a multiple-choice item (a list of texts): the "
        "prompt then lists them as 'A. option' lines and the answer (letter, index or text) becomes a letter.")
    category: str | None = Field(default=None, description="Field holding the item's category (for routing).")


class CustomBenchmarkSpec(_Strict):
    kind: Literal["benchmark"] | None = Field(default=None, description="What this file is (for `archon validate`).")
    name: str = Field(min_length=1)
    description: str = ""
    data: str | None = Field(default=None, description="Records file, relative to this definition.")
    loader: str | None = Field(default=None, description="'package.module:function' returning records or Items.")
    loader_options: dict[str, Any] = Field(default_factory=dict)
    fields: FieldMap = Field(default_factory=FieldMap)
    template: str = Field(default="{input}", min_length=1)
    scorer: str = Field(min_length=1, description="A built-in scorer name or 'package.module:name'.")
    scorer_options: dict[str, Any] = Field(default_factory=dict)
    dev_fraction: float = Field(default=0.2, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _one_source(self) -> CustomBenchmarkSpec:
        if (self.data is None) == (self.loader is None):
            raise ValueError("give exactly one of 'data' (a records file) or 'loader' (an import path)")
        return self


def load_custom_benchmark(path: Path, *, judge_model: str | None = None) -> Benchmark:
    source = str(path)
    doc = read_document(path, "benchmark file")
    spec = validate_custom_spec(doc.data, source, doc.locator)
    locator = doc.locator
    scorer = _scorer(spec, source, locator, judge_model)
    identity: dict[str, Any] = {"spec": spec.model_dump(exclude={"description"})}
    if spec.data is not None:
        data_path = (path.parent / spec.data).resolve()
        if not data_path.is_file():
            raise ConfigError(source, "data", f"records file not found: {data_path}", line=locator.line(["data"]))
        if data_path.suffix not in RECORD_SUFFIXES:
            raise ConfigError(
                source,
                "data",
                f"expected a {', '.join(RECORD_SUFFIXES)} file, got {data_path.name!r}",
                line=locator.line(["data"]),
            )
        # The data's content, not just its name, decides whether old results can be reused.
        identity["data_sha256"] = hashlib.sha256(data_path.read_bytes()).hexdigest()
        loader = _file_loader(spec, data_path)
    else:
        loader = _callable_loader(spec, source, locator)
    return Benchmark(
        name=spec.name,
        loader=loader,
        make_scorer=lambda: scorer,
        template=spec.template,
        description=spec.description,
        dev_fraction=spec.dev_fraction,
        identity=identity,
        answer_format=ANSWER_FORMATS.get(spec.scorer),
    )


def validate_custom_spec(document: Any, source: str, locator: YamlLocator | None = None) -> CustomBenchmarkSpec:
    if not isinstance(document, dict):
        got = "an empty document" if document is None else f"a {type(document).__name__}"
        raise ConfigError(source, "", f"expected a mapping with 'name', 'data' (or 'loader') and 'scorer', got {got}")
    try:
        return CustomBenchmarkSpec.model_validate(document)
    except ValidationError as exc:
        raise explain(exc, document, source, CustomBenchmarkSpec, locator or YamlLocator(None)) from None


def _scorer(spec: CustomBenchmarkSpec, source: str, locator: YamlLocator, judge_model: str | None) -> Scorer:
    options = dict(spec.scorer_options)
    if spec.scorer == "judge" and "model" not in options:
        from archon.benchmarks.datasets._judged import resolve_judge_model

        model = resolve_judge_model(judge_model)
        if model is None:
            raise ConfigError(
                source,
                "scorer_options.model",
                "the judge scorer needs a model: set scorer_options.model, pass --judge-model "
                "or set ARCHON_JUDGE_MODEL",
                line=locator.line(["scorer"]),
            )
        options["model"] = model
    try:
        return build_scorer(spec.scorer, options, source=source)
    except UnknownNameError as exc:
        raise ConfigError(source, "scorer", str(exc), line=locator.line(["scorer"])) from None
    except ConfigError as exc:
        # Point at the options if they were written, else at the scorer they belong to.
        written = "scorer_options" in spec.model_fields_set
        exc.line = exc.line or locator.line(exc.location.split(".") if written else ["scorer"])
        raise


def _reference_maker(spec: CustomBenchmarkSpec) -> Callable[[Any, Any], Any] | None:
    """How a record's answer becomes the scorer's reference (code-tests needs a CodeTask)."""
    if spec.scorer != "code-tests":
        return None
    from archon.benchmarks.code import CodeTask

    def make(answer: Any, record: Any) -> Any:
        return CodeTask(entry_point=str(record.get("entry_point", "")), tests=str(answer), solution="")

    return make


def _file_loader(spec: CustomBenchmarkSpec, data_path: Path) -> Callable[[], list[Item]]:
    def load() -> list[Item]:
        return _items(spec, read_records(data_path), str(data_path))

    return load


def _items(spec: CustomBenchmarkSpec, records: Iterable[Mapping[str, Any]], source: str) -> list[Item]:
    """The records as items, by the definition's field map."""
    f = spec.fields
    return records_to_items(records, source=source, id_field=f.id, input_field=f.input, answer_field=f.answer,
                            make_reference=_reference_maker(spec), choices_field=f.choices,
                            category_field=f.category)


def _callable_loader(spec: CustomBenchmarkSpec, source: str, locator: YamlLocator) -> Callable[[], list[Item]]:
    assert spec.loader is not None
    try:
        function = import_object(spec.loader, source=source, location="loader")
    except ConfigError as exc:
        exc.line = locator.line(["loader"])
        raise
    if not callable(function):
        raise ConfigError(source, "loader", f"{spec.loader!r} is not callable", line=locator.line(["loader"]))

    def load() -> list[Item]:
        try:
            produced = list(function(**spec.loader_options))
        except Exception as exc:  # the user's code: report it against the definition
            raise ConfigError(source, "loader", f"{spec.loader} raised {type(exc).__name__}: {exc}") from exc
        if all(isinstance(r, Item) for r in produced):
            return produced
        for number, record in enumerate(produced, start=1):
            if not isinstance(record, dict):
                raise ConfigError(
                    source,
                    "loader",
                    f"{spec.loader} returned {type(record).__name__} as record {number}; "
                    "expected mappings or archon.benchmarks.types.Item objects",
                )
        return _items(spec, produced, source)

    return load
