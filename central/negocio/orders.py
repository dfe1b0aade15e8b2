"""Purchase orders: draft → sent → received, or cancelled before they are received.

A draft can be edited; sending needs at least one line. Receiving may take the received
quantities into stock as intake movements, in the same transaction — only when no
supplier invoice will bring them in, or stock would count them twice; so it is off
unless asked for. Any other transition is a 409.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from central.kit.auth import check_store
from central.negocio.common import (
    FieldError,
    amount,
    find_supplier,
    page_of,
    product_for,
    store_codes,
    store_filter,
    store_for,
    supplier_for,
    supplier_names,
)
from central.negocio.schemas import OrderIn, ReceiveIn
from shared.db import tables as t
from shared.domain.enums import MovementKind, PurchaseOrderStatus
from shared.domain.errors import Conflict, NotFound
from shared.domain.ids import new_id
from shared.domain.invoices import line_amount_cents
from shared.domain.numbers import milli_to_quantity, to_cents, to_milli
from shared.ops.recorder import Recorder
from shared.security.tokens import Principal

Status = PurchaseOrderStatus
#: action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "send": (frozenset({Status.DRAFT}), Status.SENT),
    "receive": (frozenset({Status.SENT}), Status.RECEIVED),
    "cancel": (frozenset({Status.DRAFT, Status.SENT}), Status.CANCELLED),
}


class InvalidTransition(Conflict):
    pass


@dataclass
class Transition:
    order_id: uuid.UUID
    status: Status
    store_id: uuid.UUID | None
    store_code: str | None
    movements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def units_received_milli(self) -> int:
        return sum(movement["qty_milli"] for movement in self.movements)


def _get(session: Session, principal: Principal, order_id: uuid.UUID) -> t.PurchaseOrder:
    order = session.get(t.PurchaseOrder, order_id)
    if order is None or order.deleted:
        raise NotFound(f"unknown purchase order {order_id}")
    if order.store_id is not None:
        check_store(principal, order.store_id)
    return order


def _locked(session: Session, principal: Principal, order_id: uuid.UUID) -> t.PurchaseOrder:
    """The order, locked until the transaction ends, so two transitions cannot interleave."""
    order = _get(session, principal, order_id)
    if session.get_bind().dialect.name == "postgresql":
        session.refresh(order, with_for_update=True)
    else:  # a no-op write as the first statement takes SQLite's write lock
        session.execute(update(t.PurchaseOrder).where(t.PurchaseOrder.id == order.id)
                        .values(deleted=t.PurchaseOrder.deleted))
        session.refresh(order)
    return order


def _lines(session: Session, order_id: uuid.UUID) -> list[t.PurchaseOrderLine]:
    return list(session.scalars(
        select(t.PurchaseOrderLine)
        .where(t.PurchaseOrderLine.order_id == order_id, t.PurchaseOrderLine.deleted.is_(False))
        .order_by(t.PurchaseOrderLine.id)
    ))


def _write(
    session: Session, recorder: Recorder, principal: Principal, order_id: uuid.UUID,
    body: OrderIn, old_lines: list[t.PurchaseOrderLine], *, new: bool,
) -> None:
    store = store_for(session, principal, body.store, field="store")
    supplier = supplier_for(session, body.supplier, field="supplier")
    header: dict[str, Any] = {"store_id": store.id, "supplier_id": supplier.id,
                              "notes": body.notes}
    if new:
        header |= {"status": Status.DRAFT.value, "created_at": datetime.now(UTC)}
    recorder.upsert("purchase_order", order_id, header, store_id=store.id)
    reusable = {line.product_id: line.id for line in old_lines if line.product_id is not None}
    seen: set[uuid.UUID] = set()
    for index, line in enumerate(body.lines):
        product = product_for(session, line.product, field=f"lines.{index}.product")
        if product.id in seen:
            raise FieldError(f"lines.{index}.product", f"product {product.sku} is already ordered")
        seen.add(product.id)
        line_id = reusable.pop(product.id) if product.id in reusable else new_id()
        recorder.upsert("purchase_order_line", line_id, {
            "order_id": order_id, "product_id": product.id, "qty_milli": to_milli(line.quantity),
            "unit_cost_cents": None if line.unit_cost is None else to_cents(line.unit_cost),
        }, store_id=store.id)
    for line_id in reusable.values():
        recorder.delete("purchase_order_line", line_id, store_id=store.id)


def create_order(
    session: Session, recorder: Recorder, principal: Principal, body: OrderIn
) -> uuid.UUID:
    """A draft order; other agents (reorder suggestions) create drafts through this too."""
    order_id = new_id()
    _write(session, recorder, principal, order_id, body, [], new=True)
    return order_id


def replace_order(
    session: Session, recorder: Recorder, principal: Principal, order_id: uuid.UUID,
    body: OrderIn,
) -> uuid.UUID:
    order = _locked(session, principal, order_id)
    if order.status != Status.DRAFT:
        raise InvalidTransition(f"purchase order {order.id} is {order.status}: "
                                "only a draft can be edited")
    _write(session, recorder, principal, order.id, body, _lines(session, order.id), new=False)
    return order.id


def transition(
    session: Session, recorder: Recorder, principal: Principal, order_id: uuid.UUID,
    action: str, receive: ReceiveIn | None = None,
) -> Transition:
    order = _locked(session, principal, order_id)
    sources, target = TRANSITIONS[action]
    if order.status not in sources:
        allowed = " or ".join(sorted(s.value for s in sources))
        raise InvalidTransition(f"cannot {action} purchase order {order.id}: it is "
                                f"{order.status}, not {allowed}")
    lines = _lines(session, order.id)
    if action == "send" and not lines:
        raise InvalidTransition(f"purchase order {order.id} has no lines to send")
    now = datetime.now(UTC)
    stamp = {"send": "sent_at", "receive": "received_at"}.get(action)
    code = store_codes(session).get(order.store_id) if order.store_id else None
    result = Transition(order.id, target, order.store_id, code)
    with recorder.batch():
        recorder.upsert("purchase_order", order.id,
                        {"status": target.value, **({stamp: now} if stamp else {})},
                        store_id=order.store_id)
        if action == "receive" and receive is not None and receive.create_movements:
            result.movements = _receive(session, recorder, order, lines, receive, now)
    return result


def _receive(
    session: Session, recorder: Recorder, order: t.PurchaseOrder,
    lines: list[t.PurchaseOrderLine], body: ReceiveIn, now: datetime,
) -> list[dict[str, Any]]:
    ordered = {line.product_id: line for line in lines}
    if body.lines is None:
        received = {line.product_id: line.qty_milli or 0 for line in lines}
    else:
        received = {}
        for index, item in enumerate(body.lines):
            where = f"lines.{index}.product"
            product = product_for(session, item.product, field=where)
            if product.id not in ordered:
                raise FieldError(where, f"product {product.sku} is not in this order")
            if product.id in received:
                raise FieldError(where, f"product {product.sku} appears twice")
            received[product.id] = to_milli(item.quantity)
    movements = []
    for product_id, qty_milli in received.items():
        if product_id is None or qty_milli <= 0 or order.store_id is None:
            continue
        movement = {
            "store_id": order.store_id, "product_id": product_id,
            "kind": MovementKind.INTAKE.value, "qty_milli": qty_milli,
            "unit_cost_cents": ordered[product_id].unit_cost_cents,
            "reference": f"Orden de compra {order.id}", "document_id": order.id,
            "occurred_at": now,
        }
        recorder.append("stock_movement", movement, store_id=order.store_id)
        movements.append(movement)
    return movements


# --- reading ----------------------------------------------------------------------------------


def _out(
    order: t.PurchaseOrder, lines: list[t.PurchaseOrderLine] | None,
    names: dict[uuid.UUID, str | None], codes: dict[uuid.UUID, str | None],
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": order.id, "status": order.status,
        "supplier": {"id": order.supplier_id, "name": names.get(order.supplier_id)}
        if order.supplier_id else None,
        "store": codes.get(order.store_id) if order.store_id else None,
        "notes": order.notes, "created_at": order.created_at, "sent_at": order.sent_at,
        "received_at": order.received_at,
    }
    if lines is not None:
        out["lines"] = [{
            "product_id": line.product_id, "quantity": milli_to_quantity(line.qty_milli or 0),
            "unit_cost": amount(line.unit_cost_cents),
            "amount": None if line.unit_cost_cents is None else amount(
                line_amount_cents(line.qty_milli or 0, line.unit_cost_cents)),
        } for line in lines]
    return out


def list_orders(
    session: Session, principal: Principal, *, status: Status | None, supplier: str | None,
    store: str | None, page: int, size: int,
) -> dict[str, Any]:
    query = select(t.PurchaseOrder).where(t.PurchaseOrder.deleted.is_(False))
    store_id = store_filter(session, principal, store)
    if store_id is not None:
        query = query.where(t.PurchaseOrder.store_id == store_id)
    if status is not None:
        query = query.where(t.PurchaseOrder.status == status.value)
    if supplier:
        found = find_supplier(session, supplier)
        if found is None:
            raise NotFound(f"unknown supplier {supplier!r}")
        query = query.where(t.PurchaseOrder.supplier_id == found.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    orders = list(session.scalars(query.order_by(t.PurchaseOrder.id.desc())
                                  .offset((page - 1) * size).limit(size)))
    names = supplier_names(session, (order.supplier_id for order in orders))
    codes = store_codes(session)
    return page_of([_out(order, None, names, codes) for order in orders], total, page, size)


def order_detail(session: Session, principal: Principal, order_id: uuid.UUID) -> dict[str, Any]:
    order = _get(session, principal, order_id)
    names = supplier_names(session, [order.supplier_id])
    lines = _lines(session, order.id)
    out = _out(order, lines, names, store_codes(session))
    products = {p.id: p for p in session.scalars(
        select(t.Product).where(t.Product.id.in_({line.product_id for line in lines})))}
    received = dict(session.execute(
        select(t.StockMovement.product_id, func.sum(t.StockMovement.qty_milli))
        .where(t.StockMovement.document_id == order.id)
        .group_by(t.StockMovement.product_id)
    ).all())
    for entry, line in zip(out["lines"], lines, strict=True):
        product = products.get(line.product_id) if line.product_id else None
        entry["sku"], entry["name"] = (product.sku, product.name) if product else (None, None)
        done = received.get(line.product_id, 0) if line.product_id else 0
        entry["received"] = milli_to_quantity(int(done or 0))
    out["total"] = amount(sum(
        line_amount_cents(line.qty_milli or 0, line.unit_cost_cents)
        for line in lines if line.unit_cost_cents is not None))
    return out
