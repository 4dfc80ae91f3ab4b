"""The one place a run's model client is built: runtime settings, per-model limits, a cache.

A system run with ``archon.load(...).run(q)``, an ``archon eval`` and every trial of an
``archon search`` get their client here, and a scorer that calls a model (an LLM judge)
is handed that same client, so its calls share the run's cache, limits and accounting.

Caches are one object per file in a process (``open_cache``): systems that point at the
same file share its in-memory batch of unsaved responses instead of racing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from archon.config.spec import ModelConfig, RuntimeConfig
from archon.models.cache import ResponseCache
from archon.models.client import ModelClient
from archon.models.retry import RetryPolicy
from archon.paths import archon_home

_open_caches: dict[Path, ResponseCache] = {}

#: What a caller may pass for a cache: True (the default file), False/None (none), a path or a cache.
CacheChoice = bool | str | Path | ResponseCache | None


def default_cache_path() -> Path:
    return archon_home() / "cache" / "responses.sqlite"


def open_cache(choice: CacheChoice = True) -> ResponseCache | None:
    """The cache a caller asked for (True: the default file under ARCHON_HOME)."""
    if isinstance(choice, ResponseCache):
        return choice
    if choice is True:
        choice = default_cache_path()
    if not choice:
        return None
    resolved = Path(choice).resolve()
    if resolved not in _open_caches:
        _open_caches[resolved] = ResponseCache(resolved)
    return _open_caches[resolved]


def forget_open_caches() -> None:
    """Close every cache this process opened (tests isolate themselves with it)."""
    for cache in list(_open_caches.values()):
        cache.close()
    _open_caches.clear()


def make_client(runtime: RuntimeConfig, models: Iterable[ModelConfig], cache: CacheChoice = True, *,
                replay: bool = False) -> ModelClient:
    """A client with the runtime's concurrency, timeout and retries, each model's own limit,
    and the cache chosen (``replay``: answer from the cache only, see ``ModelClient``)."""
    limits = {cfg.model: cfg.max_concurrency for cfg in models if cfg.max_concurrency}
    return ModelClient(
        open_cache(cache),
        max_concurrency=runtime.max_concurrency,
        per_model_concurrency=runtime.per_model_concurrency,
        model_limits=limits,
        timeout_s=runtime.timeout_s,
        retry=RetryPolicy(max_retries=runtime.max_retries, base_s=runtime.retry_base_s),
        replay=replay,
    )
