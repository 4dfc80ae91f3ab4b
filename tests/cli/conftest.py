"""Fixtures of the command-line tests: a small system file, and the fixtures the commands' tests share
with the tests of what the commands drive (local models, searches, recordings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.cli_helpers import FAKE_SYSTEM

# Shared, not copied: imported here, pytest serves them to the tests of this folder too.
from tests.local.conftest import models_dir, tiny_model, tiny_parts  # noqa: F401
from tests.search.conftest import finished_run, make_search, recording, zoo  # noqa: F401


@pytest.fixture
def system_file(tmp_path: Path) -> Path:
    path = tmp_path / "system.yaml"
    path.write_text(FAKE_SYSTEM)
    return path
