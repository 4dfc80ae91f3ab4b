"""From a file, a text or a dict to a validated system: its spec and its checked graph, once.

Reading goes through the one reader (``reader.py``: refuses what is not a sane text file),
errors through the one explainer (``explain.py``); the reference implementation's JSON
format is converted first. The graph is built and checked here, exactly once per load, and
every problem is a ``ConfigError`` naming the file, the place (with its line) and what was
expected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from archon.config.explain import explain, technique_tag
from archon.config.graph import SystemGraph, check_graph
from archon.config.locate import YamlLocator
from archon.config.reader import Document, read_document, text_document
from archon.config.spec import SystemSpecBase, system_spec_model
from archon.errors import ConfigError


def system_from_file(path: str | Path) -> tuple[SystemSpecBase, SystemGraph, str]:
    """(spec, graph, source) of a system file."""
    return load_document(read_document(Path(path), "system file"))


def system_from_text(text: str, source: str = "<string>") -> tuple[SystemSpecBase, SystemGraph, str]:
    return load_document(text_document(text, source))


def system_from_dict(data: Any, source: str = "<dict>") -> tuple[SystemSpecBase, SystemGraph, str]:
    return load_document(Document(source, None, data))


def load_document(doc: Document) -> tuple[SystemSpecBase, SystemGraph, str]:
    data, locator = doc.data, doc.locator
    if _is_reference_format(data):
        from archon.config.legacy import convert_reference_config

        data, locator = convert_reference_config(data, doc.source), YamlLocator(None)
    spec = validate_spec(data, doc.source, locator)
    return spec, check_graph(spec, doc.source, locator), doc.source


def validate_spec(data: Any, source: str, locator: YamlLocator | None = None) -> SystemSpecBase:
    if not isinstance(data, dict):
        got = "an empty document" if data is None else f"a {type(data).__name__}"
        raise ConfigError(source, "", f"expected a mapping with 'name' and 'nodes', got {got}")
    model = system_spec_model()
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise explain(exc, data, source, model, locator or YamlLocator(None), technique_tag) from None


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
