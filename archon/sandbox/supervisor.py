"""The process that runs untrusted programs, one at a time, and cleans up after each.

Started by archon as a script (``python -I -S supervisor.py``, same interpreter) and
kept alive for many runs, so a run does not pay for a Python start-up of its own. It
reads requests on stdin and answers reports on stdout, each an 8-byte length then a
``marshal``-ed dict: marshal is builtin and both ends are the same interpreter; json
would cost this process more start-up than everything else it imports. It imports
nothing of archon.

Why a separate process rather than ``preexec_fn`` in archon's own process:
- It is a *child subreaper*: whatever the program forks, even a grandchild that called
  setsid() and was orphaned, is re-parented to this process, so every descendant can
  be found, killed and reaped with waitpid. Doing that in archon's process would steal
  exit statuses from asyncio's child watcher and every other subprocess user.
- It forks and changes credentials without touching archon's threads.

A run: fork; in the child start a new session, set the resource limits, drop to the
requested uid, exec. Meanwhile copy stdout and stderr through pipes keeping only their
tails, wait for the program or the deadline, then kill every remaining descendant and
reap them all before answering.
"""

from __future__ import annotations

import contextlib
import ctypes
import marshal
import os
import resource
import select
import signal
import time
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
# How long to keep reading the pipes once every writer is dead (they should be at EOF).
DRAIN_S = 2.0
HEADER_BYTES = 8


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl({option}) failed: {os.strerror(errno)}")


def _processes_of(uid: int) -> int:
    """How many processes (threads included, as RLIMIT_NPROC counts them) `uid` runs."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count


def _unshare_network() -> None:
    """Put this (child) process in a network namespace of its own: a loopback interface that
    is down, no route anywhere. Root may do that directly; anyone else through a user
    namespace of their own, where the kernel allows unprivileged ones."""
    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if libc.unshare(flags) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(network) failed: {os.strerror(errno)}")


def _start(request: dict[str, Any], stdout_w: int, stderr_w: int, error_w: int) -> int:
    """Fork the program. The child never returns: it execs or reports why it could not."""
    uid: int | None = request["uid"]
    rlimits: dict[str, int] = dict(request["rlimits"])
    if uid is None and "RLIMIT_NPROC" in rlimits:
        # Without a private uid the limit counts every process this user already runs.
        rlimits["RLIMIT_NPROC"] += _processes_of(os.getuid())
    # What the program reads on stdin (a secret it must echo to show it ran to its end; see
    # runner.py): small, so it fits the pipe's buffer and is written before the program starts.
    stdin_r, stdin_w = os.pipe()
    os.write(stdin_w, str(request.get("stdin") or "").encode())
    os.close(stdin_w)
    pid = os.fork()
    if pid:
        os.close(stdin_r)
        return pid
    try:
        os.setsid()
        os.dup2(stdin_r, 0)
        os.dup2(stdout_w, 1)
        os.dup2(stderr_w, 2)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if request.get("unshare_network"):
            _unshare_network()  # before the limits and the uid change, which it needs neither of
        for name, value in rlimits.items():
            resource.setrlimit(getattr(resource, name), (value, value))
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        # After setuid, which clears it: if this supervisor dies, the program dies too.
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.chdir(request["cwd"])
        os.execve(request["argv"][0], request["argv"], request["env"])
    except BaseException as exc:
        os.write(error_w, f"{type(exc).__name__}: {exc}".encode())
    finally:
        os._exit(127)


class _Tail:
    """The last `limit` bytes written to a pipe, and whether anything was dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.dropped = False
        self.closed = False

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > 2 * self.limit:  # trim in batches, not on every read
            del self.data[: len(self.data) - self.limit]
            self.dropped = True

    def text(self) -> str:
        data = self.data
        if len(data) > self.limit:
            data = data[len(data) - self.limit :]
            self.dropped = True
        return data.decode("utf-8", errors="replace")


