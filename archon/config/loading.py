"""From a file, a text or a dict to a validated system: its spec and its checked graph, once.

Reading goes through the one reader (``reader.py``: refuses what is not a sane text file),
validating through ``validate.py`` (the reference implementation's JSON format is converted
first; errors go through the one explainer, ``explain.py``). The graph is built and checked
here, exactly once per load, and every problem is a ``ConfigError`` naming the file, the place
(with its line) and what was expected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from archon.config.graph import SystemGraph, check_graph
from archon.config.reader import Document, read_document, text_document
from archon.config.spec import SystemSpecBase
from archon.config.validate import spec_of_document


def system_from_file(path: str | Path) -> tuple[SystemSpecBase, SystemGraph, str]:
    """(spec, graph, source) of a system file."""
    return load_document(read_document(Path(path), "system file"))


def system_from_text(text: str, source: str = "<string>") -> tuple[SystemSpecBase, SystemGraph, str]:
    return load_document(text_document(text, source))


def system_from_dict(data: Any, source: str = "<dict>") -> tuple[SystemSpecBase, SystemGraph, str]:
    return load_document(Document(source, None, data))


def load_document(doc: Document) -> tuple[SystemSpecBase, SystemGraph, str]:
    spec, locator = spec_of_document(doc)
    return spec, check_graph(spec, doc.source, locator), doc.source


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
