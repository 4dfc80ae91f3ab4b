"""Fixtures for the local-model tests: a tiny fake catalog entry and litellm wired to LocalLLM."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archon.local import catalog
from archon.local.catalog import LocalModelInfo, PartFile, PinnedPackage


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty models directory: nothing is pulled there."""
    path = tmp_path / "models"
    monkeypatch.setenv("ARCHON_MODELS_DIR", str(path))
    return path


@pytest.fixture
def tiny_parts(tmp_path: Path) -> list[Path]:
    """Three small part files standing in for installed chunk packages."""
    parts = []
    for i, content in enumerate((b"GGUF" + b"a" * 1000, b"b" * 3000, b"c" * 17)):
        path = tmp_path / "site" / f"part{i}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        parts.append(path)
    return parts


@pytest.fixture
def tiny_model(tiny_parts: list[Path], monkeypatch: pytest.MonkeyPatch) -> LocalModelInfo:
    """A catalog entry, ``tiny-test``, whose GGUF is ``tiny_parts`` concatenated."""
    blob = b"".join(p.read_bytes() for p in tiny_parts)
    info = LocalModelInfo(
        name="tiny-test",
        description="test double",
        packages=tuple(PinnedPackage(f"archon-tiny-test-part{i}", "1.0") for i in range(len(tiny_parts))),
        parts=tuple(PartFile(f"archon-tiny-test-part{i}", p.name) for i, p in enumerate(tiny_parts)),
        sha256=hashlib.sha256(blob).hexdigest(),
        size_bytes=len(blob),
        chat_template=None,
        context_size=512,
        license="none",
    )
    monkeypatch.setitem(catalog.CATALOG, info.name, info)
    return info


@pytest.fixture(scope="session")
def litellm_local() -> Iterator[Any]:
    """litellm with ``local/`` served by LocalLLM (registered as archon's providers.py does)."""
    import litellm

    from archon.local.provider import LocalLLM

    saved = list(litellm.custom_provider_map or [])
    others = [h for h in saved if h.get("provider") != "local"]
    # Enough on its own: litellm re-reads custom_provider_map (custom_llm_setup) at every call.
    litellm.custom_provider_map = [*others, {"provider": "local", "custom_handler": LocalLLM()}]
    yield litellm
    litellm.custom_provider_map = saved
