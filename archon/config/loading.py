"""Read a system definition from YAML/JSON (or a dict) into a validated SystemSpec.

Every problem becomes a ``ConfigError`` naming the file, the path inside it (with the
line when known) and what was expected; graph-level checks run after the schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from archon.config.locate import YamlLocator, format_path
from archon.config.spec import ModelConfig, RuntimeConfig, SystemSpecBase, system_spec_model
from archon.errors import ConfigError, ConfigErrors


def read_text_file(path: Path, what: str = "file") -> str:
    """The file's text, or a ConfigError naming it ("records file not found")."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "", f"{what} not found") from None
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read {what}: {exc.strerror}") from None


def read_document(path: Path) -> tuple[Any, str]:
    """Parse a YAML or JSON file; syntax errors name the file and line."""
    text = read_text_file(path)
    return parse_text(text, str(path)), text


def parse_text(text: str, source: str = "<string>") -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(source, "", f"invalid YAML: {problem}", line=line) from None


def load_system_spec(source: Any) -> tuple[SystemSpecBase, str, str | None]:
    """Return (spec, source name, raw text) from a path, YAML text, dict or spec."""
    if isinstance(source, SystemSpecBase):
        return source, "<spec>", None
    text: str | None = None
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        name = str(path)
        data, text = read_document(path)
    elif isinstance(source, str):
        name, text = "<string>", source
        data = parse_text(source, name)
    elif isinstance(source, dict):
        name, data = "<dict>", source
    else:
        raise ConfigError("<input>", "", f"expected a path, YAML text or a mapping, got {type(source).__name__}")

    if _is_reference_format(data):
        from archon.config.legacy import convert_reference_config

        data = convert_reference_config(data, name)
        text = None
    spec = validate_spec(data, name, text)
    from archon.config.graph import check_graph

    check_graph(spec, name, YamlLocator(text))
    return spec, name, text


def validate_spec(data: Any, source: str, text: str | None = None) -> SystemSpecBase:
    if not isinstance(data, dict):
        got = "an empty document" if data is None else f"a {type(data).__name__}"
        raise ConfigError(source, "", f"expected a mapping with 'name' and 'nodes', got {got}")
    model = system_spec_model()
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigErrors(explain_validation_error(exc, data, source, YamlLocator(text))) from None


def explain_validation_error(
    exc: ValidationError, data: Any, source: str, locator: YamlLocator
) -> list[ConfigError]:
    from archon.layers.registry import techniques

    known = techniques()
    errors: list[ConfigError] = []
    for err in exc.errors():
        loc = list(err["loc"])
        # A discriminated union puts the tag into the path ("nodes", 2, "rank", "top_k"): drop it.
        if len(loc) >= 3 and loc[0] == "nodes" and isinstance(loc[1], int) and loc[2] in known:
            del loc[2]
        # A model alias is `ModelConfig | str`: pydantic reports both branches, each tagged
        # ("models", "m", "ModelConfig", "temperature"). Keep the one the user wrote, untagged.
        if len(loc) >= 3 and loc[0] == "models" and loc[2] in ("ModelConfig", "str"):
            alias = (data.get("models") or {}).get(loc[1]) if isinstance(data.get("models"), dict) else None
            if loc[2] != ("ModelConfig" if isinstance(alias, dict) else "str"):
                continue
            del loc[2]
        owner = _owner_model(loc, data)
        kind = err["type"]
        if kind == "extra_forbidden":
            allowed = sorted(owner.model_fields) if owner else []
            message = f"unknown key {loc[-1]!r}; allowed keys: {', '.join(allowed)}"
        elif kind == "missing":
            message = f"missing required key {loc[-1]!r}"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            tag = (err.get("ctx") or {}).get("tag")
            if kind == "union_tag_not_found":
                message = f"missing key 'type'; expected one of: {', '.join(sorted(known))}"
                loc = [*loc, "type"]
            else:
                message = f"unknown technique {tag!r}. Valid choices: {', '.join(sorted(known))}"
                loc = [*loc, "type"]
        elif loc[-1] == "api_key_env":  # never echo it: it may be a key pasted by mistake
            message = ("must be the name of an environment variable holding the API key "
                       "(e.g. OPENAI_API_KEY), not the key itself (the value given is not shown)")
        elif kind == "value_error":  # a model_validator's own sentence; the input is the whole node
            message = str(err["msg"]).removeprefix("Value error, ")
        else:
            message = f"{err['msg']} (got {_short(err.get('input'))})"
        errors.append(ConfigError(source, format_path(loc), message, line=locator.line(loc)))
    return errors


def _owner_model(loc: list[Any], data: Any) -> type[BaseModel] | None:
    """The pydantic model that owns the last element of ``loc`` (to list allowed keys)."""
    from archon.layers.registry import techniques

    if len(loc) == 1:
        return SystemSpecBase
    if loc[0] == "runtime" and len(loc) == 2:
        return RuntimeConfig
    if loc[0] == "models" and len(loc) == 3:
        return ModelConfig
    if loc[0] == "nodes" and len(loc) == 3 and isinstance(loc[1], int):
        try:
            node_type = data["nodes"][loc[1]]["type"]
            return techniques()[node_type].Spec
        except (KeyError, IndexError, TypeError):
            return None
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and text.strip().endswith((".yaml", ".yml", ".json"))


def _is_reference_format(data: Any) -> bool:
    """The Archon reference repo's JSON: {"name":..., "layers": [[{type, model, ...}], ...]}."""
    return isinstance(data, dict) and "layers" in data and "nodes" not in data


def dump_spec(spec: SystemSpecBase) -> dict[str, Any]:
    """A minimal, round-trippable dict (defaults left out) for YAML export."""
    data: dict[str, Any] = json.loads(spec.model_dump_json(exclude_defaults=True))
    # `type` has a default in each technique's spec, so exclude_defaults drops it: put it back first.
    data["nodes"] = [
        {"id": node.id, "type": node.type,
         **node.model_dump(mode="json", exclude_defaults=True, exclude={"id", "type"})}
        for node in spec.nodes
    ]
    return {"name": data.pop("name"), **data}
