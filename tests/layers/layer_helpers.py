"""Helpers shared by the technique tests: build and run a system on the fake provider, read its trace."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import archon
from archon.runtime.executor import RunResult
from archon.testing import FakeCall

# The ``fake_model`` fixture (tests/conftest.py): register a responder as ``fake/<name>``.
Register = Callable[[str, Callable[[FakeCall], Any]], str]


def run(yaml_text: str, query: str = "What is 6 * 7?") -> RunResult:
    result: RunResult = archon.System.from_text(yaml_text, cache=False).run(query)
    return result


def node(result: RunResult, node_id: str) -> dict[str, Any]:
    return next(entry for entry in result.trace if entry["node"] == node_id)


def numbered_texts(prompt: str) -> list[str]:
    """The candidate texts of a multi-candidate prompt ("[i] text" blocks)."""
    return [m.strip() for m in re.findall(r"^\[\d+\] (.*?)$", prompt, re.MULTILINE)]


def system(nodes: list[dict[str, Any]], models: dict[str, str], **extra: Any) -> archon.System:
    return archon.System.from_dict({"name": "t", "models": models, "nodes": nodes, **extra}, cache=False)


def calls_of(result: RunResult) -> int:
    return result.usage.total.calls
