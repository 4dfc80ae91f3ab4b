"""Embedded llama.cpp: one engine per model file per process, shared by every call.

xllamacpp's ``Server`` is llama.cpp's server running inside this process:
``handle_chat_completions(request, callback)`` takes an OpenAI chat request, runs it
in one of ``n_parallel`` slots and releases the GIL while it works, so calls made
from several threads at once are decoded together (continuous batching). The KV
cache (``n_ctx`` tokens) is split evenly between the slots: a call's prompt plus
completion must fit in ``n_ctx / n_parallel`` tokens.

Around the engine: each call streams so that it can be stopped at its next token
(``archon.local.streams``); concurrent samples of one prompt become one request
(``archon.local.coalescing``); two models never decode at once (``archon.local.decode_gate``);
an engine's settings come from ``ARCHON_LOCAL_*`` (``archon.local.settings``).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import ctypes
import os
import secrets
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from archon.errors import ModelCallError, ModelNotAvailableError
from archon.local import decode_gate
from archon.local.catalog import LocalModelInfo, get_model_info, model_path
from archon.local.coalescing import Batcher
from archon.local.pull import is_verified
from archon.local.settings import EngineConfig
from archon.local.streams import Generation, Stream, chat_request, describe_error


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
        self._batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batcher] = (
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
        request = chat_request(messages, sampling)
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
        future = self._submit(chat_request(messages, sampling), 1, cancel)
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
            future = self._executor.submit(self._run, chat_request(messages, sampling), 1, cancel, push)
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

    def _batcher(self) -> Batcher:
        loop = asyncio.get_running_loop()
        batcher = self._batchers.get(loop)
        if batcher is None:
            batcher = self._batchers[loop] = Batcher(self, loop)
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
        stream = Stream(lambda: cancel.is_set() or self._closed, n=n, on_delta=on_delta)
        if n > 1:
            request = {**request, "n": n}
        try:
            # Looked up at each call (not imported by name), so a test may swap the shared gate.
            with decode_gate.shared_gate.turn(self.model, self.config.turn_s):
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
            raise ModelCallError(self.model, describe_error(stream.error))
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


# --- one engine per model file per process ---------------------------------------------------

_engines: dict[Path, LocalEngine] = {}
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
