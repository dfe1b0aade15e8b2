"""Running the synchronous use cases from async endpoints.

Use cases are plain functions over a ``Session`` (ARCHITECTURE.md "Running modes");
here they run inside ``AsyncSession.run_sync`` on asyncpg or aiosqlite, one transaction
per call. Writes get a :class:`Recorder` stamped with central's device and the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from shared.db.engine import create_async_db_engine, create_db_engine
from shared.ops.model import Operation
from shared.ops.recorder import Recorder, Replica, load_replica

T = TypeVar("T")
DEFAULT_POOL_SIZE = 20


class Database:
    def __init__(self, url: str, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.url = url
        options: dict[str, Any] = {}
        if not url.startswith("sqlite"):
            # Enough connections that 50 concurrent requests never wait for one or open
            # and close overflow connections under load; a few overflow for bursts.
            options = {"pool_size": pool_size, "max_overflow": max(2, pool_size // 4)}
        self.engine: AsyncEngine = create_async_db_engine(url, **options)
        self._replica: Replica | None = None
        #: called with the operations of each committed write (cache invalidation)
        self.after_commit: Callable[[Sequence[Operation]], Awaitable[None]] | None = None

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @property
    def loaded_replica(self) -> Replica | None:
        """This process's replica once a transaction has loaded it (no database call)."""
        return self._replica

    def replica(self, session: Session) -> Replica:
        # One clock per process; the device id is the database's own (central's).
        if self._replica is None:
            self._replica = load_replica(session)
        return self._replica

    async def read(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        async with AsyncSession(self.engine) as session, session.begin():
            return await session.run_sync(lambda sync: function(sync, *args, **kwargs))

    async def read_async(self, function: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``await function(session)`` in one read transaction, for queries whose rows
        should never become Python objects (the database writes the JSON)."""
        async with AsyncSession(self.engine) as session, session.begin():
            return await function(session)

    async def write(
        self, user_id: uuid.UUID | None, function: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """``function(session, recorder, ...)`` in one transaction; committed on return."""

        made: list[Operation] = []

        def run(sync: Session) -> T:
            recorder = Recorder(sync, self.replica(sync), user_id=user_id)
            result = function(sync, recorder, *args, **kwargs)
            made.extend(recorder.made)
            return result

        async with AsyncSession(self.engine) as session, session.begin():
            result = await session.run_sync(run)
        if made and self.after_commit is not None:
            await self.after_commit(made)  # only after the commit: a reader could re-cache
        return result

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


def migrate_sync(url: str) -> None:
    """Bring the schema up to date (the embedded default does it at start-up)."""
    from shared.db.migrate import upgrade

    engine = create_db_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
