"""Who runs the untrusted program, and with which Python interpreter."""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import sys
from pathlib import Path

# A range that distributions and systemd leave unassigned (systemd's container uids end
# at 0x6FFFFFFF; 0x7FFE0000 starts its "foreign" range). A uid drawn at random here owns
# no file and no process, so rlimits, file permissions and kill(-1) see only this run.
UID_LOW = 0x7000_0000
UID_HIGH = 0x7FFD_FFFF


def sandbox_uid() -> int | None:
    """A fresh private uid when running as root (root ignores RLIMIT_NPROC and can write
    anywhere), else None: an unprivileged user cannot switch uid and does not need to."""
    if os.geteuid() != 0:
        return None
    return UID_LOW + secrets.randbelow(UID_HIGH - UID_LOW + 1)


def world_usable(path: str, *, readable: bool = True) -> bool:
    """Whether a user that owns nothing and is in no group could reach `path`: every
    directory on the way needs o+x, and `path` itself o+x and (if `readable`) o+r."""
    resolved = Path(os.path.realpath(path))
    try:
        mode = resolved.stat().st_mode
        if not mode & stat.S_IXOTH or (readable and not mode & stat.S_IROTH):
            return False
        return all(parent.stat().st_mode & stat.S_IXOTH for parent in resolved.parents)
    except OSError:
        return False


def base_interpreter() -> str:
    """The Python running archon, outside any virtualenv: the program gets the standard
    library and nothing of archon's environment."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def find_interpreter(for_other_user: bool) -> str | None:
    """A Python the program can run. When it runs under another uid, the interpreter
    and its standard library must be readable by anyone (pyenv under /root is not)."""
    candidates = [base_interpreter()]
    if for_other_user:
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        candidates += [
            found for name in (version, "python3") if (found := shutil.which(name, path="/usr/local/bin:/usr/bin:/bin"))
        ]
    for candidate in candidates:
        if not for_other_user or (
            world_usable(candidate) and world_usable(str(Path(interpreter_prefix(candidate)) / "lib"))
        ):
            return os.path.realpath(candidate)
    return None


def interpreter_prefix(interpreter: str) -> str:
    """<prefix> of <prefix>/bin/pythonX.Y, where its standard library lives (<prefix>/lib)."""
    return str(Path(os.path.realpath(interpreter)).parent.parent)
