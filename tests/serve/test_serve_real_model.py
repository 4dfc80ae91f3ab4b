"""A real local-model system served over HTTP, streamed token by token to the openai client."""

from __future__ import annotations

from pathlib import Path

import pytest

from archon.local.pull import pull
from tests.serve.test_server import start_server

pytestmark = pytest.mark.real_model


def test_a_served_local_model_streams_its_tokens(tmp_path: Path) -> None:
    from openai import OpenAI

    pull("smollm2-135m")
    system = tmp_path / "local.yaml"
    system.write_text("name: local\nmodels: {m: {model: local/smollm2-135m, max_tokens: 16}}\n"
                      "nodes:\n  - {id: answer, type: generate, models: [m], temperature: 0}\n")
    process, base = start_server(tmp_path, [system], "--no-cache", env={"ARCHON_HOME": str(tmp_path / "home")})
    try:
        client = OpenAI(base_url=f"{base}/v1", api_key="unused")
        whole = client.chat.completions.create(model="local", messages=[{"role": "user", "content": "Say hello."}])
        assert whole.choices[0].message.content and whole.usage is not None and whole.usage.completion_tokens > 0
        pieces = [c.choices[0].delta.content for c in client.chat.completions.create(
            model="local", messages=[{"role": "user", "content": "Say hello."}], stream=True) if c.choices]
        text = "".join(p for p in pieces if p)
        assert len([p for p in pieces if p]) > 3 and text == whole.choices[0].message.content  # greedy: same text
    finally:
        process.terminate()
        process.wait(30)
