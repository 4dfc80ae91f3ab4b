"""The one path every model call takes: cache -> concurrency limits -> litellm -> retries.

- Responses are cached on disk keyed on the full request plus the sample index.
- Identical requests in flight at the same time share one provider call.
- A global and a per-model semaphore bound concurrency (per event loop).
- Timeouts, 429s and 5xx are retried with exponential backoff and jitter; other
  errors (bad request, auth, unknown model) fail at once. A final failure raises
  ``ModelCallError``; callers decide whether one lost sample matters.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import time
import weakref
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from archon.errors import ArchonError, ModelCallError, ReplayMiss
from archon.models import defaults
from archon.models.cache import ResponseCache
from archon.models.provider_table import provider_info, provider_of
from archon.models.providers import ensure_litellm
from archon.models.retry import RetryPolicy, is_retryable
from archon.models.types import Completion, ModelRequest


class ModelClient:
    def __init__(
        self,
        cache: ResponseCache | None = None,
        *,
        max_concurrency: int = defaults.MAX_CONCURRENCY,
        per_model_concurrency: int = defaults.PER_MODEL_CONCURRENCY,
        model_limits: Mapping[str, int] | None = None,
        timeout_s: float = defaults.TIMEOUT_S,
        retry: RetryPolicy | None = None,
        replay: bool = False,
    ) -> None:
        """``replay``: every call must be in ``cache`` (a recording); a miss raises ``ReplayMiss``
        instead of calling the provider, and a call the recorded run lost for good fails as it did."""
        self.cache = cache
        self.replay = replay
        self.max_concurrency = max_concurrency
        self.per_model_concurrency = per_model_concurrency
        self.model_limits = dict(model_limits or {})
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        #: provider_calls, cache_hits, shared_inflight, retries, failures
        self.counters: Counter[str] = Counter()
        self._limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopLimits] = (
            weakref.WeakKeyDictionary()
        )

    async def complete(self, request: ModelRequest, on_delta: Delta | None = None) -> Completion:
        """The completion of ``request``. With ``on_delta``, the provider streams and each piece of
        text is handed to it as it arrives (a cached or shared answer arrives as one piece)."""
        completion = await self._complete(request, on_delta)
        if on_delta is not None and completion.cached:
            on_delta(completion.text)
        return completion

    async def _complete(self, request: ModelRequest, on_delta: Delta | None) -> Completion:
        key = request.cache_key()
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            # A hit made without log-probabilities still serves a call that wants them: it is the
            # same answer, and calling again could give another text under the same key (a
            # technique falls back, e.g. a confidence vote to a plain one, and says so).
            self.counters["cache_hits"] += 1
            return hit
        if self.replay:
            if self.cache is not None and (failed := self.cache.failure(key)) is not None:
                raise failed  # the recorded run lost this call for good: so does its replay
            asked = next((m["content"] for m in reversed(request.messages) if m.get("role") != "assistant"), "")
            raise ReplayMiss("model call", f"{request.model}, sample {request.sample_index}, key {key[:12]}, "
                             f"prompt starting {' '.join(str(asked).split())[:70]!r}")
        limits = self._loop_limits()
        while (pending := limits.inflight.get(key)) is not None:
            # The same request is already on its way: wait for it rather than pay twice.
            self.counters["shared_inflight"] += 1
            try:
                completion = await asyncio.shield(pending)
            except asyncio.CancelledError:
                # The caller that owned the call was cancelled (e.g. its query failed
                # elsewhere); unless we were cancelled too, make the call ourselves.
                if pending.cancelled() and not _cancelling():
                    self.counters["shared_inflight"] -= 1
                    continue
                raise
            return dataclasses.replace(completion, cached=True)
        future: asyncio.Future[Completion] = asyncio.get_running_loop().create_future()
        limits.inflight[key] = future
        try:
            completion = await self._call_with_retries(request, limits, on_delta)
            if self.cache is not None:
                self.cache.put(key, completion)
            future.set_result(completion)
            return completion
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            if isinstance(exc, ModelCallError) and self.cache is not None:
                self.cache.put_failure(key, exc)  # for a replay of this run (see the cache's docstring)
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters (if any) get it; no "never retrieved" noise
            raise
        finally:
            del limits.inflight[key]

    async def _call_with_retries(self, request: ModelRequest, limits: _LoopLimits,
                                 on_delta: Delta | None = None) -> Completion:
        attempt = 0
        streamed = [False]

        def forward(text: str) -> None:
            streamed[0] = True
            assert on_delta is not None
            on_delta(text)

        while True:
            attempt += 1
            try:
                async with limits.total, limits.for_model(request.model, self._model_limit(request.model)):
                    return await self._call_once(request, forward if on_delta is not None else None)
            except ArchonError:
                self.counters["failures"] += 1
                raise
            except Exception as exc:
                # Text already streamed cannot be taken back: a stream that broke midway fails.
                if is_retryable(exc) and attempt <= self.retry.max_retries and not streamed[0]:
                    self.counters["retries"] += 1
                    await asyncio.sleep(self.retry.delay(attempt))
                    continue
                self.counters["failures"] += 1
                raise ModelCallError(request.model, _describe(exc), attempts=attempt) from exc

    async def _call_once(self, request: ModelRequest, on_delta: Delta | None = None) -> Completion:
        # What the provider table says of the model's provider (None: one of litellm's).
        ours = provider_info(request.model)
        if os.environ.get("ARCHON_OFFLINE") and not (ours is not None and ours.offline) \
                and not _loopback(request.params.get("api_base")):
            raise ModelCallError(request.model, "calls to remote providers are disabled (ARCHON_OFFLINE is set)")
        litellm = ensure_litellm()
        free = ours is not None and ours.free
        if free and request.model not in _priced_free:
            _price_as_free(litellm, request.model)
        params = dict(request.params)
        key_env = params.pop("api_key_env", None)
        if key_env:
            if key_env not in os.environ:
                raise ModelCallError(request.model, f"environment variable {key_env} (its API key) is not set")
            params["api_key"] = os.environ[key_env]
        if ours is not None and ours.seeded:
            params["seed"] = int(params.get("seed") or 0) + request.sample_index
        elif "seed" in params:
            params["seed"] = int(params["seed"]) + request.sample_index
        start = time.perf_counter()
        self.counters["provider_calls"] += 1
        # The expected shape of the reply rides along as litellm metadata (never sent to a provider):
        # archon's test double answers from it.
        metadata = {"archon_reply": {"kind": request.reply.kind, "count": request.reply.count}}
        if request.logprobs:
            params["logprobs"] = True
        if on_delta is None:
            call = litellm.acompletion(model=request.model, messages=list(request.messages), metadata=metadata,
                                       **params)
        else:
            call = _streamed(litellm.acompletion(model=request.model, messages=list(request.messages),
                                                 metadata=metadata, stream=True,
                                                 stream_options={"include_usage": True}, **params), on_delta)
        if _timeout is not None:
            # Unlike wait_for (before 3.12), no extra task per call.
            async with _timeout(self.timeout_s):
                response = await call
        else:  # Python 3.10
            response = await asyncio.wait_for(call, timeout=self.timeout_s)
        latency = time.perf_counter() - start
        usage = getattr(response, "usage", None)
        choice = response.choices[0]
        return Completion(
            text=choice.message.content or "",
            model=request.model,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost_usd=0.0 if free else _cost(litellm, response),
            latency_s=latency,
            finish_reason=_finish_reason(choice),
            logprobs=_token_logprobs(choice) if request.logprobs else None,
        )

    def _model_limit(self, model: str) -> int:
        return self.model_limits.get(model, self.per_model_concurrency)

    def _loop_limits(self) -> _LoopLimits:
        # asyncio primitives belong to one event loop; System.run() starts a new loop each time.
        loop = asyncio.get_running_loop()
        limits = self._limits.get(loop)
        if limits is None:
            limits = self._limits[loop] = _LoopLimits(self.max_concurrency)
        return limits

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


class _LoopLimits:
    def __init__(self, total: int) -> None:
        self.total = asyncio.Semaphore(total)
        self.per_model: dict[str, asyncio.Semaphore] = {}
        self.inflight: dict[str, asyncio.Future[Completion]] = {}

    def for_model(self, model: str, limit: int) -> asyncio.Semaphore:
        sem = self.per_model.get(model)
        if sem is None:
            sem = self.per_model[model] = asyncio.Semaphore(limit)
        return sem


_timeout = getattr(asyncio, "timeout", None)
#: Receives each piece of a streamed completion's text.
Delta = Callable[[str], None]


async def _streamed(started: Any, on_delta: Delta) -> Any:
    """Read a litellm stream to its end, handing each piece of text on; the whole response,
    as a non-streamed call returns it (litellm rebuilds it from the chunks)."""
    chunks = []
    async for chunk in await started:
        chunks.append(chunk)
        choices = getattr(chunk, "choices", None) or []
        delta = getattr(choices[0], "delta", None) if choices else None
        if delta is not None and getattr(delta, "content", None):
            on_delta(delta.content)
    from litellm import stream_chunk_builder

    return stream_chunk_builder(chunks)
_priced_free: set[str] = set()


def _price_as_free(litellm: Any, model: str) -> None:
    """Tell litellm that a model of ours costs nothing. Otherwise litellm searches its
    whole cost map for it on every call (about a millisecond each, as long as the rest
    of a fake call), and logs that it found no price."""
    entry = {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "cache_creation_input_token_cost": 0.0,
             "cache_read_input_token_cost": 0.0, "litellm_provider": provider_of(model), "mode": "chat"}
    with contextlib.suppress(Exception):  # only a speed-up: a litellm that rejects the entry still works
        litellm.register_model({model: entry})
    _priced_free.add(model)


def _loopback(api_base: Any) -> bool:
    """Whether an endpoint is on this machine (an archon server, say), which offline runs may call."""
    if not isinstance(api_base, str):
        return False
    from urllib.parse import urlparse

    return urlparse(api_base).hostname in ("127.0.0.1", "localhost", "::1")


def _cancelling() -> bool:
    """Whether the current task has been asked to cancel (always False before 3.11)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return bool(cancelling()) if cancelling is not None else False


