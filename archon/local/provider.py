"""``local/<name>`` as a litellm custom provider, so a local model is one more model string.

    litellm.custom_provider_map = [{"provider": "local", "custom_handler": LocalLLM()}]
    await litellm.acompletion(model="local/qwen2.5-coder-0.5b", messages=[...], max_tokens=64)

Constructing ``LocalLLM`` is cheap: a model loads on its first call, once per process
(see ``archon.local.engine``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import litellm
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse, Usage

from archon.errors import ArchonError, ModelCallError
from archon.local.engine import get_engine
from archon.local.streams import SAMPLING_KEYS, Generation


class LocalLLM(CustomLLM):
    def __init__(self) -> None:
        super().__init__()
        _let_archon_errors_through()

    async def acompletion(  # type: ignore[override]
        self,
        model: str,
        messages: list[Any],
        model_response: ModelResponse,
        optional_params: dict[str, Any],
        **kwargs: Any,
    ) -> ModelResponse:
        engine = get_engine(model)
        generation = await engine.generate(messages, **_sampling(engine.model, optional_params))
        return _fill(model_response, engine.model, generation)

    def completion(  # type: ignore[override]
        self,
        model: str,
        messages: list[Any],
        model_response: ModelResponse,
        optional_params: dict[str, Any],
        **kwargs: Any,
    ) -> ModelResponse:
        engine = get_engine(model)
        generation = engine.generate_blocking(messages, **_sampling(engine.model, optional_params))
        return _fill(model_response, engine.model, generation)

    def streaming(self, model: str, *args: Any, **kwargs: Any) -> Any:
        raise ModelCallError(f"local/{model}", "only async streaming is supported for local models (acompletion)")

    async def astreaming(  # type: ignore[override]
        self, model: str, messages: list[Any], *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        """The completion's text as llama.cpp decodes it; the last chunk carries the usage."""
        engine = get_engine(model)
        params = kwargs["optional_params"] if "optional_params" in kwargs else args[7]
        async for piece in engine.stream(messages, **_sampling(engine.model, dict(params or {}))):
            if isinstance(piece, str):
                yield _chunk(piece)
            else:
                usage = {"prompt_tokens": piece.prompt_tokens, "completion_tokens": piece.completion_tokens,
                         "total_tokens": piece.prompt_tokens + piece.completion_tokens}
                yield _chunk("", finish="length" if piece.finish_reason == "length" else "stop", usage=usage)


def _chunk(text: str, finish: str | None = None, usage: dict[str, int] | None = None) -> GenericStreamingChunk:
    return {"text": text, "tool_use": None, "is_finished": finish is not None, "finish_reason": finish or "",
            "usage": usage, "index": 0}  # type: ignore[typeddict-item]


def _sampling(model: str, optional_params: dict[str, Any]) -> dict[str, Any]:
    """The options llama.cpp understands; litellm also passes along whatever else the caller gave."""
    params = dict(optional_params)
    if params.get("n") not in (None, 1):
        raise ModelCallError(model, "local models return one choice per call: make n calls with distinct seeds")
    if params.get("max_tokens") is None and params.get("max_completion_tokens") is not None:
        params["max_tokens"] = params["max_completion_tokens"]
    return {key: value for key, value in params.items() if key in SAMPLING_KEYS}


def _fill(model_response: ModelResponse, model: str, generation: Generation) -> ModelResponse:
    choice = model_response.choices[0]
    choice.message.content = generation.text
    choice.finish_reason = "length" if generation.finish_reason == "length" else "stop"
    if generation.logprobs is not None:  # OpenAI's shape, which archon's client reads
        choice.logprobs = {"content": [{"logprob": value} for value in generation.logprobs]}
    usage = Usage(
        prompt_tokens=generation.prompt_tokens,
        completion_tokens=generation.completion_tokens,
        total_tokens=generation.prompt_tokens + generation.completion_tokens,
    )
    setattr(model_response, "usage", usage)  # noqa: B010 (not a declared field of ModelResponse)
    model_response.model = model
    return model_response


def _let_archon_errors_through() -> None:
    # litellm turns any exception a provider raises into an APIConnectionError whose message
    # embeds a traceback (and which callers retry), unless it is one of its own exception types.
    # Our errors (model not pulled, unknown local model, context too small) are final and already
    # say what to do, so they must reach the caller unchanged.
    if ArchonError not in litellm.LITELLM_EXCEPTION_TYPES:
        litellm.LITELLM_EXCEPTION_TYPES.append(ArchonError)
