"""Run test snippets against a candidate solution, one sandboxed program per test."""

from __future__ import annotations

from collections.abc import Sequence

from archon.sandbox.default import get_sandbox
from archon.sandbox.result import ExecutionResult
from archon.sandbox.runner import Sandbox


async def run_tests(
    solution: str,
    tests: Sequence[str],
    *,
    timeout_s: float = 10,
    memory_mb: int = 512,
    sandbox: Sandbox | None = None,
) -> list[ExecutionResult]:
    """One result per test, in order. Each test (e.g. ``assert f(2) == 4``) runs in its
    own program after the solution, so a failing or hanging test cannot mask the others."""
    runner = sandbox or get_sandbox()
    programs = [f"{solution}\n\n{test}\n" for test in tests]
    return await runner.run_many(programs, timeout_s=timeout_s, memory_mb=memory_mb)
