"""``Sandbox``: the API every backend shares.

A run: write the program into a fresh temporary directory, ask the backend how to
launch it (``launch``), hand that to a supervisor process (supervisor.py) which
enforces limits and timeout and kills everything the program started, then remove the
directory. Backends differ only in ``launch``.

A run may ask whether the program ran to its end (``completion=True``): a program can
exit with status 0 before its last line (``sys.exit(0)``, ``os._exit(0)``, ``unittest.main()``
with no tests), and status 0 alone would then count as a pass. The sandbox writes a fresh
random secret on the program's stdin; a program that gets to its end prints
``COMPLETION_PREFIX + secret`` as a line, and the result's ``completed`` says whether that line
came back (it is removed from ``stdout``). The secret is made per run and is not in the
program's text, so neither the program's author nor its text can print it in advance.

Runs happen on ``max_concurrency`` worker threads, each owning one long-lived
supervisor, so the bound holds across event loops and a run costs no extra Python
start-up. The async methods wait on those threads. A cancelled run is not interrupted:
it ends by itself within its timeout, and its directory is still removed.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import os
import secrets
import shutil
import stat
import tempfile
import threading
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from archon.sandbox.channel import ChannelError, SupervisorChannel
from archon.sandbox.errors import SandboxError
from archon.sandbox.identity import find_interpreter, sandbox_uid, world_usable
from archon.sandbox.limits import Limits
from archon.sandbox.result import ExecutionResult

# The supervisor enforces the timeout itself; this only catches a supervisor that hangs.
SUPERVISOR_GRACE_S = 15.0
PROGRAM_NAME = "main.py"
#: A program run with ``completion=True`` prints this, then the secret it read on stdin, as a line.
COMPLETION_PREFIX = "ARCHON-COMPLETED "


@dataclass(frozen=True)
class Launch:
    """How to start the program: ``argv[0]`` is an absolute path (no PATH lookup).
    ``unshare_network``: the supervisor puts the program in a network namespace of its own."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    unshare_network: bool = False


class ProgramRunner(abc.ABC):
    """Runs a Python program under ``Limits``: what ``Sandbox`` and ``CachedSandbox`` share."""

    @abc.abstractmethod
    async def run(self, code: str, limits: Limits, *, completion: bool = False) -> ExecutionResult: ...

    async def run_python(
        self, code: str, *, timeout_s: float = 10, memory_mb: int = 512, completion: bool = False
    ) -> ExecutionResult:
        """Run `code` as a script; its stdout/stderr tails, exit status and reason come back.
        With ``completion`` the result also says whether the program ran to its end (see above)."""
        return await self.run(code, Limits(timeout_s=timeout_s, memory_mb=memory_mb), completion=completion)

    async def run_many(
        self, programs: Sequence[str], *, timeout_s: float = 10, memory_mb: int = 512
    ) -> list[ExecutionResult]:
        """Run many programs (at most the runner's concurrency at once); results in the same order."""
        limits = Limits(timeout_s=timeout_s, memory_mb=memory_mb)
        return list(await asyncio.gather(*(self.run(code, limits) for code in programs)))


