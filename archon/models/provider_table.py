"""What archon knows about the providers it brings to litellm, in one table.

Every model is a litellm model string, ``provider/name``. The providers in this table are
archon's own: litellm custom providers (``local``: the embedded llama.cpp engine; ``fake``: the
deterministic test double), each named by the import path of its handler, as litellm's own
``custom_provider_map`` names them. Any other provider is litellm's: it needs the network (and
usually an API key), litellm's cost map prices it, and its samples get a seed only where the
model sets one. Code that treats providers differently asks this table (``is_offline``,
``is_free``, ``is_seeded``) instead of naming providers; a new provider is one more row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Provider:
    name: str
    #: "module:class" of its litellm ``CustomLLM`` handler; a build without that module (no local
    #: engine installed) leaves the provider out.
    handler: str
    #: Never leaves this machine: needs no network and no API key (allowed when ARCHON_OFFLINE is set).
    offline: bool
    #: Costs nothing: its calls are priced at 0, and a budget in USD never counts them.
    free: bool
    #: Deterministic given a seed: repeated samples of one request need distinct seeds to differ
    #: (and get them even where the model sets none), which also makes them reproducible.
    seeded: bool


#: archon's own providers, by name (in the order they are registered with litellm).
PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        Provider("local", "archon.local.provider:LocalLLM", offline=True, free=True, seeded=True),
        Provider("fake", "archon.testing.fake:FakeLLM", offline=True, free=True, seeded=True),
    )
}


def provider_of(model: str) -> str:
    """The provider part of a litellm model string ("" where it has none)."""
    return model.split("/", 1)[0] if "/" in model else ""


def provider_info(model: str) -> Provider | None:
    """The row of ``model``'s provider; None for litellm's own providers."""
    return PROVIDERS.get(provider_of(model))


def is_offline(model: str) -> bool:
    return (info := provider_info(model)) is not None and info.offline


def is_free(model: str) -> bool:
    return (info := provider_info(model)) is not None and info.free


def is_seeded(model: str) -> bool:
    return (info := provider_info(model)) is not None and info.seeded


def free_providers() -> list[str]:
    """The names of the providers that cost nothing (for messages)."""
    return [p.name for p in PROVIDERS.values() if p.free]
