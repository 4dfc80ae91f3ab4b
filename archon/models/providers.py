"""litellm, imported lazily and set up once with archon's own providers.

``local/<name>`` (embedded llama.cpp) and ``fake/<name>`` (deterministic test
double) are litellm custom providers, so every model, local or API, is one litellm
model string and goes through the same call path. They are plugins named by import
path in the provider table (``archon.models.provider_table``), as litellm's own
``custom_provider_map`` names handlers: this layer calls them without depending on them
(``archon.local`` and ``archon.testing`` are built on it). litellm's environment is set
before its first import by ``archon.models.litellm_env``.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from typing import Any

import archon.models.litellm_env  # noqa: F401  (litellm's environment, before its import)
from archon.models.provider_table import PROVIDERS
from archon.models.provider_table import provider_of as provider_of

#: provider -> "module:class" of its litellm CustomLLM handler; a module that is not installed
#: (a build without the local engine) leaves its provider out.
CUSTOM_PROVIDERS = {name: provider.handler for name, provider in PROVIDERS.items()}
UNSTARTED_CALL = (r"coroutine '(" + "|".join(h.rsplit(":", 1)[1] for h in CUSTOM_PROVIDERS.values())
                  + r")\.acompletion' was never awaited")
_lock = threading.Lock()
_litellm: Any = None


def ensure_litellm() -> Any:
    """Import litellm (never fetching its cost map from the network: see ``litellm_env``) and
    register archon's providers."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _lock:
        if _litellm is not None:
            return _litellm
        import litellm

        # litellm runs a custom provider's completion() in a thread, which returns the coroutine
        # of acompletion() to await. A call cancelled while in that thread (a pruned trial's items
        # started ahead) leaves the coroutine unstarted: no work was done, so no warning is due.
        warnings.filterwarnings("ignore", message=UNSTARTED_CALL, category=RuntimeWarning)
        litellm.telemetry = False
        litellm.suppress_debug_info = True
        # Providers differ in what they accept (seed, top_p...): drop what one cannot take.
        litellm.drop_params = True
        handlers: list[dict[str, Any]] = []
        for provider, target in CUSTOM_PROVIDERS.items():
            module, name = target.split(":")
            try:
                handler = getattr(importlib.import_module(module), name)()
            except ImportError:  # built without the local engine
                continue
            handlers.append({"provider": provider, "custom_handler": handler})
        ours = {h["provider"] for h in handlers}
        existing = [h for h in (litellm.custom_provider_map or []) if h.get("provider") not in ours]
        litellm.custom_provider_map = [*existing, *handlers]  # type: ignore[list-item]
        from litellm.utils import custom_llm_setup

        custom_llm_setup()  # type: ignore[no-untyped-call]
        _litellm = litellm
        return litellm
