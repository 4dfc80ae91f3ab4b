"""The code benchmarks' tests run in the best sandbox this machine has (as users get)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from archon.sandbox import (
    BubblewrapSandbox,
    RlimitSandbox,
    Sandbox,
    SandboxError,
)


@pytest.fixture(scope="module")
def code_sandbox() -> Iterator[Sandbox]:
    box: Sandbox
    try:
        if shutil.which("bwrap") is None:
            raise SandboxError("bubblewrap", "bwrap is not installed")
        box = BubblewrapSandbox()
        box.check()
    except SandboxError:
        box = RlimitSandbox()  # warns (ignored by the test settings) where the network stays open
    with box:
        yield box
