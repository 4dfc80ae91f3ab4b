"""A deterministic fake model provider, for tests and benchmarks (never for real answers).

``fake/<name>`` is a litellm custom provider. Its answer is a pure function of the
prompt, the model name and the seed (the client sets seed = sample index), so tests
are reproducible and repeated samples differ. By default it recognises the output
format each technique's prompt asks for (a ranking, [Correct], [Passed]...) and
answers in it; ``register_fake_model`` installs any Python responder instead.

Per-call options (as model params, e.g. under a model alias's ``extra:``):
- ``fake_latency``: seconds to sleep before answering (simulates a provider).
- ``fake_failure_rate``: fraction of distinct requests that fail.
- ``fake_failure_mode``: "persistent" (that request always fails) or "transient"
  (it fails on its first attempt and succeeds when retried).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litellm import CustomLLM
from litellm.types.utils import ModelResponse, Usage


@dataclass(frozen=True)
class FakeCall:
    model: str  # the part after "fake/"
    prompt: str  # all message contents joined
    seed: int
    temperature: float


Responder = Callable[[FakeCall], str]
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
        return self._respond(model, messages, params, model_response)

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        model_response, params = _handler_args(args, kwargs)
        return self._respond(model, messages, params, model_response)

    def _respond(
        self, model: str, messages: list[Any], params: dict[str, Any], model_response: ModelResponse
    ) -> ModelResponse:
        name = model.split("/", 1)[1] if model.startswith("fake/") else model
        prompt = "\n".join(str(m.get("content", "")) for m in messages)
        call = FakeCall(name, prompt, int(params.get("seed") or 0), float(params.get("temperature") or 0.0))
        self._maybe_fail(call, params)
        responder = _responders.get(name, default_responder)
        text = responder(call)
        max_tokens = int(params.get("max_tokens") or 0)
        words = text.split(" ")
        cut = bool(max_tokens) and len(words) > max_tokens
        if cut:
            text = " ".join(words[:max_tokens])
        model_response.choices[0].message.content = text  # type: ignore[union-attr]
        model_response.choices[0].finish_reason = "length" if cut else "stop"
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


def count_tokens(text: str) -> int:
    """A stable stand-in for a tokenizer: about 4 characters a token."""
    return max(1, (len(text) + 3) // 4)


def unit_hash(*parts: Any) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


# -- the default responder: plausible, format-correct answers for each technique --------------

_NUMBERED = re.compile(r"^\[(\d+)\]", re.MULTILINE)


def default_responder(call: FakeCall) -> str:
    prompt = call.prompt
    n = len(set(_NUMBERED.findall(prompt)))
    rnd = unit_hash(call.model, call.prompt, call.seed)
    lowered = prompt.lower()
    if "[Correct]" in prompt and "[Incorrect]" in prompt:
        # verify asks for reasoning first (the verdict "comes later"), then for the verdict,
        # with that reasoning quoted in the prompt.
        if "reasoning about the response" not in lowered and "answer with exactly one of" not in lowered:
            return "The response addresses the question and its steps check out."
        return "[Correct]" if rnd < 0.8 else "[Incorrect]"
    if "[Passed]" in prompt and "[Failed]" in prompt:
        listed = re.search(r"unit tests:\s*\n(.*?)(?:\n\s*\n|\Z)", prompt, re.IGNORECASE | re.DOTALL)
        block = listed.group(1) if listed else prompt
        tests = max(1, len(re.findall(r"^\s*\d+\.", block, re.MULTILINE)))
        return "\n".join(
            f"{i}. {'[Passed]' if unit_hash(rnd, i) < 0.7 else '[Failed]'}" for i in range(1, tests + 1)
        )
    if "unit tests" in lowered and "numbered list" in lowered:
        wanted = re.search(r"write (\d+) unit tests", lowered)
        count = int(wanted.group(1)) if wanted else 5
        return "\n".join(f"{i}. The answer states result {i}." for i in range(1, count + 1))
    if n and "synthesize" in prompt.lower():  # fuse: keep the first candidate, as a cautious fuser would
        first = re.search(r"^\[1\] (.*?)(?=^\[2\]|^Critique of \[1\]|\Z)", prompt, re.MULTILINE | re.DOTALL)
        return first.group(1).strip() if first else f"Fused answer {int(rnd * 3) + 42}."
    if n and "rank the" in prompt.lower():
        order = sorted(range(1, n + 1), key=lambda i: unit_hash(call.model, call.prompt, call.seed, i))
        return " > ".join(f"[{i}]" for i in order)
    if n and "strengths" in prompt.lower():
        return "\n".join(
            f"[{i}] Strengths: clear and direct. Weaknesses: could justify step {i} more." for i in range(1, n + 1)
        )
    return f"The answer is {int(rnd * 3) + 42}."
