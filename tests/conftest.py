"""Fixtures shared by every test.

No test may touch the user's ~/.cache or reach a real provider: ARCHON_HOME points at
a temporary directory for the whole session and ARCHON_OFFLINE is set before archon is
imported, so only the ``fake/`` and ``local/`` providers can be called. The response
caches a process keeps open are closed around each test, so no test sees another's
cached answers.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Set before anything imports archon or litellm (collection imports test modules).
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="archon-test-home-"))
# Model weights stay where `archon models pull` put them (~/.cache/archon/models): tests
# isolate caches and state, not the 100 MB-1 GB GGUF files.
os.environ.setdefault(
    "ARCHON_MODELS_DIR",
    str(Path(os.environ.get("ARCHON_HOME") or Path.home() / ".cache" / "archon") / "models"),
)
os.environ["ARCHON_HOME"] = str(_SESSION_HOME)
os.environ["ARCHON_OFFLINE"] = "1"
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


@pytest.fixture(scope="session")
def archon_home() -> Path:
    return _SESSION_HOME


@pytest.fixture(autouse=True)
def _isolated_clients(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test gets its own ARCHON_HOME (so its own default cache) and fresh shared state."""
    from archon.runtime.clients import forget_open_caches

    monkeypatch.setenv("ARCHON_HOME", str(tmp_path / "archon-home"))
    monkeypatch.setenv("ARCHON_OFFLINE", "1")
    forget_open_caches()
    yield
    forget_open_caches()


@pytest.fixture(scope="session", autouse=True)
def _litellm_models_built() -> None:
    """litellm builds some pydantic models lazily, during the first completion, and pydantic
    warns about their ``ReadOnly`` TypedDict items. With warnings as errors, that first call
    would fail inside litellm (and be retried as a connection error), so build them once
    here with that one warning silenced."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*`ReadOnly` qualifier", category=UserWarning)
        from archon.models.providers import ensure_litellm

        litellm = ensure_litellm()
        litellm.completion(model="fake/warm-up", messages=[{"role": "user", "content": "hi"}], seed=0)


@pytest.fixture
def write_system(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML (dedented) to a file in tmp_path and return its path."""

    def write(text: str, name: str = "system.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def fake_model() -> Iterator[Callable[[str, Callable[[Any], str]], str]]:
    """Register a responder as ``fake/<name>`` for one test; returns the model string."""
    from archon.testing import register_fake_model, unregister_fake_model

    names: list[str] = []

    def register(name: str, responder: Callable[[Any], str]) -> str:
        register_fake_model(name, responder)
        names.append(name)
        return f"fake/{name}"

    yield register
    for name in names:
        unregister_fake_model(name)


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Techniques, stages, roles, wrappers and presets a test registers are gone after it (the
    schemas cached on the registry's version come back with it)."""
    from archon.layers import registry

    for name in ("_TECHNIQUES", "_ROLES", "_STAGES", "_WRAPPERS", "_PRESETS"):
        monkeypatch.setattr(registry, name, dict(getattr(registry, name)))
    monkeypatch.setattr(registry, "_version", registry._version)
