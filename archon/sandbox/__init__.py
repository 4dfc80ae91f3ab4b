"""A sandbox for untrusted generated Python (code benchmarks, executed unit tests).

    from archon.sandbox import get_sandbox
    result = await get_sandbox().run_python("print(1 + 1)", timeout_s=5)
    result.ok, result.stdout, result.reason

Backends: ``BubblewrapSandbox`` (namespaces: no network, host filesystem invisible) and
``RlimitSandbox`` (resource limits, and a network namespace of its own where the kernel allows one;
it warns, naming what is exposed, only where none can be made).
"""

from __future__ import annotations

from archon.sandbox.bubblewrap import BubblewrapSandbox
from archon.sandbox.default import get_sandbox
from archon.sandbox.errors import SandboxError
from archon.sandbox.extract import extract_python_code
from archon.sandbox.limits import Limits
from archon.sandbox.result import ExecutionResult
from archon.sandbox.runner import Sandbox
from archon.sandbox.subprocess_rlimit import RlimitSandbox, SandboxIsolationWarning
from archon.sandbox.unit_tests import run_test_suite

__all__ = [
    "BubblewrapSandbox",
    "ExecutionResult",
    "Limits",
    "RlimitSandbox",
    "Sandbox",
    "SandboxError",
    "SandboxIsolationWarning",
    "extract_python_code",
    "get_sandbox",
    "run_test_suite",
]
