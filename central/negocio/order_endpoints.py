"""HTTP: purchase orders (draft → sent → received, or cancelled)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from central.kit.metrics import PRODUCTS_RECEIVED, PURCHASE_ORDERS_CREATED
from central.negocio import orders
from central.negocio.common import (
    PageNo,
    PageSize,
    Reader,
    Writer,
    json_response,
    read,
    write,
)
from central.negocio.schemas import OrderIn, ReceiveIn
from shared.domain.enums import PurchaseOrderStatus
from shared.domain.numbers import milli_to_quantity
from shared.security.tokens import Principal

router = APIRouter(prefix="/api/negocio/purchase-orders", tags=["negocio: purchase orders"])
OrderId = Annotated[uuid.UUID, Path()]


async def _detail(request: Request, principal: Principal, order_id: uuid.UUID) -> Any:
    return await read(request, orders.order_detail, principal, order_id)


@router.post("", status_code=201)
async def create_order(request: Request, principal: Writer, body: OrderIn) -> Response:
    """A draft order for one supplier and store."""
    order_id = await write(request, principal, orders.create_order, principal, body)
    PURCHASE_ORDERS_CREATED.inc()
    return json_response(await _detail(request, principal, order_id), 201)


@router.get("")
async def list_orders(
    request: Request, principal: Reader, status: PurchaseOrderStatus | None = None,
    supplier: Annotated[str | None, Query(max_length=64, description="Id or CUIT")] = None,
    store: Annotated[str | None, Query(max_length=32)] = None,
    page: PageNo = 1, size: PageSize = 50,
) -> Response:
    """Orders, newest first; a store-scoped caller sees its own store's."""
    def run(session: Session) -> dict[str, Any]:
        return orders.list_orders(session, principal, status=status, supplier=supplier,
                                  store=store, page=page, size=size)

    return json_response(await read(request, run))


@router.get("/{order_id}")
async def show_order(request: Request, principal: Reader, order_id: OrderId) -> Response:
    return json_response(await _detail(request, principal, order_id))


@router.put("/{order_id}")
async def replace_order(
    request: Request, principal: Writer, order_id: OrderId, body: OrderIn
) -> Response:
    """Edit a draft (supplier, store, notes, lines); 409 once it has been sent."""
    await write(request, principal, orders.replace_order, principal, order_id, body)
    return json_response(await _detail(request, principal, order_id))


async def _transition(
    request: Request, principal: Principal, order_id: uuid.UUID, action: str,
    body: ReceiveIn | None = None,
) -> Response:
    result = await write(request, principal, orders.transition, principal, order_id, action,
                         body)
    if result.units_received_milli > 0:
        PRODUCTS_RECEIVED.labels(result.store_code or "?").inc(result.units_received_milli / 1000)
    detail = await _detail(request, principal, order_id)
    detail["movements"] = [
        {"product_id": m["product_id"], "quantity": milli_to_quantity(m["qty_milli"])}
        for m in result.movements
    ]
    return json_response(detail)


@router.post("/{order_id}/send")
async def send_order(request: Request, principal: Writer, order_id: OrderId) -> Response:
    """draft → sent."""
    return await _transition(request, principal, order_id, "send")


@router.post("/{order_id}/receive")
async def receive_order(
    request: Request, principal: Writer, order_id: OrderId, body: ReceiveIn | None = None
) -> Response:
    """sent → received; with ``create_movements`` the received quantities enter stock."""
    received = body or ReceiveIn(create_movements=False, lines=None)
    return await _transition(request, principal, order_id, "receive", received)


@router.post("/{order_id}/cancel")
async def cancel_order(request: Request, principal: Writer, order_id: OrderId) -> Response:
    """draft or sent → cancelled."""
    return await _transition(request, principal, order_id, "cancel")
