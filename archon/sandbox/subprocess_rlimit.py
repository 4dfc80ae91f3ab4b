"""The fallback backend: a plain subprocess under resource limits.

It stops what rlimits and a private uid can stop: infinite loops (timeout, CPU limit),
memory bombs (address space), fork bombs (processes, counted per uid), huge files
(file size), core dumps. It does NOT isolate the network, and the program can read
what any user can read and write into world-writable directories (/tmp, /dev/shm).
Hence a warning, once per process, whenever this backend is created.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from archon.sandbox.limits import Limits
from archon.sandbox.runner import PROGRAM_NAME, Launch, Sandbox


class SandboxIsolationWarning(UserWarning):
    """Generated code runs with weaker isolation than bubblewrap gives."""


_warned = False


def warn_once(why: str = "") -> None:
    global _warned
    if _warned:
        return
    _warned = True
    because = f" ({why})" if why else ""
    warnings.warn(
        "archon sandbox: running generated code in a plain subprocess with resource limits"
        f"{because}. The network is NOT isolated, and world-writable directories (/tmp, /dev/shm) "
        "are reachable. Install bubblewrap for real isolation: apt-get install -y bubblewrap",
        SandboxIsolationWarning,
        stacklevel=3,
    )


class RlimitSandbox(Sandbox):
    backend = "rlimit"

    def __init__(self, *, why: str = "", **options: Any) -> None:
        """`why` says why the isolating backend was not used; it goes into the warning."""
        super().__init__(**options)
        warn_once(why)

    def launch(self, workdir: Path, limits: Limits) -> Launch:
        # The run's directory is its home and its temp dir, so well-behaved code writes there.
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir)}
        env["LANG"] = "C.UTF-8"
        # -I: ignore PYTHON* variables, user site-packages and the script's directory; -B: no .pyc.
        return Launch(argv=[self.python, "-I", "-B", PROGRAM_NAME], env=env, cwd=str(workdir))
