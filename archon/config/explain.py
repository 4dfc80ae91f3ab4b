"""One way to explain a pydantic validation error of any user file: where, and what must hold.

Systems, searches and custom benchmarks all go through ``explain``: each problem becomes
a ``ConfigError`` with the file, the path inside it as the user wrote it (``nodes[2].top_k``,
with its line), and a sentence: an unknown key lists the allowed ones, a missing key is
named, a validator's own sentence is kept, and any other error says what was given.

pydantic's locations also name union members ("rank" for a technique's variant,
"ModelConfig" or "str" for an alias written as a mapping or a string): a location element
that is not in the user's data is dropped, and errors from the union member the user did
not write (a string rule for a mapping) are left out.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from archon.config.locate import YamlLocator, format_path
from archon.errors import ConfigError, ConfigErrors

#: Messages for error types a user file commonly hits, by pydantic error type.
Special = Callable[[dict[str, Any], list[str | int]], tuple[list[str | int], str] | None]


def explain(exc: ValidationError, data: Any, source: str, root: type[BaseModel], locator: YamlLocator,
            special: Special | None = None) -> ConfigErrors:
    """All of ``exc``'s problems as one ConfigErrors (``special`` may word some itself)."""
    return ConfigErrors([ConfigError(source, format_path(loc), message, line=locator.line(loc))
                         for loc, message in problems(exc, data, root, special)])


def problems(exc: ValidationError, data: Any, root: type[BaseModel],
             special: Special | None = None) -> list[tuple[list[str | int], str]]:
    """``exc``'s problems as (path in ``data`` as written, sentence) pairs."""
    found: list[tuple[list[str | int], str]] = []
    for err in exc.errors():
        loc = _user_location(list(err["loc"]), data, keep_missing=err["type"] == "missing")
        if loc is None:
            continue  # a union member the user did not write
        worded = special(dict(err), loc) if special is not None else None
        found.append(worded if worded is not None else (loc, _message(dict(err), loc, data, root)))
    return found


def _user_location(raw: list[Any], data: Any, keep_missing: bool) -> list[str | int] | None:
    """The location as written in the file (a missing key's name included, with
    ``keep_missing``); None for an error of a union member the user did not write."""
    loc: list[str | int] = []
    value = data
    for i, part in enumerate(raw):
        last = i == len(raw) - 1
        if isinstance(part, str) and part.startswith("function-"):
            continue
        present = (isinstance(value, dict) and part in value) or (
            isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value))
        if not present and not (last and keep_missing):
            if part == "str" and not isinstance(value, str):
                return None  # the string branch of `X | str`, but a mapping was written
            if isinstance(part, str) and part[:1].isupper() and not isinstance(value, dict):
                return None  # a model branch (e.g. ModelConfig), but a scalar was written
            continue  # a variant tag (the technique name): not part of what the user wrote
        loc.append(part)
        value = value[part] if present else None
    return loc


def _message(err: dict[str, Any], loc: list[str | int], data: Any, root: type[BaseModel]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        owner = owner_model(root, loc[:-1], data)
        allowed = f"; allowed keys: {', '.join(sorted(owner.model_fields))}" if owner else ""
        return f"unknown key {loc[-1]!r}{allowed}"
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if loc and loc[-1] == "api_key_env":  # never echo it: it may be a key pasted by mistake
        return ("must be the name of an environment variable holding the API key (e.g. OPENAI_API_KEY), "
                "not the key itself (the value given is not shown)")
    if kind in ("value_error", "assertion_error"):
        return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return f"{err['msg']} (got {short(err.get('input'))})"


def owner_model(root: type[BaseModel], loc: Sequence[str | int], data: Any) -> type[BaseModel] | None:
    """The pydantic model whose fields the value at ``loc`` holds (to list its allowed keys)."""
    model: type[BaseModel] | None = root
    annotation: Any = root
    value = data
    for part in loc:
        if isinstance(part, int):
            annotation = _item_type(annotation, list)
        elif model is not None and part in model.model_fields:
            annotation = model.model_fields[part].annotation
        elif _is_mapping(annotation):
            annotation = _item_type(annotation, dict)
        else:
            return None
        value = value.get(part) if isinstance(value, dict) else (
            value[part] if isinstance(value, list) and isinstance(part, int) and part < len(value) else None)
        model = _model_of(annotation, value)
    return model


def _model_of(annotation: Any, value: Any) -> type[BaseModel] | None:
    """The BaseModel an annotation stands for at this value (a tagged union: by its `type`)."""
    candidates = [a for a in _members(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
    if len(candidates) > 1 and isinstance(value, dict):
        for candidate in candidates:
            field = candidate.model_fields.get("type")
            if field is not None and typing.get_args(field.annotation) == (value.get("type"),):
                return candidate
    return candidates[0] if len(candidates) == 1 else None


def _members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _item_type(annotation: Any, container: type) -> Any:
    for member in _members(annotation):
        if typing.get_origin(member) is container:
            return typing.get_args(member)[-1]
    return None


def _is_mapping(annotation: Any) -> bool:
    return any(typing.get_origin(m) is dict for m in _members(annotation))


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def technique_tag(err: dict[str, Any], loc: list[str | int]) -> tuple[list[str | int], str] | None:
    """A node's `type` picks its technique: a missing or unknown one lists the techniques."""
    from archon.layers.registry import techniques

    known = ", ".join(sorted(techniques()))
    if err["type"] == "union_tag_not_found":
        return [*loc, "type"], f"missing key 'type'; expected one of: {known}"
    if err["type"] == "union_tag_invalid":
        tag = (err.get("ctx") or {}).get("tag")
        return [*loc, "type"], f"unknown technique {tag!r}. Valid choices: {known}"
    return None
