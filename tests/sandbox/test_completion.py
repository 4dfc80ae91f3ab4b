"""A run can ask whether the program got to its end: the sandbox hands it a fresh secret on
stdin, and only a line with that secret counts (exit status 0 alone does not)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from archon.sandbox import Limits, Sandbox
from archon.sandbox.runner import COMPLETION_PREFIX
from archon.sandbox.store import CachedSandbox, ExecutionStore, execution_key

ECHO = f"import sys\nprint('before')\nprint({COMPLETION_PREFIX!r} + sys.stdin.readline().strip())\nprint('after')\n"


def run(sandbox: Sandbox, code: str, *, completion: bool = True) -> object:
    return asyncio.run(sandbox.run_python(code, timeout_s=10, completion=completion))


def test_a_program_that_echoes_its_secret_completed_and_the_line_is_taken_out(sandbox: Sandbox) -> None:
    result = run(sandbox, ECHO)
    assert result.completed is True and result.ok  # type: ignore[attr-defined]
    assert result.stdout.split() == ["before", "after"]  # type: ignore[attr-defined]


def test_each_run_gets_a_new_secret(sandbox: Sandbox) -> None:
    code = "import sys\nprint(sys.stdin.readline().strip())\n"
    first, second = (run(sandbox, code).stdout.strip() for _ in range(2))  # type: ignore[attr-defined]
    assert len(first) == 32 and first != second


def test_exit_status_0_without_the_line_is_not_ok(sandbox: Sandbox) -> None:
    for code in ("import sys\nsys.exit(0)\n", f"print({COMPLETION_PREFIX!r} + 'guessed')\n", "print('done')\n"):
        result = run(sandbox, code)
        assert result.returncode == 0  # type: ignore[attr-defined]
        assert result.completed is False and not result.ok  # type: ignore[attr-defined]
        assert "before its end" in result.reason  # type: ignore[attr-defined]


def test_a_run_that_does_not_ask_reads_an_empty_stdin_and_is_judged_by_status(sandbox: Sandbox) -> None:
    result = run(sandbox, "import sys\nassert sys.stdin.read() == ''\n", completion=False)
    assert result.ok and result.completed is None  # type: ignore[attr-defined]


def test_the_store_keeps_completion_runs_apart_and_old_keys_unchanged(sandbox: Sandbox, tmp_path: Path) -> None:
    limits = Limits(timeout_s=10)
    # Pinned: recordings made before completion checks existed must keep their keys.
    assert execution_key("print(1)", limits) == "00f0f3a48af36605fff9b53541c77ed727d396456f02152a8df0f07443197f15"
    assert execution_key("print(1)", limits, completion=True) != execution_key("print(1)", limits)
    cached = CachedSandbox(ExecutionStore(tmp_path / "runs.sqlite"), sandbox)
    plain = asyncio.run(cached.run_python(ECHO, timeout_s=10))
    checked = asyncio.run(cached.run_python(ECHO, timeout_s=10, completion=True))
    again = asyncio.run(cached.run_python(ECHO, timeout_s=10, completion=True))
    assert plain.completed is None and checked.completed is True and again == checked
    assert cached.counters == {"runs": 2, "hits": 1}
