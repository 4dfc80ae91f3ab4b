"""Embedded llama.cpp: one engine per model file per process, shared by every call.

xllamacpp's ``Server`` is llama.cpp's server running inside this process:
``handle_chat_completions(request, callback)`` takes an OpenAI chat request, runs it
in one of ``n_parallel`` slots and releases the GIL while it works, so calls made
from several threads at once are decoded together (continuous batching). The KV
cache (``n_ctx`` tokens) is split evenly between the slots: a call's prompt plus
completion must fit in ``n_ctx / n_parallel`` tokens.

Each call streams (the callback gets one chunk per token) so that a call whose
caller gave up (asyncio cancellation, Ctrl-C, engine shut down) stops at the next
token and frees its slot, instead of running on to max_tokens.

Repeated samples of one prompt share its processing: calls that arrive together (within
``COALESCE_WINDOW_S``) and differ only in consecutive seeds become one llama.cpp request
with ``n`` completions, whose prompt is evaluated once and copied to the other slots;
completion ``i`` is sampled with seed ``seed + i``, as a call of its own would be. On these
CPUs a HumanEval prompt (~450 tokens) takes about as long to evaluate as 8 short answers
take to decode, so a group of 8 samples costs a third of 8 separate calls.

Settings, read when an engine is created: ``ARCHON_LOCAL_SLOTS`` (parallel slots,
default 8), ``ARCHON_LOCAL_CTX`` (tokens per slot, default from the catalog),
``ARCHON_LOCAL_THREADS`` (default: the CPU cores this process may use),
``ARCHON_LOCAL_LOG`` (llama.cpp log verbosity, default 0: silent; errors are raised),
``ARCHON_LOCAL_COALESCE`` (0 or off turns the sharing of prompts between samples off),
``ARCHON_LOCAL_TURN_S`` (seconds a model's turn admits new calls while another model
waits for the CPU, default 20; see ``_DecodeGate``).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import ctypes
import json
import os
import secrets
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archon.errors import ArchonError, ModelCallError, ModelNotAvailableError
from archon.local.catalog import LocalModelInfo, get_model_info, model_path
from archon.local.pull import is_verified

# Aggregate decoding of qwen2.5-coder-0.5b here (perf/local_saturation.py, xllamacpp alone,
# 64-token answers): 1 slot 57, 4 slots 65, 8 slots 89, 16 slots 80 tok/s.
DEFAULT_SLOTS = 8
# How long a model's turn of the CPU admits new calls while another model waits (_DecodeGate):
# a switch drains the turn's calls, whose tails leave slots idle, so turns should be long.
DEFAULT_TURN_S = 20
# How long the first call of a group waits for its siblings (generate's samples arrive together).
COALESCE_WINDOW_S = 0.02
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


class LocalEngine:
    """A model loaded (lazily, once) into an in-process llama.cpp server."""

    def __init__(self, info: LocalModelInfo, gguf: Path, config: EngineConfig) -> None:
        self.info = info
        self.gguf = gguf
        self.config = config
        self.model = info.model_string
        self._lock = threading.Lock()
        self._server: Any = None
        self._closed = False
        # Our own threads, one per slot: more could not run at once anyway, and a burst of
        # calls must not starve asyncio's default executor, which other code shares.
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=config.slots, thread_name_prefix=f"archon-{info.name}"
        )
        self._batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batcher] = (
            weakref.WeakKeyDictionary()
        )
        #: llama.cpp requests made, completions they returned (more when samples were grouped), tokens decoded
        self.requests = 0
        self.completions = 0
        self.tokens = 0

    @property
    def loaded(self) -> bool:
        return self._server is not None

    async def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        temperature: float | None = None,
        max_tokens: int | None = None,
        stop: str | Sequence[str] | None = None,
        seed: int | None = None,
        top_p: float | None = None,
    ) -> tuple[str, int, int]:
        """(text, prompt_tokens, completion_tokens) of one chat completion."""
        result = await self.generate(
            messages, temperature=temperature, max_tokens=max_tokens, stop=stop, seed=seed, top_p=top_p
        )
        return result.text, result.prompt_tokens, result.completion_tokens

    async def generate(self, messages: Sequence[Mapping[str, Any]], **sampling: Any) -> Generation:
        """One chat completion, run off the event loop; cancelling it stops the generation.
        Concurrent calls that differ only in their seeds are sampled as one request."""
        request = _request(messages, sampling)
        if isinstance(request.get("seed"), int) and self.config.slots > 1 and self.config.coalesce:
            return await self._batcher().submit(request)
        cancel = threading.Event()
        future = self._submit(request, 1, cancel)
        try:
            (generation,) = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            cancel.set()
            raise
        return generation

    def generate_blocking(self, messages: Sequence[Mapping[str, Any]], **sampling: Any) -> Generation:
        """Like ``generate``, for synchronous callers (Ctrl-C stops the generation)."""
        cancel = threading.Event()
        future = self._submit(_request(messages, sampling), 1, cancel)
        try:
            (generation,) = future.result()
        except BaseException:
            cancel.set()
            raise
        return generation

    async def stream(self, messages: Sequence[Mapping[str, Any]], **sampling: Any) -> AsyncIterator[str | Generation]:
        """One chat completion, its text as it is decoded, then the whole ``Generation``.
        Closing the iterator early (a client gone) stops the generation."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str] = asyncio.Queue()
        cancel = threading.Event()

        def push(text: str) -> None:  # on the engine's thread
            loop.call_soon_threadsafe(queue.put_nowait, text)

        try:
            future = self._executor.submit(self._run, _request(messages, sampling), 1, cancel, push)
        except RuntimeError:  # the executor is shut down: close() was called
            raise ModelCallError(self.model, "the local engine has been shut down") from None
        done = asyncio.wrap_future(future)
        try:
            while not done.done() or not queue.empty():
                getter = asyncio.ensure_future(queue.get())
                waiting: set[asyncio.Future[Any]] = {getter, done}
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    yield getter.result()
                else:
                    getter.cancel()
            (generation,) = done.result()
            yield generation
        finally:
            cancel.set()  # a no-op once finished; else the generation stops at its next token

    def _batcher(self) -> _Batcher:
        loop = asyncio.get_running_loop()
        batcher = self._batchers.get(loop)
        if batcher is None:
            batcher = self._batchers[loop] = _Batcher(self, loop)
        return batcher

    def load(self) -> None:
        """Load the model now rather than on the first call."""
        self._ensure_server()

    def close(self) -> None:
        """Stop the server; calls in flight stop at their next token."""
        with self._lock:
            self._closed = True
            server, self._server = self._server, None
        self._executor.shutdown(wait=False, cancel_futures=True)
        # Dropping the last reference runs ~Server, which stops llama.cpp's loop thread and joins it.
        # A call still in flight holds its own reference, so the server outlives that call.
        del server

    def _submit(
        self, request: dict[str, Any], n: int, cancel: threading.Event
    ) -> concurrent.futures.Future[list[Generation]]:
        try:
            return self._executor.submit(self._run, request, n, cancel)
        except RuntimeError:  # the executor is shut down: close() was called
            raise ModelCallError(self.model, "the local engine has been shut down") from None

    def _run(self, request: dict[str, Any], n: int, cancel: threading.Event,
             on_delta: Callable[[str], None] | None = None) -> list[Generation]:
        server = self._ensure_server()
        stream = _Stream(lambda: cancel.is_set() or self._closed, n=n, on_delta=on_delta)
        if n > 1:
            request = {**request, "n": n}
        try:
            with _decode_gate.turn(self.model, self.config.turn_s):
                # A call cancelled while it queued (for a thread or for its model's turn) never starts:
                # after Ctrl-C the interpreter still runs every queued call before it exits, and each
                # would evaluate its whole prompt before its first token could stop it.
                if stream.should_stop():
                    stream.stopped = True
                else:
                    self.requests += 1
                    self.completions += n
                    server.handle_chat_completions(request, stream.on_chunk)
        except Exception as exc:  # xllamacpp raises ValueError for a malformed request
            raise ModelCallError(self.model, f"llama.cpp rejected the request: {exc}") from exc
        if stream.error is not None:
            raise ModelCallError(self.model, _describe_error(stream.error))
        if stream.stopped:
            raise ModelCallError(self.model, "cancelled")
        generations = stream.generations()
        self.tokens += sum(g.completion_tokens for g in generations)
        return generations

    def _ensure_server(self) -> Any:
        with self._lock:
            if self._closed:
                raise ModelCallError(self.model, "the local engine has been shut down")
            if self._server is None:
                self._server = self._start_server()
            return self._server

    def _start_server(self) -> Any:
        try:
            import xllamacpp
        except ImportError:
            raise ModelNotAvailableError(
                self.model, "the local engine is not installed: pip install 'archon[local]'"
            ) from None
        config = self.config
        params = xllamacpp.CommonParams()
        params.model.path = str(self.gguf)
        params.n_parallel = config.slots
        params.n_ctx = config.slots * config.context_size  # split evenly between the slots
        params.cpuparams.n_threads = config.threads
        params.cpuparams_batch.n_threads = config.threads
        params.verbosity = config.verbosity
        if self.info.chat_template:
            params.chat_template = self.info.chat_template
        # Prompt prefixes of idle slots are kept in RAM for reuse; llama.cpp's default allows 8 GiB.
        params.cache_ram_mib = 512
        # xllamacpp always starts an HTTP front on a random 127.0.0.1 port as well. We never use it;
        # a random key keeps other local processes out (in-process calls skip the key check).
        params.api_keys = [secrets.token_urlsafe(32)]
        params.ui = False
        params.endpoint_slots = False
        params.n_threads_http = 1
        try:
            return xllamacpp.Server(params)
        except Exception as exc:
            raise ModelCallError(self.model, f"llama.cpp could not load {self.gguf}: {exc}") from exc


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
class _Stream:
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


