"""``get_sandbox()``: the best sandbox this machine can give, chosen once per process."""

from __future__ import annotations

import threading

from archon.sandbox.bubblewrap import BubblewrapSandbox
from archon.sandbox.errors import SandboxError
from archon.sandbox.runner import Sandbox
from archon.sandbox.subprocess_rlimit import RlimitSandbox

_lock = threading.Lock()
_default: Sandbox | None = None


def get_sandbox() -> Sandbox:
    """bubblewrap when it is installed and actually works here (user namespaces can be
    disabled, e.g. in some containers), else the rlimit fallback, which warns once."""
    global _default
    with _lock:
        if _default is None:
            _default = _choose()
        return _default


def _choose() -> Sandbox:
    try:
        sandbox = BubblewrapSandbox()
        sandbox.check()
        return sandbox
    except SandboxError as exc:
        return RlimitSandbox(why=f"bubblewrap unusable: {exc}")
