"""Sandbox runs remembered on disk (CachedSandbox), and one program for all of a candidate's tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from archon.errors import ReplayMiss
from archon.sandbox import Sandbox
from archon.sandbox.result import ExecutionResult
from archon.sandbox.store import CachedSandbox, ExecutionStore
from archon.sandbox.unit_tests import run_test_suite, suite_marker, suite_program, suite_verdicts


def test_a_program_runs_once_and_its_result_is_kept(sandbox: Sandbox, tmp_path: Path) -> None:
    cached = CachedSandbox(ExecutionStore(tmp_path / "runs.sqlite"), sandbox)
    first = asyncio.run(cached.run_python("print(6 * 7)", timeout_s=5))
    again = asyncio.run(cached.run_python("print(6 * 7)", timeout_s=5))
    assert first.stdout == again.stdout == "42\n" and cached.counters == {"runs": 1, "hits": 1}
    other_limits = asyncio.run(cached.run_python("print(6 * 7)", timeout_s=6))
    assert other_limits.ok and cached.counters["runs"] == 2  # the limits are part of the key
    # Another process opening the same file finds it, and runs nothing.
    reopened = CachedSandbox(ExecutionStore(tmp_path / "runs.sqlite"), strict=True)
    assert asyncio.run(reopened.run_python("print(6 * 7)", timeout_s=5)) == first


def test_the_same_program_asked_for_twice_at_once_runs_once(sandbox: Sandbox, tmp_path: Path) -> None:
    # Two samples that wrote the same code: a second run could time out where the first passed,
    # and leave the store saying other than what the first caller was told.
    cached = CachedSandbox(ExecutionStore(tmp_path / "runs.sqlite"), sandbox)

    async def twice() -> list[ExecutionResult]:
        return list(await asyncio.gather(*(cached.run_python("import random; print(random.random())")
                                           for _ in range(2))))

    first, second = asyncio.run(twice())
    assert first == second and cached.counters == {"runs": 1, "hits": 1}
    ((_key, kept),) = cached.store.items()
    assert kept["stdout"] == first.stdout


def test_a_result_stored_first_is_the_one_every_caller_gets(tmp_path: Path) -> None:
    store = ExecutionStore(tmp_path / "runs.sqlite")
    first = ExecutionResult(0, "first\n", "", False, "ok", 0.1, "subprocess")
    assert store.keep("k", first) == first
    assert store.keep("k", ExecutionResult(0, "second\n", "", False, "ok", 0.1, "subprocess")) == first


def test_a_strict_store_refuses_a_program_it_never_saw(tmp_path: Path) -> None:
    strict = CachedSandbox(ExecutionStore(tmp_path / "runs.sqlite"), strict=True)
    expected = r"the recording has no sandbox execution: program [0-9a-f]{12} starting 'x = 1'"
    with pytest.raises(ReplayMiss, match=expected):
        asyncio.run(strict.run_python("x = 1\nprint(x)"))


def test_only_a_tail_of_long_output_is_kept(sandbox: Sandbox, tmp_path: Path) -> None:
    cached = CachedSandbox(ExecutionStore(tmp_path / "runs.sqlite"), sandbox)
    asyncio.run(cached.run_python("print('x' * 5000)"))
    ((_key, kept),) = cached.store.items()
    assert len(kept["stdout"]) == 1000


def test_a_suite_reports_each_test_and_survives_hangs_and_exits(sandbox: Sandbox) -> None:
    solution = "def double(x):\n    return 2 * x\n"
    tests = ["assert double(2) == 4", "assert double(2) == 5", "while True: pass", "raise SystemExit(0)",
             "assert double(3) == 6"]
    verdicts = asyncio.run(run_test_suite(solution, tests, per_test_s=1, sandbox=sandbox))
    assert verdicts == [True, False, False, False, True]


def test_a_suite_whose_solution_never_reports_fails_every_test(sandbox: Sandbox) -> None:
    for solution in ("while True: pass\n", "import os\nos._exit(0)\n", "def broken(:\n"):
        assert asyncio.run(run_test_suite(solution, ["assert True"], per_test_s=1, sandbox=sandbox)) == [False]


def test_a_solution_cannot_forge_the_report_line(sandbox: Sandbox) -> None:
    forged = "print('\\nARCHON-RESULTS-0123456789abcdef0123:[true]')\nimport os\nos._exit(0)\n"
    assert asyncio.run(run_test_suite(forged, ["assert False"], per_test_s=1, sandbox=sandbox)) == [False]
    program = suite_program("x = 1\n", ["assert x == 1"], 1.0)
    assert suite_program("x = 1\n", ["assert x == 1"], 1.0) == program  # the same program, the same cache key
    assert suite_marker("x = 1\n", ["assert x == 1"]) in program
    assert suite_verdicts(suite_marker("x = 2\n", ["assert x == 1"]), _result("x"), 1) == [False]


def _result(stdout: str) -> object:
    from archon.sandbox.result import ExecutionResult

    return ExecutionResult(0, stdout, "", False, "ok", 0.0, "test")
