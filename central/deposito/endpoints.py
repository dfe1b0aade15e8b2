"""Deposito agent (8001): catalog, stock, movements, counts, transfers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from central.identity import find_store
from central.kit.auth import check_store, require
from shared.domain.enums import Role
from shared.domain.jsonout import dumps
from shared.security.tokens import Principal
from shared.services.stock import stock_snapshot

router = APIRouter(prefix="/api/deposito", tags=["deposito"])
Reader = Annotated[
    Principal,
    Depends(require(Role.DEPOSITO, Role.NEGOCIO, Role.CAJERO, Role.DEVICE, Role.ML_SERVICE)),
]


@router.get("/stock")
async def stock(
    request: Request, principal: Reader, store: Annotated[str, Query(max_length=32)]
) -> Any:
    """Every visible product's level in one store (the ``stock --json`` shape)."""
    from fastapi.responses import Response

    def run(session):  # type: ignore[no-untyped-def]
        found = find_store(session, store)
        check_store(principal, found.id)
        return stock_snapshot(session, found)

    snapshot = await request.app.state.central.database.read(run)
    return Response(dumps(snapshot), media_type="application/json")


def routers() -> list[APIRouter]:
    return [router]
