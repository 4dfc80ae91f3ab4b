"""Loading systems (path, text, dict, JSON) and the JSON schema editors use."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import archon
from archon.config.loading import dump_spec
from archon.config.spec import ModelConfig, system_json_schema, system_spec_model
from archon.errors import ConfigErrors

REPO = Path(__file__).resolve().parents[2]
TECHNIQUES = {"adaptive_vote", "cascade", "choice_shuffle", "critique", "example_tests", "fuse", "generate", "rank",
              "route", "unit_test_evaluate", "unit_test_generate", "verify", "vote"}

GENERAL = """
name: general
description: the paper's general architecture
models:
  small: {model: fake/a, temperature: 0.2, max_tokens: 64}
  other: fake/b
nodes:
  - {id: gen, type: generate, models: [small, other], samples: 2}
  - {id: crit, type: critique, model: small}
  - {id: rank, type: rank, model: small, top_k: 2}
  - {id: fuse, type: fuse, models: [other]}
runtime: {max_concurrency: 8, retry_base_s: 0.01}
"""


def test_load_from_path_text_and_dict_give_the_same_system(write_system: Callable[..., Path]) -> None:
    path = write_system(GENERAL)
    from_path = archon.System.from_file(path)
    from_text = archon.System.from_text(GENERAL)
    from_dict = archon.System.from_dict(yaml.safe_load(GENERAL))
    assert archon.load(path).spec == archon.load(str(path)).spec == archon.load(yaml.safe_load(GENERAL)).spec
    assert from_path.source == str(path)
    assert from_text.source == "<string>"
    assert from_dict.source == "<dict>"
    assert from_path.spec == from_text.spec == from_dict.spec
    assert from_path.graph.order == ("gen", "crit", "rank", "fuse")
    assert from_path.fingerprint() == from_text.fingerprint()


def test_load_json_file(tmp_path: Path) -> None:
    path = tmp_path / "system.json"
    path.write_text(json.dumps(yaml.safe_load(GENERAL)))
    assert archon.System.load(path).graph.output == "fuse"


def test_aliases_resolve_with_their_defaults() -> None:
    system = archon.System.from_text(GENERAL)
    aliases = system.spec.model_aliases()
    assert aliases["other"] == ModelConfig(model="fake/b")
    assert aliases["small"].call_params() == {"temperature": 0.2, "max_tokens": 64}
    assert system.graph.resolve_model("small").model == "fake/a"
    assert system.graph.resolve_model("fake/zzz").model == "fake/zzz"  # a bare model string


def test_runtime_defaults_and_overrides() -> None:
    runtime = archon.System.from_text(GENERAL).spec.runtime
    assert runtime.max_concurrency == 8
    assert runtime.retry_base_s == 0.01
    assert runtime.max_retries == 4  # default


def test_yaml_export_round_trips_and_never_names_a_machine_path(tmp_path: Path) -> None:
    system = archon.System.from_text(GENERAL)
    out = tmp_path / "exported.yaml"
    text = system.to_yaml(out)
    assert "$schema" not in text and "file://" not in text  # outside the project: no schema line
    again = archon.System.load(out)
    assert again.spec == system.spec
    assert again.fingerprint() == system.fingerprint()
    # Defaults are left out of the export.
    assert "max_retries" not in text
    # Inside the project, the schema is named relative to the file, as the shipped configs do.
    inside = REPO / "runs" / "test-export" / "system.yaml"
    inside.parent.mkdir(parents=True, exist_ok=True)
    try:
        line = system.to_yaml(inside).splitlines()[0]
    finally:
        inside.unlink(missing_ok=True)
        inside.parent.rmdir()
    assert line == "# yaml-language-server: $schema=../../archon/schema/system.schema.json"


def test_fingerprint_ignores_name_but_not_what_changes_answers() -> None:
    base = archon.System.from_text(GENERAL)
    renamed = archon.System.from_text(GENERAL.replace("name: general", "name: renamed"))
    changed = archon.System.from_text(GENERAL.replace("top_k: 2", "top_k: 1"))
    assert renamed.fingerprint() == base.fingerprint()
    assert changed.fingerprint() != base.fingerprint()
    # Spelling out a default (the single sink as `output:`, one sample) changes nothing.
    single = "name: s\nnodes:\n  - {id: g, type: generate, models: [fake/a]}\n"
    explicit = "name: s\noutput: g\nnodes:\n  - {id: g, type: generate, models: [fake/a], samples: 1}\n"
    assert archon.System.from_text(explicit).fingerprint() == archon.System.from_text(single).fingerprint()


def test_dump_spec_is_minimal_and_ordered() -> None:
    data = dump_spec(archon.System.from_text(GENERAL).spec)
    assert next(iter(data)) == "name"
    assert data["nodes"][0] == {"id": "gen", "type": "generate", "models": ["small", "other"], "samples": 2}


def test_shipped_configs_load(monkeypatch: pytest.MonkeyPatch) -> None:
    configs = sorted((REPO / "configs").glob("*.yaml"))
    assert configs, "no configs shipped"
    for path in configs:
        system = archon.System.load(path)
        assert system.graph.output in system.graph.nodes


# -- the JSON schema -------------------------------------------------------------------------


def test_schema_describes_every_technique_as_a_tagged_variant() -> None:
    schema = system_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "archon system"
    assert set(schema["required"]) == {"name", "nodes"}
    items = schema["properties"]["nodes"]["items"]
    assert items["discriminator"]["propertyName"] == "type"
    assert set(items["discriminator"]["mapping"]) == TECHNIQUES
    assert schema["additionalProperties"] is False
    for name in ("ModelConfig", "RuntimeConfig", "GenerateSpec", "RankSpec"):
        assert schema["$defs"][name]["additionalProperties"] is False, name
    rank = schema["$defs"]["RankSpec"]["properties"]
    assert rank["top_k"]["minimum"] == 1
    key_env = schema["$defs"]["ModelConfig"]["properties"]["api_key_env"]
    assert any(branch.get("pattern") for branch in key_env["anyOf"])


def test_shipped_schema_file_is_up_to_date() -> None:
    shipped = json.loads((REPO / "archon" / "schema" / "system.schema.json").read_text())
    assert shipped == system_json_schema(), "regenerate archon/schema/system.schema.json (archon schema)"


def test_schema_accepts_valid_systems_and_rejects_what_the_loader_rejects() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(system_json_schema())
    for path in sorted((REPO / "configs").glob("*.yaml")):
        validator.validate(yaml.safe_load(path.read_text()))
    validator.validate(yaml.safe_load(GENERAL))
    bad = [
        {"name": "t", "nodes": [{"id": "g", "type": "generate", "models": ["fake/a"], "colour": 1}]},
        {"name": "t", "nodes": [{"id": "g", "type": "rerank", "model": "fake/a"}]},
        {"name": "t", "nodes": [{"id": "g", "type": "generate", "models": ["fake/a"], "samples": 0}]},
        {"name": "t", "nodes": []},
        {"name": "t", "nodes": [{"id": "g", "type": "generate", "models": ["fake/a"]}], "extra": 1},
    ]
    for data in bad:
        assert not validator.is_valid(data), data
        with pytest.raises(ConfigErrors):
            archon.System.load(data)


def test_spec_model_is_rebuilt_from_the_registry() -> None:
    model = system_spec_model()
    assert model is system_spec_model()  # cached while the registry is unchanged
    names = {item["properties"]["type"]["default"] for item in model.model_json_schema()["$defs"].values()
             if "type" in item.get("properties", {})}
    assert names == TECHNIQUES
