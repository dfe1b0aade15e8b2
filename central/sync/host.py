"""Central as a sync server: the device credential, transactions, clock and hooks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from central.kit.auth import require
from central.kit.state import CentralState
from shared.db import tables as t
from shared.domain.enums import Role
from shared.domain.errors import Forbidden
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation
from shared.ops.recorder import Replica
from shared.security.tokens import Principal
from sync.server import Pusher, copy_chain_wide

T = TypeVar("T")
_DEVICE_KINDS: dict[Any, str] = {}


async def device_pusher(
    request: Request, principal: Annotated[Principal, Depends(require(Role.DEVICE))]
) -> Pusher:
    """Only enrolled devices sync; a PC pushes its own operations, an edge its store's."""
    if principal.role is not Role.DEVICE or principal.store_id is None:
        raise Forbidden("only enrolled devices sync")
    state: CentralState = request.app.state.central

    def kind(session: Session) -> str:
        device = session.get(t.Device, principal.subject)
        return device.kind if device is not None else "pc"

    device_kind = _DEVICE_KINDS.get(principal.subject)
    if device_kind is None:  # a device's kind never changes: read it once per process
        device_kind = _DEVICE_KINDS[principal.subject] = await state.database.read(kind)
    return Pusher(principal.store_id, None if device_kind == "edge" else principal.subject,
                  credential_id=principal.subject)


class CentralSyncHost:
    def __init__(self, state: CentralState, replica: Replica) -> None:
        self.state = state
        self.replica = replica

    async def transact(self, function: Callable[[Session], T]) -> T:
        return await self.state.database.read(function)

    def clock(self) -> HybridLogicalClock:
        return self.replica.clock

    def heartbeat(self, session: Session, caller: Pusher, beat: dict[str, Any]) -> None:
        device_id = caller.credential_id
        if device_id is None:
            return
        now = datetime.now(UTC)
        beat = dict(beat)
        if beat.get("clock_offset_ms") is None and isinstance(beat.get("wall_ms"), int):
            # No measurement from the device yet: what its clock said against ours.
            beat["clock_offset_ms"] = int(now.timestamp() * 1000) - beat["wall_ms"]
        device = session.get(t.Device, device_id)
        if device is not None:
            device.last_seen_at = now
            device.app_version = str(beat.get("app_version") or "")[:40] or None
            device.last_heartbeat = beat

    def accepted(self, session: Session, ops: Sequence[Operation]) -> None:
        """Central is the chain's root: what every store must learn goes chain-wide
        (docs/sync-protocol.md "Records every store learns")."""
        copy_chain_wide(session, ops, self.replica.device_id)

    async def applied(self, ops: Sequence[Operation]) -> None:
        await self.state.invalidate_after(ops)


async def sync_host(request: Request) -> CentralSyncHost:
    state: CentralState = request.app.state.central
    replica = state.database.loaded_replica or await state.database.read(state.database.replica)
    return CentralSyncHost(state, replica)


