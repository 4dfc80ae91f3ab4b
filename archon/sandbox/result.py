"""What came out of one sandboxed run, and a one-line reason when it failed."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any

from archon.sandbox.limits import Limits

# Signals the kernel sends when a resource limit is hit (see Limits.rlimits).
LIMIT_SIGNALS = {signal.SIGXCPU: "cpu time limit", signal.SIGXFSZ: "file size limit"}


@dataclass(frozen=True)
class ExecutionResult:
    """``returncode`` follows subprocess: negative when killed by a signal.
    ``stdout``/``stderr`` are tails (``truncated`` says whether anything was cut).
    ``reason`` is "ok" or why the run failed, e.g. "timeout after 10s", "memory limit
    (512 MB)", "killed by signal 9 (SIGKILL)", "exit code 1: AssertionError (in: assert f(2) == 4)".
    ``completed`` is None unless the run asked whether the program ran to its end (see
    runner.py); a program that exited with status 0 before its end is not ``ok``.
    """

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    reason: str
    duration_s: float
    backend: str
    truncated: bool = False
    completed: bool | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and self.completed is not False

    @property
    def passed(self) -> bool:
        """Alias of ``ok``: a test program passes when it runs to the end."""
        return self.ok

    @classmethod
    def from_report(cls, report: dict[str, Any], limits: Limits, backend: str) -> ExecutionResult:
        """Build from the supervisor's report (see supervisor.py)."""
        returncode = int(report["returncode"])
        stderr = str(report["stderr"])
        completed = report.get("completed")
        reason = explain(returncode, stderr, timed_out=bool(report["timed_out"]), limits=limits)
        if reason == "ok" and completed is False:
            reason = "exited with status 0 before its end (it never printed its completion line)"
        return cls(
            returncode=returncode,
            stdout=str(report["stdout"]),
            stderr=stderr,
            timed_out=bool(report["timed_out"]),
            reason=reason,
            duration_s=float(report["duration_s"]),
            backend=backend,
            truncated=bool(report["truncated"]),
            completed=None if completed is None else bool(completed),
        )

    @classmethod
    def failure(cls, reason: str, backend: str) -> ExecutionResult:
        """A run that ended without a report from the supervisor."""
        return cls(-signal.SIGKILL, "", "", timed_out=False, reason=reason, duration_s=0.0, backend=backend)


def explain(returncode: int, stderr: str, *, timed_out: bool, limits: Limits) -> str:
    if timed_out:
        return f"timeout after {limits.timeout_s:g}s"
    if returncode == 0:
        return "ok"
    if returncode < 0:
        signum = -returncode
        if signum in LIMIT_SIGNALS:
            return LIMIT_SIGNALS[signal.Signals(signum)]
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {signum} ({name})"
    error = last_error(stderr)
    if error.startswith("MemoryError"):
        return f"memory limit ({limits.memory_mb} MB)"
    return f"exit code {returncode}: {error}" if error else f"exit code {returncode}"


def last_error(stderr: str, max_chars: int = 300) -> str:
    """The exception line of a traceback, with the failing source line when the exception
    says nothing by itself (a bare ``assert`` gives just "AssertionError").

    The exception line is the last unindented line that is not a "Traceback" header: when
    forked children share stderr their tracebacks interleave, and the very last line may be
    another process's source line.
    """
    lines = [line for line in stderr.splitlines() if line.strip()]
    candidates = [i for i, line in enumerate(lines) if not line[0].isspace() and not line.startswith("Traceback")]
    if not candidates:
        return lines[-1].strip() if lines else ""
    at = candidates[-1]
    error = lines[at].strip()
    if ":" not in error and at >= 1 and lines[at - 1].startswith("    "):
        # Python 3.11 may add a line of ^^^^ markers under the failing source line.
        source = lines[at - 1] if set(lines[at - 1].strip()) - set("^~ ") else lines[at - 2] if at >= 2 else ""
        if source.startswith("    "):
            error += f" (in: {source.strip()})"
    return error if len(error) <= max_chars else error[: max_chars - 3] + "..."