class _Batcher:
    """Groups concurrent calls to one engine that differ only in their seeds (the samples of
    one prompt) into n-completion requests. Lives on one event loop."""

    def __init__(self, engine: LocalEngine, loop: asyncio.AbstractEventLoop) -> None:
        self.engine = engine
        self.loop = loop
        self.pending: dict[str, list[_Waiter]] = {}

    async def submit(self, request: dict[str, Any]) -> Generation:
        key = json.dumps({k: v for k, v in request.items() if k != "seed"}, sort_keys=True, default=str)
        waiter = _Waiter(int(request["seed"]), self.loop.create_future())
        group = self.pending.get(key)
        if group is None:
            group = self.pending[key] = []
            self.loop.call_later(COALESCE_WINDOW_S, self._flush, key, request)
        group.append(waiter)
        try:
            return await asyncio.shield(waiter.future)
        except asyncio.CancelledError:
            waiter.cancelled = True
            if waiter.batch is not None and all(w.cancelled for w in waiter.batch.waiters):
                waiter.batch.cancel.set()  # nobody wants this request any more: free its slots
            raise

    def _flush(self, key: str, request: dict[str, Any]) -> None:
        waiters = sorted(self.pending.pop(key, []), key=lambda w: w.seed)
        for batch in _consecutive_runs(waiters, self.engine.config.slots):
            self._start(batch, {**request, "seed": batch.waiters[0].seed})

    def _start(self, batch: _Batch, request: dict[str, Any]) -> None:
        for waiter in batch.waiters:
            waiter.batch = batch
        if all(w.cancelled for w in batch.waiters):
            return
        try:
            future = self.engine._submit(request, len(batch.waiters), batch.cancel)
        except ModelCallError as exc:
            for waiter in batch.waiters:
                _settle(waiter.future, exc)
            return
        asyncio.wrap_future(future, loop=self.loop).add_done_callback(lambda done: _deliver(batch, done))


