"""The YAML schema of a system: models, nodes, output, runtime settings.

``SystemSpec`` is built from the technique registry (``system_spec_model()``), so
each node is validated against its own technique's fields and an unknown ``type``
lists the valid ones. Every model forbids unknown keys.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from archon.layers.base import NodeSpec
from archon.models import defaults


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelConfig(Strict):
    """A model alias: a litellm model string plus default call parameters."""

    model: str = Field(min_length=1, description="litellm model string, e.g. local/qwen2.5-coder-0.5b, "
                       "openai/gpt-4o-mini, anthropic/claude-3-5-sonnet-20241022, fake/echo.")
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: float | None = Field(default=None, gt=0, le=1)
    stop: list[str] | None = None
    seed: int | None = None
    api_base: str | None = Field(default=None, description="Endpoint for self-hosted or proxy providers.")
    api_key_env: str | None = Field(
        default=None,
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="Name of the environment variable holding the API key (never the key itself).",
    )
    max_concurrency: int | None = Field(default=None, ge=1, description="Concurrent calls to this model.")
    extra: dict[str, Any] = Field(default_factory=dict, description="Provider-specific parameters.")

    def call_params(self) -> dict[str, Any]:
        """Parameters sent with every call (the key is read from the environment at call time)."""
        params: dict[str, Any] = {
            k: v
            for k, v in (
                ("temperature", self.temperature),
                ("max_tokens", self.max_tokens),
                ("top_p", self.top_p),
                ("stop", self.stop),
                ("seed", self.seed),
                ("api_base", self.api_base),
            )
            if v is not None
        }
        params.update(self.extra)
        return params


class RuntimeConfig(Strict):
    """How calls are made: concurrency, timeouts, retries."""

    max_concurrency: int = Field(default=defaults.MAX_CONCURRENCY, ge=1,
                                 description="Model calls in flight at once, in total.")
    per_model_concurrency: int = Field(default=defaults.PER_MODEL_CONCURRENCY, ge=1,
                                       description="Default limit per model.")
    timeout_s: float = Field(default=defaults.TIMEOUT_S, gt=0, description="Per-call timeout.")
    max_retries: int = Field(default=defaults.MAX_RETRIES, ge=0, description="Retries on timeouts, 429 and 5xx.")
    retry_base_s: float = Field(default=defaults.RETRY_BASE_S, ge=0,
                                description="First backoff; doubles each retry, with jitter.")


class SystemSpecBase(Strict):
    kind: Literal["system"] | None = Field(default=None, description="What this file is (for `archon validate`).")
    name: str = Field(min_length=1)
    description: str | None = None
    models: dict[str, ModelConfig | str] = Field(
        default_factory=dict, description="Aliases: name -> model string or {model, temperature, ...}."
    )
    nodes: list[NodeSpec] = Field(min_length=1)
    output: str | None = Field(default=None, description="Id of the node whose first candidate is the answer.")
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)

    def model_aliases(self) -> dict[str, ModelConfig]:
        return {
            alias: cfg if isinstance(cfg, ModelConfig) else ModelConfig(model=cfg)
            for alias, cfg in self.models.items()
        }




@functools.lru_cache(maxsize=4)
def _system_spec_model(version: int) -> type[SystemSpecBase]:
    from archon.layers.registry import techniques

    specs = tuple(cls.Spec for cls in techniques().values())
    node_union = Annotated[Union[specs], Field(discriminator="type")]  # type: ignore[valid-type] # noqa: UP007
    model: type[SystemSpecBase] = create_model(
        "SystemSpec",
        __base__=SystemSpecBase,
        nodes=(list[node_union], Field(min_length=1)),  # type: ignore[valid-type]
    )
    return model


def system_spec_model() -> type[SystemSpecBase]:
    """The pydantic model of a system, with one node variant per registered technique."""
    import archon.layers  # noqa: F401  (registers the built-in techniques)
    from archon.layers.registry import registry_version

    return _system_spec_model(registry_version())


def system_json_schema() -> dict[str, Any]:
    schema = system_spec_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "archon system"
    return schema
