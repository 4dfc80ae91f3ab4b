"""The local provider through litellm, without a model: what a user sees before pulling."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from archon.errors import ModelNotAvailableError, UnknownNameError

MESSAGES = [{"role": "user", "content": "hi"}]


def test_a_model_not_pulled_says_the_exact_command(models_dir: Path, litellm_local: Any) -> None:
    with pytest.raises(ModelNotAvailableError) as caught:
        asyncio.run(litellm_local.acompletion(model="local/smollm2-135m", messages=MESSAGES, max_tokens=4))
    message = str(caught.value)
    assert message == "model 'local/smollm2-135m' is not available: run: archon models pull smollm2-135m"


def test_the_sync_path_says_the_same(models_dir: Path, litellm_local: Any) -> None:
    with pytest.raises(ModelNotAvailableError, match=r"run: archon models pull qwen2\.5-coder-0\.5b$"):
        litellm_local.completion(model="local/qwen2.5-coder-0.5b", messages=MESSAGES)


def test_an_unknown_local_model_lists_the_valid_names(litellm_local: Any) -> None:
    with pytest.raises(UnknownNameError) as caught:
        asyncio.run(litellm_local.acompletion(model="local/qwen-7b", messages=MESSAGES))
    message = str(caught.value)
    assert "local model 'qwen-7b' is not known" in message
    assert "smollm2-135m" in message and "qwen2.5-coder-0.5b" in message and "\n" not in message


def test_constructing_the_provider_loads_nothing() -> None:
    code = (
        "import sys\n"
        "from archon.local.provider import LocalLLM\n"
        "from archon.local import engine\n"
        "LocalLLM()\n"
        "assert 'xllamacpp' not in sys.modules, 'the engine library was imported'\n"
        "assert not engine._engines, 'an engine was created'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
