"""Undo this PC's last sale or stock-out: opposite movements, never an edit.

The ledger is append-only, so a mistaken document is undone by a reversing entry: one
movement per original line with the same kind and the opposite quantity (a reverted
sale is a sale of minus the units, so sales per product and per day net out), the
same ``document_id`` (the document's movements then sum to zero) and the reference
``"revert"``. The operation log records who reverted it, on which PC and when, as it
does for every write; the revert is also written to this PC's ``audit_events``.

Only cart documents (:mod:`desktop.app.sales`) made on this PC are reverted, the last
one only (the cart remembers it in this PC's ``replica_meta``), and once: reverting
again raises AlreadyReverted. Customer returns and single movements from the command
line are not documents of the counter.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.counter_errors import AlreadyReverted, NothingToRevert
from desktop.app.sales import (
    COUNTER,
    REVERT,
    Receipt,
    checked_reason,
    last_document,
    record_document,
)
from desktop.app.scanning import CartLine, product_unit, shelf_prices
from shared.db import tables as t
from shared.domain.enums import MovementKind, Unit
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder
from shared.settings import business_day


def revert_last(
    session: Session, recorder: Recorder, store_id: uuid.UUID,
    user_id: uuid.UUID | None = None, *, reason: str | None = None,
) -> Receipt:
    """Record the opposite of this PC's last confirmed sale or stock-out, as a whole.

    Returns the revert's receipt (``reverts`` true, the original ``document_id`` and
    kind, quantities as they were, levels after the revert); its amount is at the
    shelf prices of the original's day. NothingToRevert when this PC has confirmed no
    document, AlreadyReverted when its last one is already undone.
    """
    device_id = recorder.replica.device_id
    last = last_document(session)
    m = t.StockMovement
    rows = [] if last is None else session.scalars(
        select(m).where(m.store_id == store_id, m.product_id.in_(last[1]),
                        m.document_id == last[0], m.device_id == device_id,
                        m.reference.in_((COUNTER, REVERT)))
        .order_by(m.hlc, m.id)
    ).all()
    if last is None or not rows:
        raise NothingToRevert("this PC has no sale or stock-out to revert")
    document_id = last[0]
    if any(row.reference == REVERT for row in rows):
        raise AlreadyReverted(document_id)
    why = checked_reason(reason, required=False)
    products = {product.id: product for product in session.scalars(
        select(t.Product).where(t.Product.id.in_({row.product_id for row in rows})))}
    prices = shelf_prices(session, store_id, business_day(rows[0].occurred_at),
                          list(products))
    lines = []
    for row in rows:
        product = products.get(row.product_id)
        lines.append(CartLine(
            row.product_id, (product.sku if product else None) or "",
            (product.name if product else None) or "",
            product_unit(product) if product else Unit.UNIT, abs(row.qty_milli),
            prices.get(row.product_id), "", "revert"))
    kind = MovementKind(rows[0].kind)
    receipt = record_document(
        session, recorder, store_id, kind, lines, document_id=document_id,
        reference=REVERT, reason=why, user_id=user_id,
        sign=1 if rows[0].qty_milli < 0 else -1,
    )
    session.add(t.AuditEvent(
        id=new_id(), at=datetime.now(UTC), user_id=recorder.user_id, device_id=device_id,
        store_id=store_id, action="counter.document_reverted", entity="stock_movement",
        entity_id=document_id,
        details={"kind": kind.name, "lines": len(lines), "reason": why,
                 "operations": [str(op.op_id) for op in recorder.made[-len(lines):]]},
    ))
    return receipt
