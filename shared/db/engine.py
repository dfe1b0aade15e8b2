"""Engines for the three databases: SQLite, SQLCipher and PostgreSQL.

``DATABASE_URL`` style text (``sqlite:///path``, ``postgresql://…``) is mapped to a
driver: psycopg for the synchronous use cases and CLI, asyncpg and aiosqlite for the
async services. The SQLite family runs in WAL mode with a busy timeout, so CLI
commands and a running central can share one file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from shared.domain.errors import ConfigError, WrongPassphrase

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

BUSY_TIMEOUT_MS = 10_000
RAW_KEY_BYTES = 32


def _driver_url(url: str | URL, *, asynchronous: bool) -> URL:
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg" if asynchronous else "postgresql+psycopg")
    if backend == "sqlite":
        if parsed.get_driver_name() == "pysqlcipher":
            if asynchronous:
                raise ConfigError("SQLCipher databases are opened synchronously only")
            return parsed
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return parsed.set(drivername="sqlite+aiosqlite" if asynchronous else "sqlite+pysqlite")
    raise ConfigError(f"unsupported database URL scheme: {parsed.drivername}")


def is_sqlite(engine: Engine | AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def create_db_engine(url: str | URL, **kwargs: Any) -> Engine:
    """A synchronous engine for a database URL (SQLite or PostgreSQL)."""
    driver_url = _driver_url(url, asynchronous=False)
    if driver_url.get_backend_name() == "sqlite":
        engine = create_engine(driver_url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
                               **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(driver_url, **kwargs)


def create_async_db_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine: asyncpg for PostgreSQL, aiosqlite for SQLite."""
    from sqlalchemy.ext.asyncio import create_async_engine  # the store CLI never needs it

    driver_url = _driver_url(url, asynchronous=True)
    if driver_url.get_backend_name() == "sqlite":
        engine = create_async_engine(
            driver_url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    options = driver_url.query.get("options")
    if isinstance(options, str):
        # libpq's  options=-csearch_path=x  becomes asyncpg's server_settings.
        driver_url = driver_url.difference_update_query(["options"])
        kwargs.setdefault("connect_args", {})["server_settings"] = _libpq_settings(options)
    return create_async_engine(driver_url, **kwargs)


def _libpq_settings(options: str) -> dict[str, str]:
    settings: dict[str, str] = {}
    for part in options.replace("-c ", "-c").split():
        name, sep, value = part.removeprefix("-c").partition("=")
        if not part.startswith("-c") or not sep:
            raise ConfigError(f"unsupported PostgreSQL option {part!r} (only -cNAME=VALUE)")
        settings[name] = value
    return settings


#: Page cache of a store database connection (KiB). Every page read is decrypted, so
#: SQLite's default 2 MB re-decrypts the same pages over and over; the app keeps a few
#: connections (its worker threads), so each stays moderate. A first sync, which writes
#: the whole scope through one connection, raises its own to BULK_CACHE_KIB meanwhile.
STORE_CACHE_KIB = 16 * 1024
BULK_CACHE_KIB = 64 * 1024


def set_page_cache(session: Session, kib: int) -> None:
    """Resize this SQLite connection's page cache (a smaller size frees pages); no-op
    on other databases."""
    if session.connection().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size = -{int(kib)}"))


def _quiet_sqlcipher(dbapi_connection: Any, _record: Any) -> None:
    # SQLCipher logs decryption failures to stderr itself; we raise a clear error instead.
    dbapi_connection.execute("PRAGMA cipher_log_level = NONE")
    dbapi_connection.execute(f"PRAGMA cache_size = -{STORE_CACHE_KIB}")


def sqlcipher_url(path: Path, key: bytes) -> URL:
    """The URL of an encrypted file opened with a raw 256-bit key (no key stretching)."""
    if len(key) != RAW_KEY_BYTES:
        raise ConfigError(f"a SQLCipher raw key has {RAW_KEY_BYTES} bytes, not {len(key)}")
    # SQLCipher reads  PRAGMA key = "x'<64 hex>'"  as a raw key; the dialect quotes it.
    return URL.create("sqlite+pysqlcipher", password=f"x'{key.hex()}'", database=str(path))


def open_sqlcipher(path: Path, key: bytes, *, create: bool = False) -> Engine:
    """Open (or with ``create``, make) an encrypted store database.

    A wrong key only shows on the first query, so probe at once and turn the driver's
    "file is not a database" into :class:`WrongPassphrase`.
    """
    path = Path(path)
    if not create and not path.exists():
        raise FileNotFoundError(f"no store database at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not the dialect's default SingletonThreadPool: it keeps a connection per thread and,
    # past five threads, closes arbitrary ones even while in use. The desktop's Qt
    # workers lose their thread-locals after each task (each would look like a new
    # thread), so connections are pooled and handed between threads instead.
    engine = create_engine(sqlcipher_url(path, key), poolclass=QueuePool,
                           connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _quiet_sqlcipher)
    event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
    except DatabaseError as error:
        engine.dispose()
        raise WrongPassphrase() from error
    return engine
