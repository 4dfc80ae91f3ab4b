"""The search definitions shipped in configs/search/ load, and the published schema is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archon.search import load_search_spec, search_json_schema

ROOT = Path(__file__).resolve().parents[2]
SEARCHES = sorted((ROOT / "configs" / "search").glob("*.yaml"))


def test_the_quickstart_is_shipped() -> None:
    assert "quickstart" in {p.stem for p in SEARCHES}


@pytest.mark.parametrize("path", SEARCHES, ids=lambda p: p.stem)
def test_shipped_search_validates(path: Path) -> None:
    spec, _, _ = load_search_spec(path)
    assert spec.name == path.stem
    assert path.read_text().startswith("# yaml-language-server: $schema=../../archon/schema/search.schema.json")


def test_published_search_schema_is_up_to_date() -> None:
    published = json.loads((ROOT / "archon" / "schema" / "search.schema.json").read_text())
    assert published == search_json_schema(), "run: archon schema --kind search --out archon/schema/search.schema.json"
