"""Keys never reach the trace, the cache file or a saved result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import archon
from archon.models.types import redact

ENV_SECRET = "sk-env-7f3a9c1e5b2d4f6a8c0e"
EXTRA_SECRET = "sk-extra-0b1c2d3e4f5a6b7c8d9e"
TOKEN_SECRET = "tok-4e5f6a7b8c9d0e1f"
HEADER_SECRET = "sk-header-91a2b3c4d5e6f7a8"


def system_text(extra: str) -> str:
    return f"""
name: secrets
models:
  keyed:
    model: fake/keyed
    api_key_env: ARCHON_TEST_SECRET_KEY
    extra: {extra}
  broken:
    model: fake/keyed_broken
    api_key_env: ARCHON_TEST_SECRET_KEY
    extra: {{api_key: {EXTRA_SECRET}, fake_failure_rate: 1.0}}
nodes:
  - {{id: gen, type: generate, models: [keyed, broken], samples: 2}}
  - {{id: fuse, type: fuse, models: [keyed]}}
runtime: {{retry_base_s: 0.001, max_retries: 1}}
"""


def files_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def run_and_collect(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str) -> tuple[str, bytes]:
    monkeypatch.setenv("ARCHON_TEST_SECRET_KEY", ENV_SECRET)
    cache_dir = tmp_path / "cache"
    system = archon.System.from_text(system_text(extra), cache=cache_dir / "responses.sqlite")
    result = system.run("What is the secret?")
    assert result.answer and result.usage.total.failures == 2  # the broken alias failed, keyed worked
    system.client.close()  # write everything the cache holds
    saved = json.dumps(result.to_dict()) + json.dumps(result.trace) + "\n".join(result.errors)
    return saved, files_bytes(cache_dir)


def test_keys_from_env_and_extra_never_appear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved, cache_bytes = run_and_collect(
        tmp_path, monkeypatch, f"{{api_key: {EXTRA_SECRET}, custom_auth_token: {TOKEN_SECRET}}}"
    )
    assert cache_bytes  # the cache was written
    for secret in (ENV_SECRET, EXTRA_SECRET, TOKEN_SECRET):
        assert secret not in saved, secret
        assert secret.encode() not in cache_bytes, secret
    assert '"api_key": "***"' in saved and '"custom_auth_token": "***"' in saved


def test_keys_nested_in_headers_never_appear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved, cache_bytes = run_and_collect(
        tmp_path, monkeypatch, f"{{extra_headers: {{Authorization: 'Bearer {HEADER_SECRET}'}}}}"
    )
    assert HEADER_SECRET.encode() not in cache_bytes
    assert HEADER_SECRET not in saved


def test_redact_hides_secret_names_but_keeps_token_counts() -> None:
    params = {"api_key": "a", "Authorization": "b", "client_secret": "c", "password": "d",
              "max_tokens": 5, "max_completion_tokens": 6, "top_k": 3, "temperature": 0.1}
    assert redact(params) == {"api_key": "***", "Authorization": "***", "client_secret": "***", "password": "***",
                              "max_tokens": 5, "max_completion_tokens": 6, "top_k": 3, "temperature": 0.1}
