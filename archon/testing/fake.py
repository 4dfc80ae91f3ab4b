"""A deterministic fake model provider, for tests and benchmarks (never for real answers).

``fake/<name>`` is a litellm custom provider. Its answer is a pure function of the
prompt, the model name and the seed (the client sets seed = sample index), so tests
are reproducible and repeated samples differ. By default it answers in the shape the
calling technique declares for its call (``archon.models.types.Reply``: a ranking of n
candidates, a verdict, n test verdicts...), never from words it finds in the prompt, so
rewording a technique's prompt cannot change what tests see (pydantic-ai's TestModel
works from structure the same way); ``register_fake_model`` installs any Python
responder instead.

Per-call options (as model params, e.g. under a model alias's ``extra:``):
- ``fake_latency``: seconds to sleep before answering (simulates a provider).
- ``fake_failure_rate``: fraction of distinct requests that fail.
- ``fake_failure_mode``: "persistent" (that request always fails) or "transient"
  (it fails on its first attempt and succeeds when retried).

Asked for log-probabilities (``logprobs``), it gives one per word: a responder may return
``(text, logprob)`` to set them (a confident or an unsure model); otherwise they are drawn
from the same hash as the answer, in [-2, 0).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litellm import CustomLLM
from litellm.types.utils import ModelResponse, Usage

from archon.models.types import Reply


@dataclass(frozen=True)
class FakeCall:
    model: str  # the part after "fake/"
    prompt: str  # all message contents joined
    seed: int
    temperature: float
    reply: Reply = field(default_factory=Reply)  # the shape of answer the technique asked for


#: A responder's answer: the text, or the text and the log-probability of each of its words.
Responder = Callable[[FakeCall], "str | tuple[str, float]"]
_responders: dict[str, Responder] = {}


def register_fake_model(name: str, responder: Responder) -> None:
    """Make ``fake/<name>`` answer with ``responder(call)``."""
    _responders[name] = responder


def unregister_fake_model(name: str) -> None:
    _responders.pop(name, None)


class FakeProviderError(Exception):
    """An injected provider failure (status 503), which the client retries."""

    status_code = 503


class TransientFakeError(FakeProviderError):
    pass


class FakeLLM(CustomLLM):
    def __init__(self) -> None:
        super().__init__()
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()

    async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        model_response, params = _handler_args(args, kwargs)
        latency = float(params.get("fake_latency", 0) or 0)
        if latency:
            await asyncio.sleep(latency)
        return self._respond(model, messages, params, model_response, _reply(kwargs))

    async def astreaming(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """The same answer as acompletion, word by word (``fake_latency`` is spent before the first)."""
        model_response, params = _handler_args(args, kwargs)
        latency = float(params.get("fake_latency", 0) or 0)
        if latency:
            await asyncio.sleep(latency)
        response = self._respond(model, messages, params, model_response, _reply(kwargs))
        text = response.choices[0].message.content or ""  # type: ignore[union-attr]
        words = text.split(" ")
        for i, word in enumerate(words):
            yield {"text": word if i == 0 else " " + word, "tool_use": None, "is_finished": False,
                   "finish_reason": "", "usage": None, "index": 0}
            await asyncio.sleep(0)
        usage = response.usage  # type: ignore[attr-defined]
        yield {"text": "", "tool_use": None, "is_finished": True,
               "finish_reason": response.choices[0].finish_reason or "stop", "index": 0,
               "usage": {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                         "total_tokens": usage.total_tokens}}

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        model_response, params = _handler_args(args, kwargs)
        return self._respond(model, messages, params, model_response, _reply(kwargs))

    def _respond(
        self, model: str, messages: list[Any], params: dict[str, Any], model_response: ModelResponse, reply: Reply
    ) -> ModelResponse:
        name = model.split("/", 1)[1] if model.startswith("fake/") else model
        prompt = "\n".join(str(m.get("content", "")) for m in messages)
        call = FakeCall(name, prompt, int(params.get("seed") or 0), float(params.get("temperature") or 0.0), reply)
        self._maybe_fail(call, params)
        responder = _responders.get(name, default_responder)
        answer = responder(call)
        text, word_logprob = answer if isinstance(answer, tuple) else (answer, None)
        max_tokens = int(params.get("max_tokens") or 0)
        words = text.split(" ")
        cut = bool(max_tokens) and len(words) > max_tokens
        if cut:
            text = " ".join(words[:max_tokens])
        model_response.choices[0].message.content = text  # type: ignore[union-attr]
        model_response.choices[0].finish_reason = "length" if cut else "stop"
        if params.get("logprobs"):
            words = text.split(" ")
            values = [word_logprob if word_logprob is not None
                      else -2 * unit_hash(call.model, call.prompt, call.seed, i) for i in range(len(words))]
            model_response.choices[0].logprobs = {"content": [{"token": w, "logprob": v}  # type: ignore[union-attr]
                                                              for w, v in zip(words, values, strict=True)]}
        model_response.model = f"fake/{name}"
        prompt_tokens = count_tokens(prompt)
        completion_tokens = count_tokens(text)
        model_response.usage = Usage(  # type: ignore[attr-defined]
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        )
        return model_response

    def _maybe_fail(self, call: FakeCall, params: dict[str, Any]) -> None:
        rate = float(params.get("fake_failure_rate", 0) or 0)
        if not rate or unit_hash("fail", call.model, call.prompt, call.seed) >= rate:
            return
        if params.get("fake_failure_mode", "persistent") == "transient":
            key = f"{call.model}|{call.seed}|{call.prompt}"
            with self._lock:
                self._attempts[key] = self._attempts.get(key, 0) + 1
                if self._attempts[key] > 1:
                    return
            raise TransientFakeError("injected transient failure (503)")
        raise FakeProviderError("injected failure (503)")


def _handler_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[ModelResponse, dict[str, Any]]:
    """``model_response`` and ``optional_params`` from litellm's call of a custom handler
    (by keyword in practice; by position as in ``CustomLLM.acompletion``'s signature)."""
    model_response = kwargs["model_response"] if "model_response" in kwargs else args[2]
    params = kwargs["optional_params"] if "optional_params" in kwargs else args[7]
    return model_response, dict(params or {})


def _reply(kwargs: dict[str, Any]) -> Reply:
    """The Reply the client sent as litellm metadata (a plain answer when called directly)."""
    metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
    declared = metadata.get("archon_reply") or {}
    return Reply(str(declared.get("kind", "answer")), int(declared.get("count", 0)))


def count_tokens(text: str) -> int:
    """A stable stand-in for a tokenizer: about 4 characters a token."""
    return max(1, (len(text) + 3) // 4)


def unit_hash(*parts: Any) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


# -- the default responder: plausible answers in the shape each technique declared -----------------

_FIRST = re.compile(r"^\[1\] (.*?)(?=^\[2\]|^Critique of \[1\]|\Z)", re.MULTILINE | re.DOTALL)


def default_responder(call: FakeCall) -> str:
    rnd = unit_hash(call.model, call.prompt, call.seed)
    kind, n = call.reply.kind, max(1, call.reply.count)
    if kind == "reasoning":
        return "The response addresses the question and its steps check out."
    if kind == "verdict":
        return "[Correct]" if rnd < 0.8 else "[Incorrect]"
    if kind == "test_verdicts":
        return "\n".join(f"{i}. {'[Passed]' if unit_hash(rnd, i) < 0.7 else '[Failed]'}" for i in range(1, n + 1))
    if kind == "tests":
        return "\n".join(f"{i}. The answer states result {i}." for i in range(1, n + 1))
    if kind == "asserts":
        return "\n".join(f"{i}. assert {i} == {i}" for i in range(1, n + 1))
    if kind == "fused":  # keep the first candidate, as a cautious fuser would
        first = _FIRST.search(call.prompt)
        return first.group(1).strip() if first else f"Fused answer {int(rnd * 3) + 42}."
    if kind == "ranking":
        order = sorted(range(1, n + 1), key=lambda i: unit_hash(call.model, call.prompt, call.seed, i))
        return " > ".join(f"[{i}]" for i in order)
    if kind == "critiques":
        return "\n".join(f"[{i}] Strengths: clear and direct. Weaknesses: could justify step {i} more."
                         for i in range(1, n + 1))
    return f"The answer is {int(rnd * 3) + 42}."
