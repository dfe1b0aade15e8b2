"""Sync agent (8004): device enrollment; the protocol is mounted here by the sync issue."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from central import identity
from central.kit.auth import require
from shared.domain.enums import Role
from shared.domain.jsonout import dumps
from shared.security.tokens import Principal

router = APIRouter(prefix="/api/sync", tags=["sync"])


class EnrollIn(BaseModel):
    token: str = Field(min_length=10, max_length=200)
    name: str = Field("", max_length=200)
    kind: Literal["pc", "edge"] = "pc"


class EnrollOut(BaseModel):
    device_id: uuid.UUID
    device_secret: str
    store: str
    store_id: uuid.UUID


@router.post("/enroll", response_model=EnrollOut)
async def enroll(request: Request, body: EnrollIn) -> EnrollOut:
    """Trade a one-time enrollment token for a device id and its secret (shown once)."""

    def run(session, _recorder):  # type: ignore[no-untyped-def]
        device, secret, store = identity.enroll_device(
            session, body.token, name=body.name, kind=body.kind
        )
        return EnrollOut(device_id=device.id, device_secret=secret, store=store.code or "",
                         store_id=store.id)

    result: EnrollOut = await request.app.state.central.database.write(None, run)
    return result


@router.get("/conflicts")
async def list_conflicts(
    request: Request,
    _principal: Annotated[Principal, Depends(require(Role.DEPOSITO, Role.NEGOCIO))],
    store: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """Duplicate document confirmations and negative stock, as the ledger stands now."""
    from central.sync.conflicts import conflicts

    data = await request.app.state.central.database.read(conflicts, store)
    return Response(dumps(data), media_type="application/json")


def routers() -> list[APIRouter]:
    from central.sync.host import device_pusher, sync_host
    from sync.transport_server import sync_router

    return [router, sync_router(prefix="/api/sync", pusher=device_pusher, host=sync_host)]
