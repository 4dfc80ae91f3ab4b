"""The Archon reference implementation's JSON configs load and convert faithfully."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import archon
from archon.errors import ArchonError, ConfigErrors
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
        ([[{"type": "generator", "model": "openai/x"}], [{"type": "critic", "model": "openai/a"},
                                                           {"type": "fuser", "model": "openai/y"}]], "layers[1]"),
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


# -- the shapes the reference repository's own configs take --------------------------------------

TOGETHER = {"model_type": "Together_API", "temperature": 0.7, "max_tokens": 512}


def layer(kind: str, model: str = "Qwen/Qwen2-72B-Instruct", **extra: object) -> dict[str, object]:
    return {"type": kind, "model": model, **TOGETHER, **extra}


def test_a_first_layer_test_generator_reads_the_query_and_feeds_the_evaluator() -> None:
    system = archon.System.from_dict({"name": "t", "layers": [
        [layer("unit_test_generator")], [layer("generator", samples=3)], [layer("unit_test_evaluator")]]})
    graph = system.graph
    assert graph.inputs["layer0_unit_test_generate"] == ()
    assert graph.inputs["layer2_unit_test_evaluate"] == ("layer1_generate", "layer0_unit_test_generate")
    assert estimate_cost(graph).calls == 1 + 3 + 3  # tests, samples, one judgment per candidate


def test_layers_whose_output_nothing_reads_are_left_out_with_a_note() -> None:
    unused_tests = archon.System.from_dict({"name": "t", "layers": [
        [layer("unit_test_generator")], [layer("generator", samples=2)], [layer("fuser")]]})
    assert list(unused_tests.graph.nodes) == ["layer1_generate", "layer2_fuse"]
    assert "layer0_unit_test_generate is left out" in (unused_tests.spec.description or "")
    replaced = archon.System.from_dict({"name": "t", "layers": [
        [layer("generator")], [layer("generator", "other/model")], [layer("fuser")]]})
    assert list(replaced.graph.nodes) == ["layer1_generate", "layer2_fuse"]


def test_a_fuser_in_the_first_layer_answers_like_a_generator_and_critics_may_precede_a_verifier() -> None:
    system = archon.System.from_dict({"name": "t", "layers": [
        [layer("fuser"), layer("generator")], [layer("critic")], [layer("verifier")], [layer("fuser")]]})
    assert [t.type for t in system.graph.nodes.values()] == ["generate", "critique", "verify", "fuse"]
    assert len(system.graph.nodes["layer0_generate"].model_refs()) == 2


def test_a_single_component_layer_and_a_vllm_model_load() -> None:
    system = archon.System.from_dict({"name": "t", "layers": [
        {"type": "generator", "model": "facebook/opt-125m", "model_type": "vLLM", "samples": 1}]})
    assert [c.model for c in system.graph.aliases.values()] == ["hosted_vllm/facebook/opt-125m"]


def test_a_reward_model_ranker_is_refused_naming_it_and_the_alternative() -> None:
    with pytest.raises(ConfigErrors, match=r"layers\[1\]\[0\]\.model: llm-blender/PairRM is a reward model "
                       r"\(PairRM\), not an LLM.*rank with an LLM instead"):
        archon.System.from_dict({"name": "t", "layers": [
            [layer("generator", samples=2)], [{"type": "ranker", "model": "llm-blender/PairRM", "model_type": ""}]]})


def test_the_reference_itas_search_config_is_refused_with_what_to_write_instead(tmp_path: Path) -> None:
    from archon.errors import ConfigError
    from archon.search.define.loading import load_search_spec

    path = tmp_path / "example_search_config.json"
    path.write_text(json.dumps({"model_top_k_choices": [1, 2], "sample_top_k_choices": [1],
                                "maximum_inference_calls": 20, "models_available": ["configs/a.json"],
                                "benchmark": "arena_hard_auto", "search_algorithm_choice": "bayesian_optimization"}))
    with pytest.raises(ConfigError, match=r"ITAS search config.*model_top_k_choices -> space\.generators\.count"):
        load_search_spec(path)


REFERENCE_CONFIGS = Path(__file__).parent / "reference_configs"


def reference_configs() -> Path:
    """The reference repository's src/archon/configs, shipped unmodified as test data (ScalingIntelligence/Archon,
    Apache-2.0; see reference_configs/README.md for the commit)."""
    return REFERENCE_CONFIGS


def test_every_config_of_the_reference_repository_loads_or_says_why() -> None:
    folder = reference_configs()
    paths = sorted(folder.rglob("*.json"))
    assert len(paths) == 292
    loaded, refused, invalid = 0, [], []
    for path in paths:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            with pytest.raises(ArchonError, match=rf":{exc.lineno}: invalid JSON: {exc.msg}"):
                archon.System.from_file(path, cache=False)
            invalid.append(path.name)
            continue
        try:
            archon.System.from_file(path, cache=False)
            loaded += 1
        except ArchonError as exc:
            refused.append(f"{path.name}: {exc}")
    # The only valid configs refused are those ranking with PairRM, a reward model archon cannot run.
    assert all("is a reward model (PairRM)" in reason for reason in refused), refused
    assert (loaded, len(refused), len(invalid)) == (285, 5, 2), (loaded, refused, invalid)
