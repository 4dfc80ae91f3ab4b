"""What goes into and comes out of one model call."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, str]


@dataclass(frozen=True)
class Reply:
    """The shape of answer a call asks for, declared by the technique that makes it.

    A real model reads the prompt; archon's test double (``archon.testing``) answers from this
    instead, so rewording a prompt cannot change what the tests see. It travels to the provider
    as litellm metadata and is not part of the cache key (the prompt already says it).

    ``kind``: "answer" (free text answering the query), "critiques" (one per candidate,
    numbered), "ranking" (of ``count`` candidates), "fused" (one response from the numbered
    candidates), "reasoning" and "verdict" ([Correct]/[Incorrect]), "tests" (``count``
    statements), "asserts" (``count`` assert lines), "test_verdicts" ([Passed]/[Failed] each).
    """

    kind: str = "answer"
    count: int = 0


@dataclass(frozen=True)
class ModelRequest:
    """One call: a litellm model string, chat messages, sampling params.

    ``sample_index`` distinguishes repeated samples of the same prompt so that the
    cache keeps them apart (sample 3 at temperature 0.7 is its own response).
    """

    model: str
    messages: tuple[Message, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    sample_index: int = 0
    reply: Reply = field(default_factory=Reply)  # not in the cache key: see Reply
    #: Ask for the tokens' log-probabilities too. Not in the cache key: they describe the same
    #: answer, so a cached answer serves calls with and without them (see ModelClient).
    logprobs: bool = False

    def cache_key(self) -> str:
        """sha256 of the canonical JSON of everything that determines the response."""
        payload = {
            "model": self.model,
            "messages": list(self.messages),
            "params": {k: v for k, v in sorted(self.params.items()) if not is_secret_key(k)},
            "sample": self.sample_index,
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Completion:
    """The text of a response and what it cost."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    cached: bool = False
    #: "stop" (the answer ended by itself or at a stop sequence), "length" (cut at max_tokens),
    #: or None where the provider did not say (responses cached before this was recorded).
    finish_reason: str | None = None
    #: The log-probability of each completion token, when the call asked for them and the
    #: provider gave them (None otherwise, and for responses cached without them).
    logprobs: tuple[float, ...] | None = None

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"

    @property
    def mean_logprob(self) -> float | None:
        """The mean token log-probability (a confidence), or None without log-probabilities."""
        return sum(self.logprobs) / len(self.logprobs) if self.logprobs else None


SECRET_MARKERS = ("key", "token", "secret", "password", "authorization", "credential")


def is_secret_key(name: str) -> bool:
    """Parameter names whose values must never be cached, traced, logged or saved."""
    lowered = name.lower()
    if lowered == "max_tokens" or lowered.endswith("_tokens") or lowered == "top_k":
        return False
    return any(marker in lowered for marker in SECRET_MARKERS)


def redact(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with every secret-named value masked, at any depth (headers hide keys too)."""
    return {k: ("***" if is_secret_key(k) else _redact_value(v)) for k, v in params.items()}


def _redact_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return redact(value)
    if isinstance(value, (list, tuple)):
        return [_redact_value(v) for v in value]
    return value