def _cost(litellm: Any, response: Any) -> float:
    # litellm has already priced the response while building it; pricing it again
    # would cost as much as the rest of archon's work on the call.
    hidden = getattr(response, "_hidden_params", None) or {}
    if isinstance(hidden.get("response_cost"), (int, float)):
        return float(hidden["response_cost"])
    try:
        return float(litellm.completion_cost(completion_response=response) or 0.0)
    except Exception:  # models missing from litellm's cost map: cost unknown, counted as 0
        return 0.0


def _finish_reason(choice: Any) -> str | None:
    """litellm's finish reason, in OpenAI's words ("stop", "length"...); None when absent."""
    reason = getattr(choice, "finish_reason", None)
    return str(reason) if reason else None


def _token_logprobs(choice: Any) -> tuple[float, ...] | None:
    """Each completion token's log-probability from an OpenAI-shaped choice (``logprobs.content``),
    as litellm's objects or as plain dicts; None where the provider gave none."""
    logprobs = getattr(choice, "logprobs", None)
    if logprobs is None and isinstance(choice, Mapping):
        logprobs = choice.get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, Mapping) else getattr(logprobs, "content", None)
    if not content:
        return None
    values = [token.get("logprob") if isinstance(token, Mapping) else getattr(token, "logprob", None)
              for token in content]
    return tuple(float(v) for v in values if v is not None) or None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return f"{name}: {text}"[:300] if text else name
