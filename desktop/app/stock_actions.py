"""The store's stock use cases, without Qt: what a button or a `store` command does.

Each function takes a session and a recorder (one transaction, committed by the
caller) and returns a plain result. A sale that drives stock negative is recorded — it
happened — and the result says so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.enums import MovementKind, Unit
from shared.domain.errors import ValidationError
from shared.domain.numbers import milli_to_quantity, to_cents, to_milli
from shared.ops.recorder import Recorder
from shared.services.catalog import ProductMatch, find_product

NEEDS_REASON = frozenset({MovementKind.ADJUSTMENT, MovementKind.WASTE,
                          MovementKind.CUSTOMER_RETURN})


@dataclass(frozen=True)
class StockResult:
    sku: str
    name: str
    quantity: int | Decimal  # the quantity moved (or counted), as typed
    level: int | Decimal  # the level after the operation
    negative: bool


def _level(session: Session, store_id: uuid.UUID, product_id: uuid.UUID) -> int:
    row = session.get(t.StockLevel, (store_id, product_id))
    return row.qty_milli if row is not None else 0


def _quantity_milli(match: ProductMatch, quantity: Decimal | None) -> int:
    """The quantity in thousandths; a scale label's weight when none is typed."""
    if quantity is None:
        if match.weight is None:
            raise ValidationError("type a quantity")
        quantity = match.weight
    milli = to_milli(quantity)
    if match.product.unit != Unit.KG.value and milli % 1000:
        raise ValidationError(f"{match.product.sku} is sold by the unit: no fractions")
    return milli


def _result(session: Session, store_id: uuid.UUID, product: t.Product, milli: int) -> StockResult:
    level = _level(session, store_id, product.id)
    return StockResult(product.sku or "", product.name or "", milli_to_quantity(milli),
                       milli_to_quantity(level), level < 0)


def move(
    session: Session, recorder: Recorder, store_id: uuid.UUID, code: str, kind: MovementKind,
    quantity: Decimal | None, *, reason: str | None = None, unit_cost: Decimal | None = None,
    reference: str | None = None,
) -> StockResult:
    """Record one movement of ``kind``; ``quantity`` as typed (its sign follows the kind)."""
    match = find_product(session, code)
    milli = _quantity_milli(match, quantity)
    if kind.sign != 0:
        if milli <= 0:
            raise ValidationError("the quantity must be above zero")
        milli *= kind.sign
    elif milli == 0:
        raise ValidationError("an adjustment of zero changes nothing")
    if kind in NEEDS_REASON and not (reason and reason.strip()):
        raise ValidationError("say why (--reason)")
    recorder.append("stock_movement", {
        "store_id": store_id, "product_id": match.product.id, "kind": kind, "qty_milli": milli,
        "unit_cost_cents": to_cents(unit_cost) if unit_cost is not None else None,
        "reason": reason.strip()[:200] if reason else None, "reference": reference,
        "occurred_at": datetime.now(UTC),
    }, store_id=store_id)
    return _result(session, store_id, match.product, milli)


def count(
    session: Session, recorder: Recorder, store_id: uuid.UUID, code: str, quantity: Decimal,
    *, count_session_id: uuid.UUID | None = None,
) -> StockResult:
    """Record "Q on hand now": the level becomes Q plus whatever happens after."""
    match = find_product(session, code)
    milli = _quantity_milli(match, quantity)
    if milli < 0:
        raise ValidationError("a count cannot be negative")
    recorder.append("count_entry", {
        "store_id": store_id, "product_id": match.product.id, "qty_milli": milli,
        "count_session_id": count_session_id, "counted_at": datetime.now(UTC),
    }, store_id=store_id)
    return _result(session, store_id, match.product, milli)