@dataclass
class _Waiter:
    seed: int
    future: asyncio.Future[Generation]
    cancelled: bool = False
    batch: _Batch | None = None


@dataclass
class _Batch:
    waiters: list[_Waiter]
    cancel: threading.Event = field(default_factory=threading.Event)


def _consecutive_runs(waiters: list[_Waiter], most: int) -> list[_Batch]:
    """Waiters (sorted by seed) as batches of consecutive, distinct seeds, at most ``most`` each."""
    batches: list[_Batch] = []
    for waiter in waiters:
        last = batches[-1].waiters if batches else None
        if last and waiter.seed == last[-1].seed + 1 and len(last) < most:
            last.append(waiter)
        else:
            batches.append(_Batch([waiter]))
    return batches


def _deliver(batch: _Batch, done: asyncio.Future[list[Generation]]) -> None:
    if done.cancelled():
        error: BaseException | None = ModelCallError("local", "cancelled")
    else:
        error = done.exception()
    for i, waiter in enumerate(batch.waiters):
        _settle(waiter.future, error if error is not None else done.result()[i])


def _settle(future: asyncio.Future[Generation], outcome: Generation | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
        future.exception()  # a waiter that was cancelled never reads it: no "never retrieved" noise
    else:
        future.set_result(outcome)


def _request(messages: Sequence[Mapping[str, Any]], sampling: Mapping[str, Any]) -> dict[str, Any]:
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


def _describe_error(error: Mapping[str, Any]) -> str:
    message = str(error.get("message") or error)
    if error.get("type") == "exceed_context_size_error":
        message += " (tokens per slot; raise ARCHON_LOCAL_CTX or lower ARCHON_LOCAL_SLOTS)"
    return message


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


# --- one engine per model file per process ---------------------------------------------------

_engines: dict[Path, LocalEngine] = {}
class _DecodeGate:
    """Lets one model's engine decode at a time, in turns that batch every call of that model.

    Each engine runs on all cores; two engines decoding at once oversubscribe the CPU
    and both slow down several-fold (seen here with qwen and smollm2 in one system).
    A turn goes to one model: every call of it waiting then enters together, and calls
    arriving during the first ``turn_s`` seconds (``ARCHON_LOCAL_TURN_S``) join it (they
    batch in its slots). After that, if another model is waiting, the turn drains and
    passes to the model that has waited longest, so neither starves. Without the slice a
    waiting model closed the turn at once, and with two busy models one call ran at a time
    (one slot of 8 busy for a greedy call).
    """

    def __init__(self) -> None:
        self._turn_s = 0.0  # the slice of the turn under way (its model's engine setting)
        self._cond = threading.Condition()
        self._active: str | None = None
        self._turn_started = 0.0
        self._running = 0
        self._waiting: dict[str, int] = {}
        self._waiting_since: dict[str, float] = {}
        self._next: str | None = None  # whose turn it is once the active one drains
        self._passes = 0  # calls of the active model that were waiting when its turn began

    @contextlib.contextmanager
    def turn(self, model: str, turn_s: float = DEFAULT_TURN_S) -> Iterator[None]:
        with self._cond:
            if not self._waiting.get(model):
                self._waiting_since[model] = time.monotonic()
            self._waiting[model] = self._waiting.get(model, 0) + 1
            while not self._may_enter(model):
                self._cond.wait()
            self._waiting[model] -= 1
            if self._active != model:  # a new turn: the calls of this model waiting now all come in
                self._active, self._turn_started, self._turn_s, self._next = model, time.monotonic(), turn_s, None
                self._passes = self._waiting[model]
                self._cond.notify_all()
            elif self._passes:
                self._passes -= 1
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                if self._running == 0:
                    self._active = None
                    self._next = self._longest_waiting()
                self._cond.notify_all()

    def _may_enter(self, model: str) -> bool:
        if self._active is None:
            return self._next in (None, model)
        if self._active != model:
            return False
        others_waiting = any(n for m, n in self._waiting.items() if m != model)
        return (not others_waiting or self._passes > 0
                or time.monotonic() - self._turn_started < self._turn_s)

    def _longest_waiting(self) -> str | None:
        waiting = [m for m, n in self._waiting.items() if n]
        return min(waiting, key=lambda m: self._waiting_since[m]) if waiting else None


_decode_gate = _DecodeGate()
_engines_lock = threading.Lock()


def get_engine(name: str) -> LocalEngine:
    """The shared engine of local model ``name`` (the model itself loads on first use).

    Raises UnknownNameError for a name not in the catalog, ModelNotAvailableError
    when the model is not pulled.
    """
    info = get_model_info(name)
    path = model_path(info)  # keyed by file: ARCHON_HOME may differ between callers (tests)
    with _engines_lock:
        engine = _engines.get(path)
        if engine is None:
            if not is_verified(info):
                raise ModelNotAvailableError(info.model_string, f"run: archon models pull {info.name}")
            engine = _engines[path] = LocalEngine(info, path, EngineConfig.from_env(info))
        return engine


def decoded_tokens() -> int:
    """Completion tokens every engine of this process has decoded so far (for tokens/s)."""
    with _engines_lock:
        return sum(engine.tokens for engine in _engines.values())


def close_all() -> None:
    """Shut down every engine of this process (registered to run at exit)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.close()


def _forget_engines_after_fork() -> None:
    # A forked child has the parent's engines but not their threads: destroying one would join
    # a thread that does not exist here and hang. Leak them on purpose; the child loads its own.
    global _engines_lock
    _engines_lock = threading.Lock()  # another parent thread may have held it at the fork
    for engine in _engines.values():
        if engine._server is not None:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(engine._server))
    _engines.clear()


atexit.register(close_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_engines_after_fork)
