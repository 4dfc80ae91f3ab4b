"""The local engine's settings, read from the environment when an engine is created.

``ARCHON_LOCAL_SLOTS`` (parallel slots, default 8), ``ARCHON_LOCAL_CTX`` (tokens per slot,
default from the catalog), ``ARCHON_LOCAL_THREADS`` (default: the CPU cores this process may
use), ``ARCHON_LOCAL_LOG`` (llama.cpp log verbosity, default 0: silent; errors are raised),
``ARCHON_LOCAL_COALESCE`` (0 or off turns the sharing of prompts between samples off, see
``archon.local.coalescing``), ``ARCHON_LOCAL_TURN_S`` (seconds a model's turn admits new calls
while another model waits for the CPU, default 20; see ``archon.local.decode_gate``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from archon.errors import ArchonError
from archon.local.catalog import LocalModelInfo

# Aggregate decoding of qwen2.5-coder-0.5b here (perf/local_saturation.py, xllamacpp alone,
# 64-token answers): 1 slot 57, 4 slots 65, 8 slots 89, 16 slots 80 tok/s.
DEFAULT_SLOTS = 8
# How long a model's turn of the CPU admits new calls while another model waits (DecodeGate):
# a switch drains the turn's calls, whose tails leave slots idle, so turns should be long.
DEFAULT_TURN_S = 20


@dataclass(frozen=True)
class EngineConfig:
    slots: int
    context_size: int  # tokens per slot
    threads: int
    verbosity: int = 0
    coalesce: bool = True  # sample one prompt's concurrent calls as one n-completion request
    turn_s: float = DEFAULT_TURN_S  # how long a turn of this model admits new calls while another waits

    @classmethod
    def from_env(cls, info: LocalModelInfo) -> EngineConfig:
        return cls(
            slots=_env_int("ARCHON_LOCAL_SLOTS", DEFAULT_SLOTS, minimum=1),
            context_size=_env_int("ARCHON_LOCAL_CTX", info.context_size, minimum=256),
            threads=_env_int("ARCHON_LOCAL_THREADS", _usable_cores(), minimum=1),
            verbosity=_env_int("ARCHON_LOCAL_LOG", 0, minimum=0),
            coalesce=_env_flag("ARCHON_LOCAL_COALESCE", default=True),
            turn_s=_env_int("ARCHON_LOCAL_TURN_S", DEFAULT_TURN_S, minimum=0),
        )


def _env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ArchonError(f"{name} must be an integer >= {minimum}, but got {raw!r}")
    return value


_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in _FLAGS:
        raise ArchonError(f"{name} must be one of {', '.join(_FLAGS)}, but got {raw!r}")
    return _FLAGS[raw]


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
