"""tests/servers.py says why a test server cannot be used, and lets any other error fail."""

from __future__ import annotations

import pytest

from tests import servers


def test_urls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(servers.POSTGRES_URL_ENV, raising=False)
    monkeypatch.delenv(servers.REDIS_URL_ENV, raising=False)
    assert servers.postgres_url() == "postgresql://postgres@127.0.0.1:5432/test"
    assert servers.redis_url() == "redis://127.0.0.1:6379/0"
    monkeypatch.setenv(servers.POSTGRES_URL_ENV, "postgresql://me@db.example:6000/other")
    monkeypatch.setenv(servers.REDIS_URL_ENV, "redis://cache.example:7000/3")
    assert servers.postgres_url() == "postgresql://me@db.example:6000/other"
    assert servers.redis_url() == "redis://cache.example:7000/3"


@pytest.mark.parametrize(("message", "meaning"), [
    ('connection to server at "127.0.0.1", port 5999 failed: Connection refused\n\tIs the server running?',
     "connection refused"),
    ('connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "nosuchdb" does not exist',
     "missing database"),
    ('connection to server at "127.0.0.1", port 5432 failed: FATAL:  role "nobody" does not exist',
     "authentication failed"),
    ('connection to server failed: FATAL:  password authentication failed for user "postgres"',
     "authentication failed"),
    ('connection to server failed: FATAL:  no pg_hba.conf entry for host "10.0.0.1", user "u", database "test"',
     "authentication failed"),
    ("connection to server failed: FATAL:  the database system is starting up", "server not ready"),
    ('could not translate host name "nowhere.invalid" to address: Name or service not known', "unknown host"),
    ("timeout expired", "connection timed out"),
])
def test_postgres_errors_are_classified(message: str, meaning: str) -> None:
    psycopg2 = pytest.importorskip("psycopg2")
    assert servers.classify_postgres_error(psycopg2.OperationalError(message)).startswith(meaning)


def test_an_unknown_postgres_error_is_raised_not_skipped() -> None:
    psycopg2 = pytest.importorskip("psycopg2")
    with pytest.raises(psycopg2.OperationalError, match="something new"):
        servers.classify_postgres_error(psycopg2.OperationalError("something new"))


def test_redis_errors_are_classified() -> None:
    errors = pytest.importorskip("redis.exceptions")
    cases = [
        (errors.ConnectionError("Error 111 connecting to 127.0.0.1:6999. Connection refused."), "connection refused"),
        (errors.AuthenticationError("invalid username-password pair or user is disabled."),
         "authentication failed"),
        (errors.ResponseError("DB index is out of range"), "missing database"),
        (errors.TimeoutError("Timeout connecting to server"), "connection timed out"),
        (errors.ConnectionError("Error -2 connecting to nowhere.invalid:6379. Name or service not known."),
         "unknown host"),
    ]
    for error, meaning in cases:
        assert servers.classify_redis_error(error).startswith(meaning), error
    with pytest.raises(errors.ResponseError):
        servers.classify_redis_error(errors.ResponseError("WRONGTYPE Operation against a key"))


def test_a_refused_server_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("redis")
    monkeypatch.setenv(servers.REDIS_URL_ENV, "redis://127.0.0.1:1/0")
    with pytest.raises(pytest.skip.Exception, match=r"Redis at redis://127.0.0.1:1/0: connection refused"):
        servers.require_redis()