def _children() -> list[int]:
    """Pids whose parent is this process (/proc/<pid>/task/*/children is not always built in)."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name (2nd field) may hold spaces and parentheses: split after it.
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == me:
            found.append(int(entry))
    return found


def _kill_everything_of(uid: int) -> None:
    """kill(-1) from a process running as `uid` reaches every process of that uid at once,
    however it detached itself; the uid is private to this run, so nothing else is hit."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _kill_descendants(pgid: int, uid: int | None) -> None:
    """Kill and reap every descendant. As a subreaper this process inherits each orphan,
    so when it has no children left, no descendant is left anywhere."""
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)
    if uid is not None:
        _kill_everything_of(uid)
    while True:
        # Re-listed after every exit: a killed process's children are re-parented to us.
        for pid in _children():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _has_children() -> bool:
    """Whether a child is still alive (zombies met on the way are reaped)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


class Supervisor:
    def __init__(self) -> None:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        # SIGCHLD and SIGTERM write to this pipe, which wakes poll() in run().
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.signal(signal.SIGTERM, self._on_term)
        self.running = False
        self.terminated = False

    def _on_term(self, signum: int, frame: object) -> None:
        if not self.running:
            raise SystemExit(0)  # idle: nothing to clean up
        self.terminated = True  # run() kills the program, answers, then the loop exits

    def serve(self) -> None:
        while not self.terminated:
            request = _receive()
            if request is None:
                return  # archon closed the pipe
            self.running = True
            try:
                report = self.run(request)
            except Exception as exc:  # answered, and archon raises SandboxError
                report = {"error": f"supervisor failed: {type(exc).__name__}: {exc}"}
            finally:
                self.running = False
            _send(report)

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        error_r, error_w = os.pipe()  # close-on-exec: EOF means exec succeeded
        started = time.monotonic()
        deadline = started + float(request["timeout_s"])
        pid = _start(request, stdout_w, stderr_w, error_w)
        for fd in (stdout_w, stderr_w, error_w):
            os.close(fd)
        with os.fdopen(error_r, "rb") as errors:
            exec_error = errors.read().decode(errors="replace")
        if exec_error:
            os.waitpid(pid, 0)
            os.close(stdout_r)
            os.close(stderr_r)
            return {"error": f"could not start {request['argv'][0]}: {exec_error}"}

        tails = {stdout_r: _Tail(request["output_limit"]), stderr_r: _Tail(request["output_limit"])}
        poller = select.poll()
        for fd in (*tails, self.wake_r):
            poller.register(fd, select.POLLIN)
        for fd in tails:
            os.set_blocking(fd, False)
        status: int | None = None
        timed_out = False
        while status is None and not self.terminated:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            for fd, _ in poller.poll(remaining * 1000):
                self._read(fd, tails, poller)
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = raw

        # The program is over (or out of time): nothing it started may outlive it.
        if status is None or _has_children():
            _kill_descendants(pid, request["uid"])
        if status is None:
            status = signal.SIGKILL  # what _kill_descendants did to it before reaping it
        drain_until = time.monotonic() + DRAIN_S
        while not all(tail.closed for tail in tails.values()) and time.monotonic() < drain_until:
            for fd, _ in poller.poll((drain_until - time.monotonic()) * 1000):
                self._read(fd, tails, poller)
        for fd, tail in tails.items():
            if not tail.closed:
                os.close(fd)
        return {
            "returncode": os.waitstatus_to_exitcode(status),
            "timed_out": timed_out,
            "duration_s": time.monotonic() - started,
            "stdout": tails[stdout_r].text(),
            "stderr": tails[stderr_r].text(),
            "truncated": tails[stdout_r].dropped or tails[stderr_r].dropped,
        }

    def _read(self, fd: int, tails: dict[int, _Tail], poller: select.poll) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if fd == self.wake_r:
            return  # only there to interrupt poll()
        if chunk:
            tails[fd].add(chunk)
        else:
            poller.unregister(fd)
            os.close(fd)
            tails[fd].closed = True


def _read_exactly(size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = os.read(0, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _receive() -> dict[str, Any] | None:
    header = _read_exactly(HEADER_BYTES)
    if header is None:
        return None
    body = _read_exactly(int.from_bytes(header, "big"))
    if body is None:
        return None
    request: dict[str, Any] = marshal.loads(body)
    return request


def _send(report: dict[str, Any]) -> None:
    body = marshal.dumps(report)
    data = len(body).to_bytes(HEADER_BYTES, "big") + body
    while data:
        data = data[os.write(1, data) :]


if __name__ == "__main__":
    Supervisor().serve()