class Sandbox(ProgramRunner):
    """Runs untrusted Python programs, each with a timeout and resource limits, at most
    ``max_concurrency`` at a time, and never raises because a program failed: the
    ``ExecutionResult`` says how. ``SandboxError`` means the sandbox itself is broken.

    Subclasses implement ``launch``: given the run's directory (holding ``main.py``,
    readable by the run's uid) return the command, environment and working directory.
    ``close()`` (or ``with``) stops the supervisors; otherwise they stop at exit.
    """

    backend: ClassVar[str]

    def __init__(
        self,
        *,
        max_concurrency: int | None = None,
        output_limit: int = 8192,
        tmp_root: str | None = None,
    ) -> None:
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError(f"`max_concurrency >= 1` must hold, but got max_concurrency={max_concurrency}")
        self.max_concurrency = max_concurrency or os.cpu_count() or 1
        self.output_limit = output_limit
        self.tmp_root = tmp_root
        # Each run switches to a private uid when archon runs as root (see identity.py).
        self.drops_privileges = os.geteuid() == 0
        if tmp_root is not None and self.drops_privileges and not world_usable(tmp_root, readable=False):
            raise ValueError(
                f"programs run under a private uid, which must reach tmp_root: every directory on the way "
                f"needs o+x, but got tmp_root={tmp_root!r}"
            )
        python = find_interpreter(for_other_user=self.drops_privileges)
        if python is None:
            raise SandboxError(
                self.backend,
                "no Python interpreter is readable by an unprivileged user",
                hint="install python3 under /usr (apt-get install -y python3) or run archon as a normal user",
            )
        self.python = python
        self._executor: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._channels: list[SupervisorChannel] = []
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _close_channels, self._channels)

    @abc.abstractmethod
    def launch(self, workdir: Path, limits: Limits) -> Launch: ...

    def returncode(self, reported: int) -> int:
        """The program's exit status from the launched command's (they differ when the
        command is a wrapper); negative when a signal killed the program."""
        return reported

    async def run(self, code: str, limits: Limits, *, completion: bool = False) -> ExecutionResult:
        future = self._pool().submit(self.run_sync, code, limits, completion=completion)
        return await asyncio.wrap_future(future)

    def run_sync(self, code: str, limits: Limits, *, completion: bool = False) -> ExecutionResult:
        """The blocking form of ``run`` (it does not take a concurrency slot)."""
        secret = secrets.token_hex(16) if completion else None
        with self._prepared(code, limits) as request:
            request["stdin"] = f"{secret}\n" if secret else ""
            channel = self._channel()
            try:
                report = channel.call(request, limits.timeout_s + SUPERVISOR_GRACE_S)
            except ChannelError as exc:
                if not exc.signalled:
                    raise SandboxError(self.backend, f"the supervisor process failed: {exc}") from exc
                # Most likely the program stopped or killed its supervisor: its failure.
                return ExecutionResult.failure(f"sandbox supervisor killed or stopped ({exc})", self.backend)
        if "error" in report:
            raise SandboxError(self.backend, str(report["error"]))
        report["returncode"] = self.returncode(report["returncode"])
        if secret is not None:
            report["stdout"], report["completed"] = _take_completion(report["stdout"], secret)
        return ExecutionResult.from_report(report, limits, self.backend)

    def check(self) -> None:
        """Run a trivial program; raise SandboxError if it does not work here."""
        # On a worker thread, so the supervisor it starts is one that later runs reuse.
        result = self._pool().submit(self.run_sync, "print(6 * 7)", Limits(timeout_s=10)).result()
        if result.stdout.strip() != "42":
            raise SandboxError(self.backend, f"a trivial program failed: {result.reason}: {result.stderr[-500:]}")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        _close_channels(self._channels)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="archon-sandbox")
            return self._executor

    def _channel(self) -> SupervisorChannel:
        """This thread's supervisor, started on first use and again after it failed."""
        channel: SupervisorChannel | None = getattr(self._local, "channel", None)
        if channel is None or not channel.alive:
            channel = SupervisorChannel()
            self._local.channel = channel
            with self._lock:
                self._channels[:] = [c for c in self._channels if c.alive] + [channel]
        return channel

    @contextlib.contextmanager
    def _prepared(self, code: str, limits: Limits) -> Iterator[dict[str, Any]]:
        """A fresh directory with the program, readable by the run's uid; removed afterwards."""
        uid = sandbox_uid() if self.drops_privileges else None
        workdir = Path(tempfile.mkdtemp(prefix="archon-sandbox-", dir=self.tmp_root))
        try:
            program = workdir / PROGRAM_NAME
            program.write_text(code, encoding="utf-8")
            program.chmod(0o644)  # whatever the umask: the run's uid must read it
            if uid is not None:
                os.chown(workdir, uid, uid)
            launch = self.launch(workdir, limits)
            yield {
                "argv": launch.argv,
                "env": launch.env,
                "cwd": launch.cwd,
                "unshare_network": launch.unshare_network,
                "uid": uid,
                "timeout_s": limits.timeout_s,
                "rlimits": limits.rlimits(),
                "output_limit": self.output_limit,
            }
        finally:
            _remove_tree(workdir)


def _take_completion(stdout: str, secret: str) -> tuple[str, bool]:
    """``stdout`` without its completion lines, and whether one carried this run's secret."""
    kept, completed = [], False
    for line in stdout.splitlines(keepends=True):
        if line.startswith(COMPLETION_PREFIX):
            completed = completed or line[len(COMPLETION_PREFIX) :].strip() == secret
        else:
            kept.append(line)
    return "".join(kept), completed


def _close_channels(channels: list[SupervisorChannel]) -> None:
    for channel in list(channels):
        channel.close()
    channels.clear()


def _remove_tree(path: Path) -> None:
    """rmtree that also gets through directories the program made unreadable (chmod 000)."""

    def make_writable(function: Any, name: str, excinfo: Any) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            os.chmod(name, stat.S_IRWXU)
        if os.path.isdir(name) and not os.path.islink(name):
            shutil.rmtree(name, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)

    shutil.rmtree(path, onerror=make_writable)
