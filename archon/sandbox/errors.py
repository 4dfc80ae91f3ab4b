"""Failures of the sandbox itself, as opposed to failures of the program it runs."""

from __future__ import annotations

from dataclasses import dataclass

from archon.errors import ArchonError


@dataclass
class SandboxError(ArchonError):
    """The sandbox could not run a program at all (never raised for a program that fails)."""

    backend: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"sandbox ({self.backend}): {self.message}"
        return f"{text}. {self.hint}" if self.hint else text
