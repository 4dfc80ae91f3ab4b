"""Malformed systems, written as real files: every error names the file, the place inside
it (path and line when known) and what was expected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import archon
from archon.errors import ArchonError, ConfigError, ConfigErrors

TECHNIQUES = ("adaptive_vote, cascade, choice_shuffle, critique, example_tests, fuse, generate, rank, route, "
              "unit_test_evaluate, unit_test_generate, verify, vote")

# (case id, file text, line or None, location, substrings the message must contain)
CASES: list[tuple[str, str, int | None, str, list[str]]] = [
    (
        "yaml-syntax-error",
        "name: broken\nnodes:\n  - id: gen\n    type: generate\n    models: [fake/a\n",
        None, "", ["invalid YAML", "expected ',' or ']'"],
    ),
    (
        "unknown-top-level-key",
        "name: t\nnodez: []\nnodes:\n  - {id: gen, type: generate, models: [fake/a]}\n",
        2, "nodez", ["unknown key 'nodez'", "allowed keys: description, kind, models, name, nodes, output, runtime"],
    ),
    (
        "unknown-node-key",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - id: rank\n    type: rank\n    model: fake/a\n    topk: 2\n",
        7, "nodes[1].topk", ["unknown key 'topk'", "top_k"],
    ),
    (
        "wrong-type",
        "name: t\nnodes:\n  - id: gen\n    type: generate\n    models: [fake/a]\n    samples: many\n",
        6, "nodes[0].samples", ["valid integer", "'many'"],
    ),
    (
        "unknown-technique",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a]}\n  - {id: r, type: rerank, model: fake/a}\n",
        4, "nodes[1].type", ["unknown technique 'rerank'", f"Valid choices: {TECHNIQUES}"],
    ),
    (
        "missing-type",
        "name: t\nnodes:\n  - {id: gen, models: [fake/a]}\n",
        3, "nodes[0].type", ["missing key 'type'", TECHNIQUES],
    ),
    (
        "unknown-input-suggests",
        "name: t\nnodes:\n  - {id: generator, type: generate, models: [fake/a], samples: 3}\n"
        "  - {id: r, type: rank, model: fake/a, inputs: [generatr]}\n",
        4, "nodes[1].inputs[0]", ["unknown input 'generatr'", "Did you mean 'generator'?"],
    ),
    (
        "cycle",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: a, type: fuse, models: [fake/a], inputs: [gen, b]}\n"
        "  - {id: b, type: fuse, models: [fake/a], inputs: [a]}\noutput: b\n",
        2, "nodes", ["cycle", "a -> b -> a"],
    ),
    (
        "own-output-as-input",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: f, type: fuse, models: [fake/a], inputs: [gen, f]}\n",
        4, "nodes[1].inputs[1]", ["cannot take its own output"],
    ),
    (
        "several-sinks-without-output",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: f1, type: fuse, models: [fake/a], inputs: [gen]}\n"
        "  - {id: f2, type: fuse, models: [fake/a], inputs: [gen]}\n",
        None, "output", ["several nodes feed no other node (f1, f2)", "set `output:`"],
    ),
    (
        "unknown-output",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: fuse, type: fuse, models: [fake/a]}\noutput: fused\n",
        5, "output", ["unknown output node 'fused'", "Did you mean 'fuse'?"],
    ),
    (
        "rank-top-k-larger-than-inputs",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: crit, type: critique, model: fake/a}\n  - {id: rank, type: rank, model: fake/a, top_k: 5}\n",
        5, "nodes[2]", ["top_k is 5", "at most 2 candidate(s)"],
    ),
    (
        "generate-with-inputs",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a]}\n"
        "  - {id: gen2, type: generate, models: [fake/a], inputs: [gen]}\noutput: gen2\n",
        4, "nodes[1].inputs", ["a generate node reads only the query and takes no inputs"],
    ),
    (
        "empty-models-list",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: []}\n",
        3, "nodes[0].models", ["at least 1 item"],
    ),
    (
        "negative-samples",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: -2}\n",
        3, "nodes[0].samples", ["greater than or equal to 1", "-2"],
    ),
    (
        "duplicate-ids",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: gen, type: fuse, models: [fake/a]}\n",
        4, "nodes[1].id", ["duplicate node id 'gen'"],
    ),
    (
        "critique-as-output",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: crit, type: critique, model: fake/a}\n",
        4, "nodes[1]", ["critique node must feed only rank, fuse or verify"],
    ),
    (
        "critique-feeding-vote",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: crit, type: critique, model: fake/a}\n  - {id: check, type: vote}\n",
        4, "nodes[1]", ["critique node must feed only rank, fuse or verify"],
    ),
    (
        "unit-test-evaluate-without-generator",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: judge, type: unit_test_evaluate, model: fake/a}\n",
        4, "nodes[1]", ["needs a node that writes tests (unit_test_generate or example_tests) among its inputs"],
    ),
    (
        "unit-test-generate-feeding-fuse",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: tests, type: unit_test_generate, model: fake/a}\n  - {id: fuse, type: fuse, models: [fake/a]}\n",
        4, "nodes[1]", ["unit_test_generate node must feed only unit_test_evaluate"],
    ),
    (
        "unknown-model-alias",
        "name: t\nmodels:\n  small: fake/a\nnodes:\n  - {id: gen, type: generate, models: [smal]}\n",
        5, "nodes[0].models", ["unknown model 'smal'", "aliases: small"],
    ),
    (
        "unknown-local-model",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [local/qwen-9000]}\n",
        3, "nodes[0].models", ["'qwen-9000' is not known", "Valid choices:", "qwen2.5-coder-0.5b"],
    ),
    (
        "vote-regex-without-pattern",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 3}\n"
        "  - {id: vote, type: vote, extractor: regex}\n",
        4, "nodes[1]", ["extractor 'regex' needs a `pattern`"],
    ),
    (
        "node-not-reaching-output",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 2}\n"
        "  - {id: side, type: fuse, models: [fake/a], inputs: [gen]}\n"
        "  - {id: main, type: fuse, models: [fake/a], inputs: [gen]}\noutput: main\n",
        4, "nodes[1]", ["node 'side' does not lead to the output 'main'"],
    ),
    (
        "first-node-needs-inputs",
        "name: t\nnodes:\n  - {id: r, type: rank, model: fake/a}\n",
        3, "nodes[0]", ["a rank node needs inputs, but no node comes before it"],
    ),
    (
        "empty-file",
        "",
        None, "", ["expected a mapping with 'name' and 'nodes'", "empty document"],
    ),
    (
        "list-instead-of-mapping",
        "- name: t\n- nodes: []\n",
        None, "", ["expected a mapping with 'name' and 'nodes'", "got a list"],
    ),
    (
        "nodes-as-mapping",
        "name: t\nnodes:\n  gen: {type: generate, models: [fake/a]}\n",
        2, "nodes", ["valid list"],
    ),
    (
        "empty-nodes",
        "name: t\nnodes: []\n",
        2, "nodes", ["at least 1 item"],
    ),
    (
        "missing-name",
        "nodes:\n  - {id: gen, type: generate, models: [fake/a]}\n",
        None, "name", ["missing required key 'name'"],
    ),
    (
        "bad-node-id",
        'name: t\nnodes:\n  - {id: "my node", type: generate, models: [fake/a]}\n',
        3, "nodes[0].id", ["should match pattern", "'my node'"],
    ),
    (
        "runtime-unknown-key-and-bad-value",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a]}\n"
        "runtime:\n  max_concurrency: 0\n  retries: 3\n",
        5, "runtime.max_concurrency", ["greater than or equal to 1", "unknown key 'retries'", "max_retries"],
    ),
    (
        "alias-unknown-key",
        "name: t\nmodels:\n  m:\n    model: fake/a\n    temprature: 0.5\nnodes:\n"
        "  - {id: gen, type: generate, models: [m]}\n",
        5, "models.m.temprature", ["unknown key 'temprature'", "temperature"],
    ),
    (
        "alias-out-of-range",
        "name: t\nmodels:\n  m:\n    model: fake/a\n    temperature: 3\nnodes:\n"
        "  - {id: gen, type: generate, models: [m]}\n",
        5, "models.m.temperature", ["less than or equal to 2"],
    ),
    (
        "alias-bare-model-name",
        "name: t\nmodels:\n  m: gpt4\nnodes:\n  - {id: gen, type: generate, models: [m]}\n",
        3, "models.m", ["alias 'm' must name a provider/model string", "got 'gpt4'"],
    ),
    (
        "top-k-zero",
        "name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 3}\n"
        "  - id: rank\n    type: rank\n    model: fake/a\n    top_k: 0\n",
        7, "nodes[1].top_k", ["greater than or equal to 1"],
    ),
    (
        "adaptive-vote-unknown-rule",
        "name: t\nnodes:\n  - id: vote\n    type: adaptive_vote\n    models: [fake/a]\n    rule: sometimes\n",
        6, "nodes[0].rule", ["'majority' or 'final_vote'", "sometimes"],
    ),
]


@pytest.mark.parametrize(("case", "text", "line", "location", "expected"), CASES, ids=[c[0] for c in CASES])
def test_malformed_system_error_names_file_place_and_expectation(
    write_system: Callable[..., Path], case: str, text: str, line: int | None, location: str, expected: list[str]
) -> None:
    path = write_system(text, name=f"{case}.yaml")
    with pytest.raises(ArchonError) as info:
        archon.System.load(path)
    error = info.value
    assert isinstance(error, ConfigError | ConfigErrors)
    message = str(error)
    assert str(path) in message
    if location:
        assert f": {location}: " in message, message
    if line is not None:
        assert f"{path}:{line}: {location}" in message, message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    problems = error.errors if isinstance(error, ConfigErrors) else [error]
    assert all(p.source == str(path) for p in problems)
    if location:
        assert location in [p.location for p in problems]


def test_there_are_at_least_15_distinct_malformed_cases() -> None:
    assert len({case for case, *_ in CASES}) >= 15


def test_yaml_syntax_error_gives_the_line(write_system: Callable[..., Path]) -> None:
    path = write_system("name: t\nnodes:\n  - id: gen\n     type: generate\n")
    with pytest.raises(ConfigError) as info:
        archon.System.load(path)
    assert info.value.line == 4
    assert str(info.value).startswith(f"{path}:4: invalid YAML")


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError, match="file not found") as info:
        archon.System.load(path)
    assert info.value.source == str(path)


def test_all_problems_of_a_file_are_reported_together(write_system: Callable[..., Path]) -> None:
    path = write_system(
        """
        name: t
        nodes:
          - {id: gen, type: generate, models: [fake/a], samples: 0}
          - {id: rank, type: rank, model: fake/a, top_k: 0, colour: red}
        """
    )
    with pytest.raises(ConfigErrors) as info:
        archon.System.load(path)
    locations = {e.location for e in info.value.errors}
    assert {"nodes[0].samples", "nodes[1].top_k", "nodes[1].colour"} <= locations
    assert str(info.value).startswith("3 problems:")


def test_api_key_pasted_into_api_key_env_is_not_echoed(write_system: Callable[..., Path]) -> None:
    secret = "sk-live-abcdef0123456789"
    path = write_system(
        f"""
        name: t
        models:
          gpt:
            model: openai/gpt-4o-mini
            api_key_env: {secret}
        nodes:
          - {{id: gen, type: generate, models: [gpt]}}
        """
    )
    with pytest.raises(ConfigErrors) as info:
        archon.System.load(path)
    message = str(info.value)
    assert f"{path}:5: models.gpt.api_key_env" in message
    assert "name of an environment variable" in message
    assert secret not in message


def test_string_and_dict_sources_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors, match=r"^<string>:3: nodes\[0\]\.samples"):
        archon.System.from_text("name: t\nnodes:\n  - {id: g, type: generate, models: [fake/a], samples: 0}\n")
    with pytest.raises(ConfigErrors, match=r"^<dict>: nodes\[0\]\.samples"):
        node = {"id": "g", "type": "generate", "models": ["fake/a"], "samples": 0}
        archon.System.load({"name": "t", "nodes": [node]})


def test_json_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "system.json"
    path.write_text('{"name": "t", "nodes": [{"id": "g", "type": "generate", "models": ["fake/a"], "samples": 0}]}')
    with pytest.raises(ConfigErrors, match=r"nodes\[0\]\.samples: Input should be greater than or equal to 1") as info:
        archon.System.load(path)
    assert str(path) in str(info.value)
