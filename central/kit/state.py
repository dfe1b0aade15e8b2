"""What every request of a central process shares: settings, database, cache."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from central.kit.cache import Cache
from central.kit.database import Database
from central.kit.invalidation import CATALOG_ENTITIES, stale_namespaces
from shared.db import tables as t
from shared.ops.model import Operation
from shared.settings import Settings

REVOCATION_CACHE_SECONDS = 5.0


@dataclass
class CentralState:
    settings: Settings
    database: Database
    cache: Cache
    agents: tuple[str, ...]
    _revoked: dict[uuid.UUID, tuple[float, bool]] = field(default_factory=dict)
    #: Bumped (before any await) by every write this process commits: a cache load that
    #: started at an older generation may predate the write, so nobody joins it.
    generation: int = 0
    #: The cache loads in flight, by (namespace, key): their generation and result.
    loading: dict[tuple[str, str], tuple[int, asyncio.Future[str]]] = field(
        default_factory=dict)

    def __post_init__(self) -> None:
        self.database.after_commit = self.invalidate_after

    async def invalidate_after(self, ops: Sequence[Operation]) -> None:
        """Drop the cached reads that committed operations made stale."""
        self.generation += 1
        from sqlalchemy import select

        def store_ids(session: Session) -> list[uuid.UUID]:
            return list(session.scalars(select(t.Store.id)))

        needs_stores = any(op.entity in CATALOG_ENTITIES for op in ops)
        stores = await self.database.read(store_ids) if needs_stores else []
        for namespace in stale_namespaces(ops, stores):
            await self.cache.invalidate(namespace)

    async def device_revoked(self, device_id: uuid.UUID) -> bool:
        """Checked on every device request; remembered a few seconds per process."""
        cached = self._revoked.get(device_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < REVOCATION_CACHE_SECONDS:
            return cached[1]

        def lookup(session: Session) -> bool:
            device = session.get(t.Device, device_id)
            return device is None or device.revoked_at is not None

        revoked = await self.database.read(lookup)
        self._revoked[device_id] = (now, revoked)
        return revoked
