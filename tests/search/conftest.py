"""Fixtures of the search tests (helpers live in search_helpers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.search.search_helpers import BASE_SEARCH, SearchFactory, merge, write_benchmark


@pytest.fixture
def make_search(tmp_path: Path) -> SearchFactory:
    """make_search(**overrides) -> path of a search file next to the magic benchmark."""
    write_benchmark(tmp_path)

    def make(name: str = "search.yaml", **overrides: Any) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(merge(BASE_SEARCH, overrides), sort_keys=False))
        return path

    return make


@pytest.fixture
def zoo() -> Any:
    from archon.testing import unregister_fake_model
    from tests.search.search_helpers import register_zoo

    names = register_zoo()
    yield names
    for name in names:
        unregister_fake_model(name)
