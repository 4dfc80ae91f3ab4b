"""Every sandbox test runs against each backend this machine has: bubblewrap (skipped,
with the reason, where bwrap is missing or cannot create namespaces) and the rlimit
fallback."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from archon.sandbox import (
    BubblewrapSandbox,
    RlimitSandbox,
    Sandbox,
    SandboxError,
    SandboxIsolationWarning,
    subprocess_rlimit,
)


@functools.cache
def bubblewrap_problem() -> str | None:
    """Why the bubblewrap backend cannot be tested here, or None."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (apt-get install -y bubblewrap)"
    try:
        with BubblewrapSandbox(max_concurrency=1) as sandbox:
            sandbox.check()
    except SandboxError as exc:
        return f"bwrap cannot run here: {exc}"
    return None


def make_rlimit_sandbox(monkeypatch: pytest.MonkeyPatch, **options: Any) -> RlimitSandbox:
    """The fallback: in a network namespace where one can be made here, else with its warning
    (reset, since it warns once per process, so every test sees it)."""
    monkeypatch.setattr(subprocess_rlimit, "_warned", False)
    if options.get("isolate_network", subprocess_rlimit.network_namespace_works()):
        return RlimitSandbox(**options)
    with pytest.warns(SandboxIsolationWarning, match="network is NOT isolated"):
        return RlimitSandbox(**options)


def _make(backend: str, monkeypatch: pytest.MonkeyPatch, runs: Path) -> Sandbox:
    if backend == "bubblewrap":
        problem = bubblewrap_problem()
        if problem:
            pytest.skip(problem)
        return BubblewrapSandbox(max_concurrency=2, tmp_root=str(runs))
    return make_rlimit_sandbox(monkeypatch, max_concurrency=2, tmp_root=str(runs))


@pytest.fixture
def runs() -> Iterator[Path]:
    """Where a test sandbox makes its runs' directories. Not under tmp_path: pytest makes
    that private to the user (0700) and, as root, programs run under another uid."""
    path = Path(tempfile.mkdtemp(prefix="archon-test-runs-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path)


@pytest.fixture(params=["bubblewrap", "rlimit"])
def sandbox(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, runs: Path) -> Iterator[Sandbox]:
    """Each backend; its runs' directories go under `runs`, which must end empty."""
    with _make(request.param, monkeypatch, runs) as box:
        yield box
    assert list(runs.iterdir()) == [], "a run left its temporary directory behind"


@pytest.fixture
def bubblewrap(monkeypatch: pytest.MonkeyPatch, runs: Path) -> Iterator[Sandbox]:
    """The isolating backend only, for what the fallback does not promise."""
    with _make("bubblewrap", monkeypatch, runs) as box:
        yield box


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.fixture
def leftovers() -> Callable[[], list[str]]:
    """Processes descended from this test process, started during the test, that are not
    sandbox supervisors: a program's processes must all be gone once its run has returned.
    (Helpers that earlier tests started, e.g. multiprocessing's resource tracker, don't count.)"""

    def descendants() -> dict[int, str]:
        parents = _parents()
        found: dict[int, str] = {}
        frontier = [os.getpid()]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent:
                    frontier.append(pid)
                    found[pid] = _command(pid)
        return found

    before = set(descendants())

    def find() -> list[str]:
        return [f"{pid}: {command}" for pid, command in descendants().items()
                if pid not in before and "supervisor.py" not in command]

    return find
