"""The provider table: the one place that says what archon's own providers are."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys

from archon.models.provider_table import PROVIDERS, free_providers, is_free, is_offline, is_seeded, provider_of
from archon.models.providers import CUSTOM_PROVIDERS, UNSTARTED_CALL


def test_archons_providers_are_offline_free_and_seeded_and_litellms_are_not() -> None:
    for model in ("local/qwen2.5-coder-0.5b", "fake/echo"):
        assert is_offline(model) and is_free(model) and is_seeded(model)
    for model in ("openai/gpt-4o-mini", "anthropic/claude-3-5-sonnet-20241022", "fake", "echo"):
        assert not (is_offline(model) or is_free(model) or is_seeded(model))
    assert free_providers() == ["local", "fake"]
    assert provider_of("fake/a/b") == "fake" and provider_of("gpt-4o") == ""


def test_the_litellm_setup_registers_every_handler_of_the_table() -> None:
    assert {name: p.handler for name, p in PROVIDERS.items()} == CUSTOM_PROVIDERS
    module, name = PROVIDERS["fake"].handler.split(":")
    assert getattr(importlib.import_module(module), name).__name__ == name  # the import path is right
    for handler in CUSTOM_PROVIDERS.values():
        cls = handler.rsplit(":", 1)[1]
        assert re.fullmatch(UNSTARTED_CALL, f"coroutine '{cls}.acompletion' was never awaited")


def test_importing_archon_sets_litellms_environment() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    code = "import os, archon; print(os.environ.get('LITELLM_LOCAL_MODEL_COST_MAP'))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
