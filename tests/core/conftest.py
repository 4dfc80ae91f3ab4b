"""Helpers for the core tests: systems written as real files, fake models, quick runtimes."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archon.testing import FakeCall, register_fake_model, unregister_fake_model

# Retries in milliseconds, so failure tests stay fast.
FAST_RUNTIME = "runtime: {retry_base_s: 0.001, max_retries: 2}\n"


@pytest.fixture
def write_system(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML (dedented) to a file in tmp_path and return its path."""

    def write(text: str, name: str = "system.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def fake_model() -> Iterator[Callable[[str, Callable[[FakeCall], str]], str]]:
    """Register a responder as ``fake/<name>`` for one test; returns the model string."""
    names: list[str] = []

    def register(name: str, responder: Callable[[FakeCall], str]) -> str:
        register_fake_model(name, responder)
        names.append(name)
        return f"fake/{name}"

    yield register
    for name in names:
        unregister_fake_model(name)
