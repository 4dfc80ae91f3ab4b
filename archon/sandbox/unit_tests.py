"""Run test snippets against a candidate solution in the sandbox.

``run_test_suite`` runs all of a candidate's tests in one program, each under its own timer
and with a fresh copy of the solution's names, so a failing or hanging test cannot mask the
others; that is what selecting among many candidates needs (8 candidates x 6 tests is 8
sandbox starts instead of 48). It only ever runs code inside the sandbox.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Protocol

from archon.sandbox.result import ExecutionResult


class CodeRunner(Protocol):
    """What running generated code needs: a ``Sandbox`` or a ``CachedSandbox``."""

    async def run_python(
        self, code: str, *, timeout_s: float = 10, memory_mb: int = 512, completion: bool = False
    ) -> ExecutionResult: ...

    async def run_many(
        self, programs: Sequence[str], *, timeout_s: float = 10, memory_mb: int = 512
    ) -> list[ExecutionResult]: ...


def _default_runner() -> CodeRunner:
    from archon.sandbox.default import get_sandbox

    return get_sandbox()


# Runs after the solution, in the same program. Each test gets a fresh copy of the module's
# names and its own interval timer; any exception (SystemExit included) fails that test only.
_SUITE = '''

def __archon_suite(tests, per_test_s, marker):
    import json, signal

    def expire(*_args):
        raise TimeoutError("test timed out")

    signal.signal(signal.SIGALRM, expire)
    passed = []
    for test in tests:
        signal.setitimer(signal.ITIMER_REAL, per_test_s)
        try:
            exec(compile(test, "<test>", "exec"), dict(globals()))
            passed.append(True)
        except BaseException:
            passed.append(False)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    print("\\n" + marker + json.dumps(passed), flush=True)


__archon_suite({tests}, {per_test_s!r}, {marker!r})
'''


def suite_marker(solution: str, tests: Sequence[str]) -> str:
    """The prefix of the suite's report line. It is derived from the content (so the program,
    and its cache key, is the same every time); the solution, written before the marker
    existed, cannot print it by chance."""
    digest = hashlib.sha256(json.dumps([solution, list(tests)]).encode()).hexdigest()[:20]
    return f"ARCHON-RESULTS-{digest}:"


def suite_program(solution: str, tests: Sequence[str], per_test_s: float) -> str:
    """The one program that runs every test after ``solution``."""
    marker = suite_marker(solution, tests)
    return solution + _SUITE.format(tests=json.dumps(list(tests)), per_test_s=per_test_s, marker=marker)


def suite_verdicts(marker: str, result: ExecutionResult, n_tests: int) -> list[bool]:
    """Pass/fail per test from the suite's output; all failed if it never got to report."""
    for line in reversed(result.stdout.splitlines()):
        if line.startswith(marker):
            verdicts = json.loads(line[len(marker) :])
            if isinstance(verdicts, list) and len(verdicts) == n_tests:
                return [v is True for v in verdicts]
    return [False] * n_tests


async def run_test_suite(
    solution: str,
    tests: Sequence[str],
    *,
    per_test_s: float = 5,
    memory_mb: int = 512,
    sandbox: CodeRunner | None = None,
) -> list[bool]:
    """Pass/fail of each test against ``solution``, all run in one sandboxed program."""
    if not tests:
        return []
    runner = sandbox or _default_runner()
    program = suite_program(solution, tests, per_test_s)
    # Room for every test to use its timer, plus the solution's own start-up.
    result = await runner.run_python(program, timeout_s=per_test_s * len(tests) + 5, memory_mb=memory_mb)
    return suite_verdicts(suite_marker(solution, tests), result, len(tests))
