"""What a caller gets back: results, reasons, ordering, concurrency, backend choice."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import warnings

import pytest

from archon.sandbox import (
    BubblewrapSandbox,
    Limits,
    RlimitSandbox,
    Sandbox,
    SandboxError,
    SandboxIsolationWarning,
    default,
    get_sandbox,
    run_test_suite,
    runner,
    subprocess_rlimit,
)
from archon.sandbox.result import explain
from tests.sandbox.conftest import make_rlimit_sandbox


def test_a_program_runs_and_its_output_comes_back(sandbox: Sandbox) -> None:
    result = asyncio.run(sandbox.run_python("import sys\nprint('out')\nprint('err', file=sys.stderr)\n"))
    assert result.ok and result.passed
    assert (result.returncode, result.reason) == (0, "ok")
    assert (result.stdout, result.stderr) == ("out\n", "err\n")
    assert result.backend == sandbox.backend


@pytest.mark.parametrize(
    ("code", "returncode", "reason"),
    [
        ("assert 1 + 1 == 3\n", 1, "exit code 1: AssertionError (in: assert 1 + 1 == 3)"),
        ("raise ValueError('bad input')\n", 1, "exit code 1: ValueError: bad input"),
        ("import sys\nsys.exit(3)\n", 3, "exit code 3"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", -11, "killed by signal 11 (SIGSEGV)"),
        ("def f(:\n", 1, "exit code 1: SyntaxError: invalid syntax"),
    ],
    ids=["assert", "exception", "exit", "signal", "syntax"],
)
def test_failures_say_why(sandbox: Sandbox, code: str, returncode: int, reason: str) -> None:
    result = asyncio.run(sandbox.run_python(code))
    assert not result.ok
    assert result.returncode == returncode
    assert result.reason == reason


def test_the_host_environment_does_not_leak_in(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHON_TEST_SECRET", "hunter2")
    result = asyncio.run(sandbox.run_python("import os\nprint(os.environ.get('ARCHON_TEST_SECRET'))\n"))
    assert result.stdout == "None\n"


def test_run_test_suite_judges_each_test_on_its_own(sandbox: Sandbox) -> None:
    solution = "def double(x):\n    return 2 * x\n"
    tests = ["assert double(2) == 4", "assert double(2) == 5", "while True: pass", "assert double(3) == 6"]
    verdicts = asyncio.run(run_test_suite(solution, tests, per_test_s=1, sandbox=sandbox))
    assert verdicts == [True, False, False, True]  # a failing or hanging test masks no other


def test_run_many_keeps_order_and_bounds_concurrency(sandbox: Sandbox) -> None:
    programs = [f"import time\ntime.sleep(0.4)\nprint({i})\n" for i in range(4)]
    started = time.monotonic()
    results = asyncio.run(sandbox.run_many(programs))
    elapsed = time.monotonic() - started
    assert [r.stdout for r in results] == ["0\n", "1\n", "2\n", "3\n"]
    assert sandbox.max_concurrency == 2
    assert elapsed >= 0.8  # two waves of two, never four at once


def test_a_sandbox_serves_several_event_loops(sandbox: Sandbox) -> None:
    for _ in range(2):
        assert asyncio.run(sandbox.run_python("print(1)")).stdout == "1\n"


def test_get_sandbox_prefers_bubblewrap_and_is_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bwrap is not installed (apt-get install -y bubblewrap)")
    monkeypatch.setattr(default, "_default", None)
    chosen = get_sandbox()
    assert chosen.backend == "bubblewrap"
    assert get_sandbox() is chosen
    chosen.close()


def without_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *args, **kwargs: None if name == "bwrap" else which(name, *args, **kwargs)
    )


def test_get_sandbox_falls_back_without_a_warning_where_a_network_namespace_can_be_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(default, "_default", None)
    monkeypatch.setattr(subprocess_rlimit, "_warned", False)
    without_bwrap(monkeypatch)
    if not subprocess_rlimit.network_namespace_works():
        pytest.skip("this kernel lets no process here make a network namespace")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SandboxIsolationWarning)
        chosen = get_sandbox()
    assert isinstance(chosen, RlimitSandbox) and chosen.isolates_network
    chosen.close()


def test_without_a_network_namespace_the_fallback_warns_once_saying_what_is_exposed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(subprocess_rlimit, "_warned", False)
    monkeypatch.setattr(subprocess_rlimit, "network_namespace_works", lambda *a: False)
    monkeypatch.setattr(default, "_default", None)
    without_bwrap(monkeypatch)
    with pytest.warns(SandboxIsolationWarning) as warned:
        first = get_sandbox()
    message = str(warned[0].message)
    assert "network is NOT isolated" in message and "(/tmp, /dev/shm)" in message
    assert "bwrap is not installed" in message and "apt-get install -y bubblewrap" in message
    second = RlimitSandbox()  # filterwarnings = error: a second warning would raise here
    assert not first.isolates_network and not second.isolates_network
    first.close()
    second.close()


def test_missing_bwrap_is_a_sandbox_error(monkeypatch: pytest.MonkeyPatch) -> None:
    without_bwrap(monkeypatch)
    with pytest.raises(SandboxError, match="apt-get install -y bubblewrap"):
        BubblewrapSandbox()


def test_a_broken_backend_raises_instead_of_failing_the_program() -> None:
    with BubblewrapSandbox(bwrap="/nonexistent/bwrap") as broken, pytest.raises(SandboxError, match="could not start"):
        asyncio.run(broken.run_python("print(1)"))


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"`timeout_s > 0` must hold, but got timeout_s=0"):
        Limits(timeout_s=0)
    with pytest.raises(ValueError, match="max_concurrency"):
        BubblewrapSandbox(bwrap="/usr/bin/true", max_concurrency=0)


def test_explain_reads_python_3_11_tracebacks() -> None:
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "/sandbox/main.py", line 3, in <module>\n'
        "    assert f(2) == 4\n"
        "           ^^^^^^^^^\n"
        "AssertionError\n"
    )
    assert explain(1, stderr, timed_out=False, limits=Limits()) == "exit code 1: AssertionError (in: assert f(2) == 4)"
    assert explain(-9, "", timed_out=True, limits=Limits(timeout_s=2.5)) == "timeout after 2.5s"
    assert explain(-24, "", timed_out=False, limits=Limits()) == "cpu time limit"


def test_explain_finds_the_exception_in_interleaved_tracebacks() -> None:
    # Forked children share stderr: the last line may be another process's source line.
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "/sandbox/main.py", line 3, in <module>\n'
        "Traceback (most recent call last):\n"
        "BlockingIOError: [Errno 11] Resource temporarily unavailable\n"
        '  File "/sandbox/main.py", line 3, in <module>\n'
        "    os.fork()\n"
    )
    reason = explain(1, stderr, timed_out=False, limits=Limits())
    assert reason == "exit code 1: BlockingIOError: [Errno 11] Resource temporarily unavailable"
    assert explain(1, "plain message\n", timed_out=False, limits=Limits()) == "exit code 1: plain message"


@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGSTOP"])
def test_a_program_attacking_its_supervisor_only_fails_itself(sandbox: Sandbox, signal_name: str) -> None:
    code = f"import os, signal\nos.kill(os.getppid(), signal.{signal_name})\nprint('alive')\n"
    result = asyncio.run(sandbox.run_python(code, timeout_s=1))
    if sandbox.backend == "bubblewrap":
        assert result.ok  # its parent is bubblewrap's init, which ignores signals from inside
    elif sandbox.drops_privileges:
        assert "PermissionError" in result.reason  # the supervisor runs under another uid
    else:
        assert result.reason.startswith("sandbox supervisor killed or stopped")
    assert asyncio.run(sandbox.run_python("print('next')")).stdout == "next\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="simulates, as root, the fallback run by a normal user")
@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGSTOP"])
def test_fallback_under_one_uid_survives_a_program_killing_its_supervisor(
    monkeypatch: pytest.MonkeyPatch, signal_name: str
) -> None:
    monkeypatch.setattr(runner, "SUPERVISOR_GRACE_S", 1.0)  # a stopped supervisor is given up sooner
    box = make_rlimit_sandbox(monkeypatch, max_concurrency=1)
    with box:
        box.drops_privileges = False  # program and supervisor now share a uid, as for a normal user
        code = f"import os, signal\nos.kill(os.getppid(), signal.{signal_name})\nprint('alive')\n"
        result = asyncio.run(box.run_python(code, timeout_s=1))
        assert not result.ok
        assert result.reason.startswith("sandbox supervisor killed or stopped")
        assert asyncio.run(box.run_python("print('next')")).stdout == "next\n"
