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
from collections.abc import Iterator
from pathlib import Path

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
