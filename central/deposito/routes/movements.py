"""Stock writes: movements, transfers and counts, each request one transaction.

Every write drops the cached stock of the stores it touched, after it committed.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from central.deposito.schemas import CountItem, CountOpen, MovementIn, TransferIn
from central.deposito.service import counts, movements
from central.deposito.service.counts import CountStatus
from central.deposito.web import (
    Paging,
    Reader,
    Search,
    StoreActor,
    json_response,
    read,
    write,
)
from central.identity import find_store
from central.kit.metrics import PRODUCTS_RECEIVED

router = APIRouter(prefix="/api/deposito", tags=["deposito: movements"])


@router.post("/movements", status_code=201, response_class=Response)
async def record_movement(request: Request, principal: StoreActor, body: MovementIn) -> Response:
    """Intake, sale, customer return, supplier return, adjustment (signed) or waste.

    ``quantity`` is positive except for an adjustment (the kind gives the sign), whole
    for products counted in units, at most three decimals. A sale that leaves stock
    negative is recorded and answered with ``"negative": true``.
    """
    result: dict[str, Any] = await write(
        request, principal, movements.record_movement, body, scope=principal.store_id
    )
    if body.kind == "intake":
        PRODUCTS_RECEIVED.labels(result["store"]).inc(float(result["quantity"]))
    return json_response(result, 201)


@router.post("/transfers", status_code=201, response_class=Response)
async def transfer(request: Request, principal: StoreActor, body: TransferIn) -> Response:
    """Move stock between two stores in one transaction: TRANSFER_OUT from
    ``from_store`` and TRANSFER_IN into ``to_store`` sharing a ``transfer_id``, both or
    neither. Store-scoped callers send from their own store only."""
    result: dict[str, Any] = await write(
        request, principal, movements.transfer, body, scope=principal.store_id
    )
    result.pop("store_ids")
    return json_response(result, 201)


@router.post("/counts", status_code=201, response_class=Response)
async def open_count(request: Request, principal: StoreActor, body: CountOpen) -> Response:
    """Open a count session in a store."""
    result = await write(request, principal, counts.open_count, body, scope=principal.store_id)
    return json_response(result, 201)


@router.get("/counts", response_class=Response)
async def list_counts(
    request: Request, principal: Reader, page: Paging,
    store: Annotated[str | None, Query(max_length=32)] = None,
    status: CountStatus | None = None, q: Search = None,
) -> Response:
    """Count sessions, newest first; ``q`` searches their notes."""

    def run(session: Session):  # type: ignore[no-untyped-def]
        found = None if store is None else find_store(session, store)
        return counts.list_counts(session, page, store=found, status=status,
                                  scope=principal.store_id, q=q)

    return json_response(await read(request, run))


@router.get("/counts/{count_id}", response_class=Response)
async def get_count(request: Request, principal: Reader, count_id: uuid.UUID) -> Response:
    return json_response(
        await read(request, counts.count_detail, count_id, scope=principal.store_id)
    )


@router.post("/counts/{count_id}/items", status_code=201, response_class=Response)
async def add_count_item(
    request: Request, principal: StoreActor, count_id: uuid.UUID, body: CountItem
) -> Response:
    """Record that ``quantity`` of a product is on hand now: its own operation, so its
    time is when it was counted. It takes effect at once."""
    result: dict[str, Any] = await write(
        request, principal, counts.add_item, count_id, body, scope=principal.store_id
    )
    result.pop("store_id")
    return json_response(result, 201)


@router.post("/counts/{count_id}/commit", response_class=Response)
async def commit_count(request: Request, principal: StoreActor, count_id: uuid.UUID) -> Response:
    """Close the session: no more items."""
    result = await write(request, principal, counts.commit_count, count_id,
                         scope=principal.store_id)
    return json_response(result)
