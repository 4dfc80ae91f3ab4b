"""`archon schema`: the system file's JSON Schema, written out."""

from __future__ import annotations

import json
from pathlib import Path

from archon.cli.main import main


def test_schema_is_written(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    schema = json.loads(out.read_text())
    assert "nodes" in schema["properties"]
