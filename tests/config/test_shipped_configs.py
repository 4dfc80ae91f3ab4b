"""Every system shipped in configs/ validates, and the published JSON schema is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import archon
from archon.config.spec import system_json_schema

ROOT = Path(__file__).resolve().parents[2]
SYSTEMS = sorted((ROOT / "configs").glob("*.yaml"))


def test_the_required_configs_are_shipped() -> None:
    names = {p.stem for p in SYSTEMS}
    assert {"single", "best_of_n_vote", "moa", "general", "verify", "unit_tests", "branches"} <= names


@pytest.mark.parametrize("path", SYSTEMS, ids=lambda p: p.stem)
def test_shipped_system_validates(path: Path) -> None:
    system = archon.load(path)
    assert system.graph.output in system.graph.nodes
    assert path.read_text().startswith("# yaml-language-server: $schema=../archon/schema/system.schema.json")


def test_branches_config_is_a_real_dag() -> None:
    graph = archon.load(ROOT / "configs" / "branches.yaml").graph
    assert any(len(srcs) > 1 for srcs in graph.inputs.values()), "expected a node merging two branches"


def test_published_schema_is_up_to_date() -> None:
    published = json.loads((ROOT / "archon" / "schema" / "system.schema.json").read_text())
    assert published == system_json_schema(), "run: archon schema --out archon/schema/system.schema.json"
