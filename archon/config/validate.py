"""From a parsed document to a validated system spec: the reference format converted first,
then the spec model (every technique's) validates it, its errors explained with their lines.

Both the loader (``loading.py``) and the graph's branch files (``graph.py``) start here; the
graph is built and checked by the caller, so this module imports neither of them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from archon.config.explain import explain, technique_tag
from archon.config.locate import YamlLocator
from archon.config.reader import Document
from archon.config.spec import SystemSpecBase, system_spec_model
from archon.errors import ConfigError


def spec_of_document(doc: Document) -> tuple[SystemSpecBase, YamlLocator]:
    """The document's validated spec, and the locator of its lines (none for a converted one)."""
    data, locator = doc.data, doc.locator
    if _is_reference_format(data):
        from archon.config.legacy import convert_reference_config

        data, locator = convert_reference_config(data, doc.source), YamlLocator(None)
    return validate_spec(data, doc.source, locator), locator


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
