"""litellm, imported lazily and set up once with archon's own providers.

``local/<name>`` (embedded llama.cpp) and ``fake/<name>`` (deterministic test
double) are litellm custom providers, so every model, local or API, is one litellm
model string and goes through the same call path. They are plugins named here by
import path, as litellm's own ``custom_provider_map`` names handlers: this layer calls
them without depending on them (``archon.local`` and ``archon.testing`` are built on it).
"""

from __future__ import annotations

import importlib
import os
import threading
import warnings
from typing import Any

#: provider -> "module:class" of its litellm CustomLLM handler; a module that is not installed
#: (a build without the local engine) leaves its provider out.
CUSTOM_PROVIDERS = {"fake": "archon.testing.fake:FakeLLM", "local": "archon.local.provider:LocalLLM"}
UNSTARTED_CALL = r"coroutine '(FakeLLM|LocalLLM)\.acompletion' was never awaited"
_lock = threading.Lock()
_litellm: Any = None


def ensure_litellm() -> Any:
    """Import litellm (never fetching its cost map from the network) and register providers."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _lock:
        if _litellm is not None:
            return _litellm
        os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
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


def provider_of(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else ""
