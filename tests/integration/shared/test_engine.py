import os
import sqlite3

import pytest
from sqlalchemy import inspect, text

from shared.db.engine import create_db_engine, open_sqlcipher
from shared.db.migrate import is_up_to_date, upgrade
from shared.domain.errors import WrongPassphrase


def test_a_wrong_sqlcipher_key_is_one_clear_error(tmp_path):
    path = tmp_path / "store.db"
    key = os.urandom(32)
    engine = open_sqlcipher(path, key, create=True)
    upgrade(engine)
    engine.dispose()
    with pytest.raises(WrongPassphrase, match="wrong passphrase or not a Minimarket database"):
        open_sqlcipher(path, os.urandom(32))
    reopened = open_sqlcipher(path, key)
    assert is_up_to_date(reopened)
    reopened.dispose()


def test_a_plain_sqlite_file_is_not_mistaken_for_a_store_database(tmp_path):
    path = tmp_path / "plain.db"
    sqlite3.connect(path).execute("create table t(x)").connection.commit()
    with pytest.raises(WrongPassphrase):
        open_sqlcipher(path, os.urandom(32))


def test_the_store_file_is_unreadable_without_the_key(tmp_path):
    path = tmp_path / "store.db"
    engine = open_sqlcipher(path, os.urandom(32), create=True)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO replica_meta (key, value) VALUES ('secret', 'xyzzy')"))
    engine.dispose()
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(path).execute("SELECT * FROM sqlite_master").fetchall()
    assert b"xyzzy" not in path.read_bytes()
    assert b"SQLite format 3" not in path.read_bytes()[:16]


def test_a_missing_store_database_is_reported_not_created(tmp_path):
    with pytest.raises(FileNotFoundError):
        open_sqlcipher(tmp_path / "nope.db", os.urandom(32))
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.parametrize("backend", ["sqlite", "sqlcipher"])
def test_the_sqlite_family_runs_in_wal_mode(make_engine, backend):
    engine = make_engine(backend)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_migrations_create_every_table_on_each_database(engine):
    import shared.db.tables  # noqa: F401
    from shared.db.base import Base

    assert is_up_to_date(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_the_models_and_the_migrations_agree(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from shared.db.base import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_sqlite_url_creates_its_directory(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'central.db'}")
    upgrade(engine)
    assert (tmp_path / "nested" / "dir" / "central.db").exists()
