"""archon: find the best LLM system for a task.

    import archon
    system = archon.load("configs/general.yaml")
    result = system.run("What is 17 * 23?")
    print(result.answer, result.usage.total)

Heavy dependencies (litellm, optuna) are imported only when first needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Before anything else in archon runs: litellm's environment, which must be set before litellm is
# first imported (every import of archon runs this file first).
from archon.models import litellm_env as _litellm_env  # noqa: F401

__version__ = "0.1.0"

if TYPE_CHECKING:
    from archon.runtime.executor import RunResult
    from archon.runtime.system import System

__all__ = ["RunResult", "System", "__version__", "load"]


def load(source: Any, **options: Any) -> System:
    """Load a system from a YAML/JSON file path, a dict or a SystemSpec (YAML text:
    ``archon.System.from_text``).

    Options (see ``System.from_file``): ``cache`` (True, False or a path), ``client``, ``sandbox``.
    """
    from archon.runtime.system import System

    return System.load(source, **options)


def __getattr__(name: str) -> Any:
    if name == "System":
        from archon.runtime.system import System

        return System
    if name == "RunResult":
        from archon.runtime.executor import RunResult

        return RunResult
    raise AttributeError(f"module 'archon' has no attribute {name!r}")
