"""Convert the Archon reference implementation's JSON config into a system dict.

Its format: ``{"name": ..., "layers": [[component, ...], ...]}`` where a component is
``{"type": "generator"|"critic"|"ranker"|"fuser"|"verifier"|"unit_test_generator"|
"unit_test_evaluator", "model": ..., "model_type": "OpenAI_API"|..., "temperature",
"max_tokens", "samples", "top_k"}`` (a layer may also be one component, or an older
``{"models": [...]}`` mapping). Each component becomes a model alias (keeping its
temperature and max_tokens) and each layer one node, so the converted system calls the
same models the same number of times.

The reference passes one state from layer to layer: each layer reads the candidates of
the layer before; unit tests, once written, stay in the state until an evaluator reads
them. So a test generator (often the first layer) reads only the query and feeds the
evaluator; a layer whose candidates the next layer replaces without reading them (a
generator after a generator, tests no evaluator reads) changes no answer and is left
out, with a note in the system's description; a fuser in the first layer, with nothing
to fuse, answers the query like a generator.
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
    "vLLM": "hosted_vllm",  # an OpenAI-compatible vLLM server; litellm needs its api_base
}
# Rankers that are reward models, not LLMs: archon ranks with an LLM's judgment only.
REWARD_MODELS = ("llm-blender/PairRM", "PairRM")

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
        components = _components(layer)
        if components is None:
            fail(["layers", i], "expected a list of components (or one component mapping)")
            continue
        node = _layer_node(components, i, models, fail, first=not nodes)
        if node is not None:
            nodes.append(node)
    if errors:
        raise ConfigErrors(errors)
    nodes, notes = _wire(nodes)
    system: dict[str, Any] = {"name": str(data.get("name") or "converted"), "models": models, "nodes": nodes}
    if notes:
        system["description"] = "Converted from the Archon reference format. " + " ".join(notes)
    return system


def _components(layer: Any) -> list[Any] | None:
    """A layer's components: a list, one component mapping, or an older {"models": [...]}."""
    if isinstance(layer, list):
        return layer
    if isinstance(layer, dict):
        return layer["models"] if isinstance(layer.get("models"), list) else [layer] if "type" in layer else None
    return None


def _layer_node(components: list[Any], i: int, models: dict[str, Any], fail: Any, *, first: bool
                ) -> dict[str, Any] | None:
    """The node of one layer (its components as model aliases), or None if the layer is empty
    or broken (reported through ``fail``)."""
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
        if kind == "fuse" and first:
            kind = "generate"  # nothing to fuse yet: it answers the query, as a generator does
        if kind == "rank" and str(comp.get("model")) in REWARD_MODELS:
            fail([*path, "model"], f"{comp.get('model')} is a reward model (PairRM), not an LLM, and archon cannot "
                 "run it; rank with an LLM instead (a ranker with a chat model, e.g. the fuser's)")
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
        return None
    if not node:
        return None
    kind = node["type"]
    if kind in MULTI_MODEL:
        node["models"] = refs
        if kind == "generate":
            node["temperature"] = None  # keep each component's own temperature (its alias)
    elif len(refs) > 1:
        fail(["layers", i], f"a {kind} layer takes one component, found {len(refs)}")
        return None
    else:
        node["model"] = refs[0]
    if kind == "unit_test_evaluate":
        node["mode"] = "llm"
    return node


def _wire(nodes: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Inputs as the reference's state passing implies, and the nodes no answer depends on dropped."""
    previous: str | None = None
    tests: str | None = None
    for node in nodes:
        kind = node["type"]
        if kind in ("generate", "unit_test_generate"):
            node["inputs"] = []  # generators and test writers read the query alone
        elif kind == "unit_test_evaluate":
            node["inputs"] = [n for n in (previous, tests) if n is not None]
        else:
            node["inputs"] = [previous] if previous is not None else []
        if kind == "unit_test_generate":
            tests = node["id"]
        else:
            previous = node["id"]
    for node in nodes:
        if node["type"] == "generate":
            del node["inputs"]  # generate takes no `inputs:` at all
    last = nodes[-1]["id"] if nodes else None
    needed: set[str] = set()
    frontier = [last] if last else []
    by_id = {n["id"]: n for n in nodes}
    while frontier:
        current = frontier.pop()
        if current in needed:
            continue
        needed.add(current)
        frontier.extend(by_id[current].get("inputs", []))
    notes = [f"Layer {n['id']} is left out: the reference passes on only the newest candidates, so nothing reads "
             "its output." for n in nodes if n["id"] not in needed]
    return [n for n in nodes if n["id"] in needed], notes


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
