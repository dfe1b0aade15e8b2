"""Opening central's database for a command or a process (the composition root's helpers)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shared.db.engine import create_db_engine
from shared.db.migrate import current_revision, head_revision
from shared.domain.errors import ConfigError
from shared.ops.recorder import Recorder, Replica, load_replica
from shared.settings import Settings


@dataclass
class Central:
    settings: Settings
    url: str
    engine: Engine

    @contextmanager
    def transaction(self) -> Iterator[tuple[Session, Recorder]]:
        """One unit of work: a session and a recorder for central's own writes; commits."""
        with Session(self.engine) as session, session.begin():
            replica: Replica = load_replica(session)
            yield session, Recorder(session, replica)


def open_central(db: str | None = None, *, require_schema: bool = True) -> Central:
    settings = Settings.load()
    url = db or settings.database_url_or_default()
    engine = create_db_engine(url)
    if require_schema:
        try:
            revision = current_revision(engine)
        except OperationalError as error:
            raise ConfigError(f"cannot reach the database: {error.orig}") from None
        if revision != head_revision():
            raise ConfigError(
                "the database schema is not up to date: run `minimarket central migrate`"
            )
    return Central(settings, url, engine)
