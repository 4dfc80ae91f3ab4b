"""The isolating backend: bubblewrap (``bwrap``), unprivileged Linux namespaces.

Inside, the program sees a read-only /usr (and the interpreter's prefix), a fresh
/proc and /dev, a private size-capped tmpfs for /tmp and for its working directory
/sandbox (where its own main.py is bound read-only), no network (``--unshare-net``
leaves only a loopback nobody listens on), and nothing else of the host: not /home,
/root, /etc or the project. Writes land in the tmpfs and vanish with the run.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path
from typing import Any

from archon.sandbox.errors import SandboxError
from archon.sandbox.identity import interpreter_prefix
from archon.sandbox.limits import MB, Limits
from archon.sandbox.runner import PROGRAM_NAME, Launch, Sandbox

INSIDE = "/sandbox"
# Top-level directories that merged-/usr systems turn into symlinks into /usr.
LINKED_TOP_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


class BubblewrapSandbox(Sandbox):
    backend = "bubblewrap"

    def __init__(self, *, bwrap: str | None = None, **options: Any) -> None:
        found = bwrap or shutil.which("bwrap")
        if found is None:
            raise SandboxError(self.backend, "bwrap is not installed", hint="apt-get install -y bubblewrap")
        self.bwrap = found
        super().__init__(**options)

    def launch(self, workdir: Path, limits: Limits) -> Launch:
        # The tmpfs lives in memory that RLIMIT_AS does not count: cap each one.
        tmpfs_size = str(limits.file_size_mb * MB)
        argv = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
        argv += ["--ro-bind", "/usr", "/usr"]
        for top in LINKED_TOP_DIRS:
            if os.path.islink(top):
                argv += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                argv += ["--ro-bind", top, top]
        prefix = interpreter_prefix(self.python)
        if prefix != "/usr" and not prefix.startswith("/usr/"):
            argv += ["--ro-bind", prefix, prefix]
        argv += ["--proc", "/proc", "--dev", "/dev"]
        argv += ["--size", tmpfs_size, "--tmpfs", "/tmp", "--size", tmpfs_size, "--tmpfs", INSIDE]
        argv += ["--ro-bind", str(workdir / PROGRAM_NAME), f"{INSIDE}/{PROGRAM_NAME}", "--chdir", INSIDE]
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": INSIDE, "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
        argv += ["--clearenv"] + [arg for name, value in env.items() for arg in ("--setenv", name, value)]
        # -I: ignore PYTHON* variables and user site-packages; -B: write no .pyc.
        argv += [self.python, "-I", "-B", PROGRAM_NAME]
        return Launch(argv=argv, env={}, cwd=str(workdir))

    def returncode(self, reported: int) -> int:
        # bwrap's init (pid 1 of the sandbox) turns "killed by signal N" into exit code
        # 128 + N, as shells do. Mapped back; a program that exits with such a code
        # itself (rare in Python) is then reported as killed by that signal.
        if 128 < reported < 128 + signal.NSIG:
            return -(reported - 128)
        return reported
