"""The PostgreSQL and Redis servers that some tests share (the distributed search).

Their URLs come from ``ARCHON_TEST_POSTGRES_URL`` and ``ARCHON_TEST_REDIS_URL``, by default
the servers the test machine runs: ``postgresql://postgres@127.0.0.1:5432/test`` and
``redis://127.0.0.1:6379/0``.

``require_postgres()`` / ``require_redis()`` return the URL after connecting once. A test may
skip only when the server or its driver is the problem, and the skip says which: connection
refused (no server listening), unknown host, timed out, authentication failed (wrong user or
password), missing database, server not ready, driver package not installed. Any other error
(a malformed URL, a bug) is raised, so the test fails instead of quietly skipping.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

POSTGRES_URL_ENV = "ARCHON_TEST_POSTGRES_URL"
REDIS_URL_ENV = "ARCHON_TEST_REDIS_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_S = 5
DRIVERS = "'pip install archon[distributed]' installs psycopg2-binary and redis"

# (lower-case fragment of the driver's message, what it means); the first match wins.
_NETWORK = [
    ("connection refused", "connection refused: no server is listening there (is it running?)"),
    ("no such file or directory", "connection refused: no server socket there (is it running?)"),
    ("could not translate host name", "unknown host: the host name does not resolve"),
    ("name or service not known", "unknown host: the host name does not resolve"),
    ("nodename nor servname", "unknown host: the host name does not resolve"),
    ("temporary failure in name resolution", "unknown host: the host name does not resolve"),
    ("timeout", "connection timed out: the server did not answer"),
    ("timed out", "connection timed out: the server did not answer"),
    ("no route to host", "host unreachable"),
    ("network is unreachable", "host unreachable"),
]
_POSTGRES = [
    ("password authentication failed", "authentication failed: wrong user or password"),
    ("no pg_hba.conf entry", "authentication failed: the server does not admit this user/host"),
    ("no password supplied", "authentication failed: the server wants a password"),
    ("password is required", "authentication failed: the server wants a password"),
    ("authentication failed", "authentication failed"),
    ('role "', "authentication failed: no such role (user), or it may not log in"),
    ("the database system is", "server not ready (starting up, shutting down or recovering)"),
    ('database "', "missing database: create it (createdb) or name another in the URL"),
    ("too many clients", "server not accepting connections: too many clients"),
    ("remaining connection slots", "server not accepting connections: too many clients"),
]


def postgres_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL


def redis_url() -> str:
    return os.environ.get(REDIS_URL_ENV) or DEFAULT_REDIS_URL


def require_postgres() -> str:
    """The test PostgreSQL URL; skips, saying why, when its server or driver cannot be used."""
    return _require("PostgreSQL", postgres_url(), POSTGRES_URL_ENV, postgres_problem)


def require_redis() -> str:
    """The test Redis URL; skips, saying why, when its server or driver cannot be used."""
    return _require("Redis", redis_url(), REDIS_URL_ENV, redis_problem)


def _require(server: str, url: str, env: str, problem_of: Callable[[str], str | None]) -> str:
    if problem := problem_of(url):
        pytest.skip(_skip_text(server, url, env, problem))
    return url


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL server at ``url`` cannot be used (a server or driver problem), or
    None when a connection opens. Any other error is raised."""
    scheme = urlsplit(url).scheme
    driver_name = scheme.split("+", 1)[1] if "+" in scheme else None
    candidates = [driver_name] if driver_name else ["psycopg", "psycopg2"]  # what archon's storage uses
    driver = None
    for name in candidates:
        try:
            driver = importlib.import_module(name)
            break
        except ImportError:
            continue
    if driver is None:
        return f"missing driver package: {' or '.join(candidates)} is not installed ({DRIVERS})"
    plain = url.replace(scheme + "://", "postgresql://", 1)  # libpq knows no "+driver" scheme
    try:
        driver.connect(plain, connect_timeout=CONNECT_TIMEOUT_S).close()
    except driver.OperationalError as exc:
        return classify_postgres_error(exc)
    return None


def classify_postgres_error(exc: BaseException) -> str:
    """What an OperationalError raised while connecting means; raises ``exc`` when it is not a
    server problem this module knows."""
    text = _first_line(exc)
    lowered = str(exc).lower()
    for fragment, meaning in _POSTGRES + _NETWORK:
        if fragment in lowered:
            return f"{meaning} ({text})"
    raise exc


def redis_problem(url: str) -> str | None:
    """Why the Redis server at ``url`` cannot be used (a server or driver problem), or None
    when it answers PING. Any other error is raised."""
    try:
        import redis
    except ImportError:
        return f"missing driver package: redis is not installed ({DRIVERS})"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=CONNECT_TIMEOUT_S)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as exc:
        return classify_redis_error(exc)
    return None


def classify_redis_error(exc: BaseException) -> str:
    """What a redis error raised by PING means; raises ``exc`` when it is not a server problem
    this module knows."""
    import redis.exceptions as errors

    text = _first_line(exc)
    lowered = str(exc).lower()
    if isinstance(exc, errors.AuthenticationError | errors.AuthorizationError):
        return f"authentication failed: wrong user or password, or no permission ({text})"
    if isinstance(exc, errors.BusyLoadingError):
        return f"server not ready: still loading its data ({text})"
    if isinstance(exc, errors.TimeoutError):
        return f"connection timed out: the server did not answer ({text})"
    if isinstance(exc, errors.ResponseError) and ("db index" in lowered or "invalid db" in lowered):
        return f"missing database: the server has no such database number ({text})"
    if isinstance(exc, errors.ConnectionError):
        for fragment, meaning in _NETWORK:
            if fragment in lowered:
                return f"{meaning} ({text})"
    raise exc


def _skip_text(server: str, url: str, variable: str, problem: str) -> str:
    return f"{server} at {_redact(url)}: {problem}; set {variable} to use another server"


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__
