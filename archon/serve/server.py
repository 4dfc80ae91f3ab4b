"""Starting the server: systems loaded (or a search's best), one client, uvicorn until a signal.

uvicorn handles Ctrl-C and SIGTERM: it stops taking connections, lets requests in flight finish
(cancelling what is still running after ``GRACE_S``), runs the app's shutdown (caches flushed),
and then the local engines are released.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archon.errors import ConfigError
from archon.runtime.system import System

LOOPBACK = ("127.0.0.1", "::1", "localhost")
GRACE_S = 10


@dataclass
class ServeOptions:
    sources: list[Path]
    host: str = "127.0.0.1"
    port: int = 8000
    api_key_env: str | None = None
    request_timeout_s: float | None = None
    trace_file: Path | None = None
    cache: bool = True
    keepalive_s: float = 10.0


def load_systems(sources: list[Path], *, cache: bool = True) -> list[System]:
    """Each system file, or a run directory's exported best system, sharing one client."""
    from archon.runtime.clients import make_client

    files = []
    for source in sources:
        if source.is_dir():
            from archon.search.study.rundir import RunDir

            best = RunDir(source).best_system
            if not best.exists():
                raise ConfigError(str(source), "", "a run directory without best_system.yaml: the search has not "
                                  "finished (or serve a system file)")
            files.append(best)
        else:
            files.append(source)
    systems = [System.from_file(path, cache=False) for path in files]
    names = [s.name for s in systems]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(str(files[names.index(duplicates[0])]), "name", f"two served systems are named "
                          f"{duplicates[0]!r}; each needs its own name (it is its model id)")
    # One client for all: its concurrency, timeout and retries are the first system's runtime settings.
    client = make_client(systems[0].spec.runtime, [cfg for s in systems for cfg in s.graph.aliases.values()],
                         cache)
    for system in systems:
        system._client = client
        system.check_models_available()  # a local model not pulled fails now, not on the first request
    return systems


def api_key(options: ServeOptions) -> str | None:
    import os

    if options.api_key_env is None:
        if options.host not in LOOPBACK:
            raise ConfigError("--host", "", f"serving on {options.host} without an API key would let anyone who can "
                              "reach this machine run these systems (and spend their providers' keys): pass "
                              "--api-key-env NAME (the variable holding the key clients must send), or serve on "
                              "127.0.0.1")
        return None
    key = os.environ.get(options.api_key_env)
    if not key:
        raise ConfigError("--api-key-env", "", f"environment variable {options.api_key_env} is not set (or empty)")
    return key


def serve(options: ServeOptions) -> None:
    import uvicorn

    from archon.local.engine import close_all
    from archon.serve.app import ServeSettings, create_app

    key = api_key(options)
    systems = load_systems(options.sources, cache=options.cache)
    app = create_app(systems, ServeSettings(api_key=key, request_timeout_s=options.request_timeout_s,
                                            trace_file=options.trace_file, keepalive_s=options.keepalive_s))
    config = uvicorn.Config(app, host=options.host, port=options.port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=GRACE_S, lifespan="on")
    # uvicorn exits by re-raising the signal that stopped it, so the app's shutdown (above, in its
    # lifespan) is where engines are released; this covers a server that never started.
    try:
        uvicorn.Server(config).run()
    finally:
        close_all()
