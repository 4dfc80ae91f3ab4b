"""archon's end of a long-lived supervisor process (supervisor.py): send a request, wait
for the report, with a deadline in case the supervisor itself hangs or dies."""

from __future__ import annotations

import marshal
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SUPERVISOR = str(Path(__file__).with_name("supervisor.py"))
HEADER_BYTES = 8


class ChannelError(Exception):
    """The supervisor died, hung or answered garbage; the channel is closed.
    ``signalled``: it ended by a signal (not a crash of its own), which a program running
    under the same uid can send it: the fallback backend when archon is not root."""

    def __init__(self, message: str, *, signalled: bool = False) -> None:
        super().__init__(message)
        self.signalled = signalled


class SupervisorChannel:
    """One supervisor process; not thread-safe: one caller at a time (one per worker thread)."""

    def __init__(self) -> None:
        # -I -S: no environment variables, no site-packages; the supervisor needs only the stdlib.
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-B", SUPERVISOR],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,  # unbuffered: select() on the pipe must see every byte not yet read
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        body = marshal.dumps(request)
        try:
            data = memoryview(len(body).to_bytes(HEADER_BYTES, "big") + body)
            while data:
                data = data[self.process.stdin.write(data) or 0 :]  # unbuffered: may be partial
            deadline = time.monotonic() + timeout_s
            size = int.from_bytes(self._read(HEADER_BYTES, deadline), "big")
            report: dict[str, Any] = marshal.loads(self._read(size, deadline))
        except (OSError, ValueError, EOFError, TypeError, ChannelError) as exc:
            died_alone = not self.alive
            detail = self.close()
            # Signalled: it died by a signal, or hung (e.g. SIGSTOP) and needed ours.
            signalled = (self.process.returncode or 0) < 0 or not died_alone
            raise ChannelError(f"{exc}{': ' + detail if detail else ''}", signalled=signalled) from exc
        return report

    def _read(self, size: int, deadline: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()  # read with os.read: one syscall, no hidden buffer
        data = b""
        while len(data) < size:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise ChannelError("the supervisor process did not answer in time")
            chunk = os.read(fd, size - len(data))
            if not chunk:
                raise ChannelError("the supervisor process exited")
            data += chunk
        return data

    def close(self) -> str:
        """Stop the supervisor and return what it wrote on stderr. SIGTERM makes an idle
        supervisor exit, and a busy one kill its program, answer, then exit."""
        if self.alive:
            self.process.terminate()
        try:
            _, stderr = self.process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        return (stderr or b"").decode(errors="replace").strip()[-500:]
