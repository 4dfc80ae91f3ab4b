"""The fallback backend, where bubblewrap is missing: a subprocess under resource limits,
in a network namespace of its own when the kernel allows one.

It stops what rlimits and a private uid can stop: infinite loops (timeout, CPU limit),
memory bombs (address space), fork bombs (processes, counted per uid), huge files
(file size), core dumps. The network is cut by a namespace of its own (made as root, or
through an unprivileged user namespace), checked once per process; where no namespace can
be made, it warns, once, that the network is not isolated. Either way the program can read
what any user can read and write into world-writable directories (/tmp, /dev/shm), which
only bubblewrap hides.
"""

from __future__ import annotations

import functools
import subprocess
import sys
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
        f"{because}, and no network namespace could be made here: the network is NOT isolated (the "
        "program can connect to this machine's services and beyond), and world-writable directories "
        "(/tmp, /dev/shm) and world-readable files are reachable. Install bubblewrap for real isolation: "
        "apt-get install -y bubblewrap",
        SandboxIsolationWarning,
        stacklevel=3,
    )


_PROBE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
flags = 0x40000000 if os.geteuid() == 0 else 0x10000000 | 0x40000000
raise SystemExit(0 if libc.unshare(flags) == 0 else 1)
"""


@functools.cache
def network_namespace_works(python: str = sys.executable) -> bool:
    """Whether a process can get a network namespace of its own here (tried in a child)."""
    try:
        done = subprocess.run([python, "-I", "-S", "-c", _PROBE], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


class RlimitSandbox(Sandbox):
    backend = "rlimit"

    def __init__(self, *, why: str = "", isolate_network: bool | None = None, **options: Any) -> None:
        """`why` says why the isolating backend was not used; it goes into the warning.
        ``isolate_network``: None to use a network namespace where one can be made."""
        super().__init__(**options)
        self.isolates_network = network_namespace_works() if isolate_network is None else isolate_network
        if not self.isolates_network:
            warn_once(why)

    def launch(self, workdir: Path, limits: Limits) -> Launch:
        # The run's directory is its home and its temp dir, so well-behaved code writes there.
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir)}
        env["LANG"] = "C.UTF-8"
        # -I: ignore PYTHON* variables, user site-packages and the script's directory; -B: no .pyc.
        return Launch(argv=[self.python, "-I", "-B", PROGRAM_NAME], env=env, cwd=str(workdir),
                      unshare_network=self.isolates_network)
