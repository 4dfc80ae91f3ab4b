"""Convert the Archon reference implementation's JSON config into a system dict.

Its format: ``{"name": ..., "layers": [[component, ...], ...]}`` where a component is
``{"type": "generator"|"critic"|"ranker"|"fuser"|"verifier"|"unit_test_generator"|
"unit_test_evaluator", "model": ..., "model_type": "OpenAI_API"|..., "temperature",
"max_tokens", "samples", "top_k"}`` and each layer reads the previous layer's output.
Each component becomes a model alias (keeping its temperature and max_tokens) and
each layer one node, so the converted system calls the same models the same number
of times.
"""

from __future__ import annotations

from typing import Any

from archon.config.locate import format_path
from archon.errors import ConfigError, ConfigErrors

# The reference's provider names -> litellm provider prefixes.
PROVIDERS = {
    "OpenAI_API": "openai",
    "Anthropic_API": "anthropic",
    "Together_API": "together_ai",
    "Groq_API": "groq",
    "Google_API": "gemini",
    "Gemini_API": "gemini",
    "Bedrock_API": "bedrock",
    "DeepSeek_API": "deepseek",
    "Mistral_API": "mistral",
    "Cohere_API": "cohere",
    "Fireworks_API": "fireworks_ai",
    "OpenRouter_API": "openrouter",
    "Local": "local",
    "Local_API": "local",
}

TECHNIQUES = {
    "generator": "generate",
    "critic": "critique",
    "ranker": "rank",
    "fuser": "fuse",
    "verifier": "verify",
    "unit_test_generator": "unit_test_generate",
    "unit_test_evaluator": "unit_test_evaluate",
}

# Layer types whose components merge into one node listing each model (repeated per sample).
MULTI_MODEL = ("generate", "fuse")


def convert_reference_config(data: dict[str, Any], source: str) -> dict[str, Any]:
    errors: list[ConfigError] = []

    def fail(path: list[str | int], message: str) -> None:
        errors.append(ConfigError(source, format_path(path), message))

    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ConfigError(source, "layers", "expected a non-empty list of layers")
    models: dict[str, Any] = {}
    nodes: list[dict[str, Any]] = []
    for i, layer in enumerate(layers):
        components = layer.get("models") if isinstance(layer, dict) else layer
        if not isinstance(components, list) or not components:
            fail(["layers", i], "expected a non-empty list of components")
            continue
        kinds: set[str] = set()
        refs: list[str] = []
        node: dict[str, Any] = {}
        for j, comp in enumerate(components):
            path: list[str | int] = ["layers", i, j]
            if not isinstance(comp, dict):
                fail(path, "expected a component mapping with 'type' and 'model'")
                continue
            kind = TECHNIQUES.get(str(comp.get("type")))
            if kind is None:
                fail([*path, "type"], f"unknown component type {comp.get('type')!r}; "
                     f"expected one of: {', '.join(TECHNIQUES)}")
                continue
            kinds.add(kind)
            alias = f"{kind}_{i}_{j}"
            model = _model_string(comp, path, fail)
            if model is None:
                continue
            models[alias] = {k: v for k, v in (("model", model), ("temperature", comp.get("temperature")),
                                               ("max_tokens", comp.get("max_tokens"))) if v is not None}
            samples = int(comp.get("samples", 1) or 1)
            refs.extend([alias] * (samples if kind in MULTI_MODEL else 1))
            node = {"id": f"layer{i}_{kind}", "type": kind}
            if kind == "rank" and comp.get("top_k"):
                node["top_k"] = int(comp["top_k"])
        if len(kinds) > 1:
            fail(["layers", i], f"a layer holds one technique type, found {', '.join(sorted(kinds))}")
            continue
        if not node:
            continue
        kind = node["type"]
        if kind in MULTI_MODEL:
            node["models"] = refs
            if kind == "generate":
                node["temperature"] = None  # keep each component's own temperature (its alias)
        elif len(refs) > 1:
            fail(["layers", i], f"a {kind} layer takes one component, found {len(refs)}")
            continue
        else:
            node["model"] = refs[0]
        if kind == "unit_test_evaluate":
            node["mode"] = "llm"
        nodes.append(node)
    if errors:
        raise ConfigErrors(errors)
    return {"name": str(data.get("name") or "converted"), "models": models, "nodes": nodes}


def _model_string(comp: dict[str, Any], path: list[str | int], fail: Any) -> str | None:
    model = comp.get("model")
    if not isinstance(model, str) or not model:
        fail([*path, "model"], "expected a model name")
        return None
    model_type = comp.get("model_type")
    if model_type is None:
        return model if "/" in model else None
    prefix = PROVIDERS.get(str(model_type))
    if prefix is None:
        fail([*path, "model_type"], f"cannot map provider {model_type!r} to litellm; "
             f"known: {', '.join(sorted(PROVIDERS))}. Use a system YAML with a litellm model string instead")
        return None
    return f"{prefix}/{model}"
