"""One chat completion as llama.cpp sees it: the streamed request the engine sends, and the
chunks it gets back collected into ``Generation``s.

Each call streams (the callback gets one chunk per token) so that a call whose caller gave up
(asyncio cancellation, Ctrl-C, engine shut down) stops at the next token and frees its slot,
instead of running on to max_tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Sampling options passed through to llama.cpp (OpenAI names plus llama.cpp's own extras).
SAMPLING_KEYS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "max_tokens",
        "stop",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "repeat_penalty",
        "ignore_eos",  # generate exactly max_tokens (benchmarks)
        "logprobs",  # each completion token's log-probability, in the chunks
    }
)


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" or "length"
    logprobs: tuple[float, ...] | None = None  # per completion token, when the request asked


@dataclass
class _Choice:
    text: list[str] = field(default_factory=list)
    finish: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    done: bool = False
    logprobs: list[float] = field(default_factory=list)

    def generation(self) -> Generation:
        return Generation("".join(self.text), self.prompt_tokens, self.completion_tokens, self.finish,
                          tuple(self.logprobs) or None)


@dataclass
class Stream:
    """Collects a streamed chat completion of ``n`` choices; tells llama.cpp to stop when
    ``should_stop()``. Each choice ends with a chunk naming its finish reason, followed by
    a usage chunk (which carries no index) for that choice."""

    should_stop: Callable[[], bool]
    n: int = 1
    on_delta: Callable[[str], None] | None = None  # gets each piece of text as it is decoded
    choices: dict[int, _Choice] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    stopped: bool = False
    _last_finished: int = 0

    def on_chunk(self, chunk: dict[str, Any]) -> bool:
        """Called by llama.cpp for each chunk; returning True ends the call (and frees its slots)."""
        if "error" in chunk:
            self.error = chunk["error"] if isinstance(chunk["error"], dict) else {"message": chunk["error"]}
            return True
        for choice in chunk.get("choices") or ():
            index = int(choice.get("index") or 0)
            state = self.choices.setdefault(index, _Choice())
            content = (choice.get("delta") or {}).get("content")
            for token in (choice.get("logprobs") or {}).get("content") or ():
                state.logprobs.append(float(token["logprob"]))
            if content:
                state.text.append(content)
                if self.on_delta is not None:
                    self.on_delta(content)
            if choice.get("finish_reason"):
                state.finish = choice["finish_reason"]
                self._last_finished = index
        usage = chunk.get("usage")
        if usage:  # the last chunk of one choice: that generation is complete
            state = self.choices.setdefault(self._last_finished, _Choice())
            state.prompt_tokens = int(usage.get("prompt_tokens") or 0)
            state.completion_tokens = int(usage.get("completion_tokens") or 0)
            state.done = True
            if sum(c.done for c in self.choices.values()) >= self.n:
                return False
        if self.should_stop():
            self.stopped = True
            return True
        return False

    def generations(self) -> list[Generation]:
        return [self.choices.get(i, _Choice()).generation() for i in range(self.n)]


def chat_request(messages: Sequence[Mapping[str, Any]], sampling: Mapping[str, Any]) -> dict[str, Any]:
    """The streamed OpenAI chat request for llama.cpp; TypeError names sampling options it does not take."""
    unknown = set(sampling) - SAMPLING_KEYS
    if unknown:
        raise TypeError(f"unsupported sampling options: {sorted(unknown)}; supported: {sorted(SAMPLING_KEYS)}")
    request: dict[str, Any] = {k: v for k, v in sampling.items() if v is not None}
    if isinstance(request.get("stop"), str):
        request["stop"] = [request["stop"]]
    request["messages"] = [_plain_message(m) for m in messages]
    request["stream"] = True
    request["stream_options"] = {"include_usage": True}  # else the stream carries no token counts
    return request


def _plain_message(message: Any) -> dict[str, Any]:
    # litellm may hand over pydantic Message objects; the request is serialized to JSON.
    if hasattr(message, "model_dump"):
        dumped: dict[str, Any] = message.model_dump(exclude_none=True)
        return dumped
    return dict(message)


def describe_error(error: Mapping[str, Any]) -> str:
    """The message of an error chunk, with what to change when a call did not fit its slot."""
    message = str(error.get("message") or error)
    if error.get("type") == "exceed_context_size_error":
        message += " (tokens per slot; raise ARCHON_LOCAL_CTX or lower ARCHON_LOCAL_SLOTS)"
    return message
