"""The Archon reference implementation's JSON configs load and convert faithfully."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import archon
from archon.errors import ConfigErrors
from archon.runtime.estimate import estimate_cost

REFERENCE = {
    "name": "archon-testing",
    "layers": [
        [
            {"type": "generator", "model": "Qwen/Qwen2-72B-Instruct", "model_type": "Together_API",
             "temperature": 0.7, "max_tokens": 2048, "samples": 3},
            {"type": "generator", "model": "gpt-4o", "model_type": "OpenAI_API", "temperature": 0.2, "samples": 1},
        ],
        [{"type": "critic", "model": "claude-3-5-sonnet-20240620", "model_type": "Anthropic_API"}],
        [{"type": "ranker", "model": "gpt-4o", "model_type": "OpenAI_API", "top_k": 2}],
        [{"type": "fuser", "model": "llama-3.1-70b-versatile", "model_type": "Groq_API", "samples": 2}],
    ],
}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "archon_config.json"
    path.write_text(json.dumps(data))
    return path


def test_reference_config_converts_to_the_same_calls(tmp_path: Path) -> None:
    system = archon.load(write(tmp_path, REFERENCE))
    models = {cfg.model for cfg in system.graph.aliases.values()}
    assert models == {
        "together_ai/Qwen/Qwen2-72B-Instruct",
        "openai/gpt-4o",
        "anthropic/claude-3-5-sonnet-20240620",
        "groq/llama-3.1-70b-versatile",
    }
    types = [system.graph.nodes[n].type for n in system.graph.order]
    assert types == ["generate", "critique", "rank", "fuse"]
    # 3 + 1 generator samples, 1 critique, 1 rank, 2 fuser samples.
    assert estimate_cost(system.graph).calls == 8
    # Each component keeps its own temperature.
    temps = sorted(cfg.temperature or 0 for alias, cfg in system.graph.aliases.items() if alias.startswith("generate"))
    assert temps == [0.2, 0.7]


def test_converted_config_runs_on_the_fake_provider(tmp_path: Path) -> None:
    data = {"name": "fake", "layers": [
        [{"type": "generator", "model": "fake/a", "samples": 3}],
        [{"type": "ranker", "model": "fake/b", "top_k": 1}],
    ]}
    result = archon.load(write(tmp_path, data), cache=False).run("What is 6 * 7?")
    assert result.answer
    assert result.usage.total.calls == 4


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([[{"type": "generator", "model": "x", "model_type": "Acme_API"}]], "layers[0][0].model_type"),
        ([[{"type": "summarizer", "model": "openai/x"}]], "layers[0][0].type"),
        ([[{"type": "generator", "model": "openai/x"}, {"type": "fuser", "model": "openai/y"}]], "layers[0]"),
        ([[{"type": "generator", "model": "openai/x"}], [{"type": "critic", "model": "openai/a"},
                                                           {"type": "critic", "model": "openai/b"}]], "layers[1]"),
    ],
)
def test_unmappable_reference_config_gets_a_clear_error(tmp_path: Path, layers: list[object], expected: str) -> None:
    path = write(tmp_path, {"name": "bad", "layers": layers})
    with pytest.raises(ConfigErrors) as info:
        archon.load(path)
    message = str(info.value)
    assert str(path) in message and expected in message
