"""Settings for the whole suite, and the real databases every tier may use.

PostgreSQL runs on 127.0.0.1:5432 (``MINIMARKET_TEST_PG`` overrides the URL of an
existing database to connect through). Each test run creates its own database and
each test its own schema in it, so runs and tests never collide.
"""

import os

# Before anything imports Qt: without a display, Qt would abort the test process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")



import secrets
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, make_url

from shared.db.engine import create_db_engine, open_sqlcipher
from shared.db.migrate import upgrade

ADMIN_URL = os.environ.get("MINIMARKET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "sqlcipher", "postgres")


def _psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test run, dropped at the end."""
    name = f"mm_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(_psycopg_dsn(ADMIN_URL), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is not answering at {ADMIN_URL}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with psycopg.connect(_psycopg_dsn(ADMIN_URL), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh, empty schema in the run's database, as a URL whose search_path is it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_psycopg_dsn(pg_database), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(pg_database).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(_psycopg_dsn(pg_database), autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def make_engine(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Engine]]:
    """``make_engine(backend)``: a migrated, empty database of that backend."""
    engines: list[Engine] = []

    def make(backend: str) -> Engine:
        if backend == "sqlite":
            engine = create_db_engine(f"sqlite:///{tmp_path / f'db{len(engines)}.sqlite'}")
        elif backend == "sqlcipher":
            engine = open_sqlcipher(tmp_path / f"store{len(engines)}.db", os.urandom(32), create=True)
        elif backend == "postgres":
            engine = create_db_engine(request.getfixturevalue("pg_url"))
        else:
            raise ValueError(backend)
        upgrade(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, make_engine: Callable[[str], Engine]) -> Engine:
    """The same test on each of the three databases."""
    return make_engine(request.param)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the
    main thread until the session ends, and pytest-asyncio cannot start one beside it."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/e2e/dashboard/"))
