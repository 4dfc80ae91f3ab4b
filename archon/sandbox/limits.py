"""The resource limits of one sandboxed run."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one program may use. Every field must be positive.

    ``timeout_s`` is wall-clock time; CPU time is capped just above it so a busy loop
    also dies by itself. ``processes`` counts threads too (that is what RLIMIT_NPROC
    counts), and includes the sandbox's own helper processes (bubblewrap uses two).
    """

    timeout_s: float = 10.0
    memory_mb: int = 512
    file_size_mb: int = 16
    open_files: int = 64
    processes: int = 32

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not value > 0:
                raise ValueError(f"`{f.name} > 0` must hold, but got {f.name}={value!r}")

    def rlimits(self) -> dict[str, int]:
        """setrlimit() values by `resource` constant name, soft == hard so they cannot be raised."""
        return {
            "RLIMIT_AS": self.memory_mb * MB,
            "RLIMIT_CPU": math.ceil(self.timeout_s) + 1,
            "RLIMIT_FSIZE": self.file_size_mb * MB,
            "RLIMIT_NOFILE": self.open_files,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_CORE": 0,
        }
