"""Where the study lives: a SQLite file in the run directory, PostgreSQL/MySQL, or Redis.

- ``sqlite:///path`` (default ``RUN_DIR/study.db``): one machine, one or a few processes.
- ``postgresql://user@host/db`` (or ``mysql://``): many workers on many machines
  share one study through optuna's RDB storage.
- ``redis://host:6379/0`` (optionally ``?prefix=NAME``): optuna's JournalStorage with
  the Redis backend, for the same purpose without a SQL server.

A server that cannot be reached is reported before anything else happens, with the
URL (password hidden) and the reason.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from optuna.storages import BaseStorage

from archon.errors import ConfigError

CONNECT_TIMEOUT_S = 5
DEFAULT_REDIS_PREFIX = "archon"
SQL_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql")


def default_storage_url(run_dir: Path) -> str:
    from archon.search.study.rundir import RunDir  # rundir imports this module

    return f"sqlite:///{RunDir(run_dir).study_db.resolve()}"


def redact(url: str) -> str:
    """The URL with its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def open_storage(url: str) -> BaseStorage:
    """An optuna storage for ``url``, after checking the server answers."""
    url = with_installed_driver(url)
    scheme = urlsplit(url).scheme.split("+", 1)[0]
    if scheme in SQL_SCHEMES:
        return _rdb(url, scheme)
    if scheme in ("redis", "rediss"):
        return _redis(url)
    raise ConfigError("--storage", "", f"unsupported storage URL {redact(url)!r}; expected sqlite:///PATH, "
                      "postgresql://USER@HOST/DB, mysql://... or redis://HOST:PORT/DB")


def with_installed_driver(url: str) -> str:
    """``postgresql://`` means psycopg 3 to SQLAlchemy 2.1; use psycopg2 when only it is installed
    (the ``distributed`` extra installs psycopg2-binary)."""
    import importlib.util

    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain) and importlib.util.find_spec("psycopg") is None \
                and importlib.util.find_spec("psycopg2") is not None:
            return "postgresql+psycopg2://" + url[len(plain):]
    return url


def _rdb(url: str, scheme: str) -> BaseStorage:
    import sqlalchemy
    from optuna.storages import RDBStorage

    if scheme == "sqlite":
        # Several local workers write one file: wait for the lock instead of failing at once.
        engine_kwargs: dict[str, object] = {"connect_args": {"timeout": 60}}
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    else:
        # Connections idle between long trials may be dropped by the server: test before use.
        engine_kwargs = {"pool_pre_ping": True}
        if scheme in ("postgresql", "postgres"):
            engine_kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
        try:
            engine = sqlalchemy.create_engine(url, **engine_kwargs)  # type: ignore[arg-type]
            with engine.connect():
                pass
            engine.dispose()
        except Exception as exc:  # driver errors differ per database; all mean "cannot use it"
            raise ConfigError("--storage", "", f"cannot reach {redact(url)}: {_first_line(exc)}") from None
    try:
        storage = RDBStorage(url, engine_kwargs=engine_kwargs)
    except Exception as exc:
        raise ConfigError("--storage", "", f"cannot open {redact(url)}: {_first_line(exc)}") from None
    if scheme == "sqlite":
        _fast_sqlite(storage)
    return storage


def _fast_sqlite(storage: BaseStorage) -> None:
    """WAL journal, synced at checkpoints: optuna commits every attribute it sets, and a full
    fsync per commit made a trial cost a third of a second of disk waits. WAL is still safe
    when a process is killed (only a power cut may lose the last commits), and lets the
    workers of one machine read while another writes."""
    import sqlalchemy

    engine = storage.engine  # type: ignore[attr-defined]

    def pragmas(connection: object, _record: object) -> None:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    sqlalchemy.event.listen(engine, "connect", pragmas)
    engine.dispose()  # connections opened before the listener reopen with it


def _redis(url: str) -> BaseStorage:
    import redis
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalRedisBackend

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    # One Redis database can hold several journals: the prefix names ours.
    prefix = query.pop("prefix", DEFAULT_REDIS_PREFIX)
    plain = urlunsplit(parts._replace(query=urlencode(query)))
    try:
        client = redis.Redis.from_url(plain, socket_connect_timeout=CONNECT_TIMEOUT_S)
        client.ping()
        client.close()
    except Exception as exc:
        raise ConfigError("--storage", "", f"cannot reach {redact(url)}: {_first_line(exc)}") from None
    return JournalStorage(JournalRedisBackend(plain, prefix=prefix))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
