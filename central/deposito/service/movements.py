"""Stock movements and transfers, each request one ACID transaction through the Recorder.

The stored ``qty_milli`` carries the kind's sign (a sale of 2 is -2000). A sale that
drives stock negative is recorded (it happened) and reported as ``negative``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from central.deposito.errors import FieldError
from central.deposito.schemas import MovementIn, TransferIn, movement_kind
from central.deposito.service.lookups import (
    check_scope,
    quantity_milli,
    resolve_product,
    store_in_body,
)
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.ids import new_id
from shared.domain.numbers import milli_to_quantity, to_cents
from shared.ops.recorder import Recorder
from shared.services.stock import store_levels

COSTED_KINDS = frozenset({MovementKind.INTAKE, MovementKind.SUPPLIER_RETURN})


def level_of(session: Session, store_id: uuid.UUID, product_id: uuid.UUID) -> int:
    return store_levels(session, [store_id], [product_id]).get((store_id, product_id), 0)


def record_movement(
    session: Session, recorder: Recorder, body: MovementIn, *, scope: uuid.UUID | None
) -> dict[str, Any]:
    store = store_in_body(session, body.store)
    check_scope(scope, store.id)
    product, weight = resolve_product(session, body)
    kind = movement_kind(body.kind)
    value = body.quantity if body.quantity is not None else weight
    if value is None:
        raise FieldError("quantity", "required (only a weight label carries its own)")
    milli = quantity_milli(product, value)
    signed = milli * kind.sign if kind.sign else milli
    if body.unit_cost is not None and kind not in COSTED_KINDS:
        raise FieldError("unit_cost", "only an intake or a supplier return carries a cost")
    op = recorder.append("stock_movement", {
        "store_id": store.id, "product_id": product.id, "kind": int(kind), "qty_milli": signed,
        "unit_cost_cents": None if body.unit_cost is None else to_cents(body.unit_cost),
        "reason": body.reason, "reference": body.reference,
        "occurred_at": body.occurred_at or datetime.now(UTC),
    }, store_id=store.id)
    level = level_of(session, store.id, product.id)
    return {
        "id": op.entity_id, "store": store.code, "store_id": store.id, "product_id": product.id,
        "sku": product.sku, "kind": body.kind, "quantity": milli_to_quantity(signed),
        "level": milli_to_quantity(level), "negative": level < 0,
    }


@dataclass(frozen=True)
class TransferLine:
    product: t.Product
    milli: int


def _leg(
    recorder: Recorder, store: t.Store, lines: Sequence[TransferLine], kind: MovementKind,
    transfer_id: uuid.UUID, reference: str | None, at: datetime,
) -> list[uuid.UUID]:
    """One side of a transfer: a movement per line, all applied together."""
    with recorder.batch():
        return [
            recorder.append("stock_movement", {
                "store_id": store.id, "product_id": line.product.id, "kind": int(kind),
                "qty_milli": kind.sign * line.milli, "transfer_id": transfer_id,
                "reference": reference, "occurred_at": at,
            }, store_id=store.id).entity_id
            for line in lines
        ]


def transfer(
    session: Session, recorder: Recorder, body: TransferIn, *, scope: uuid.UUID | None
) -> dict[str, Any]:
    """TRANSFER_OUT from one store and TRANSFER_IN into the other: both or neither.

    Store-scoped callers may only send from their own store.
    """
    source = store_in_body(session, body.from_store, "from_store")
    target = store_in_body(session, body.to_store, "to_store")
    if source.id == target.id:
        raise FieldError("to_store", "a transfer goes to another store")
    check_scope(scope, source.id)
    lines: list[TransferLine] = []
    for n, line in enumerate(body.lines):
        product, _ = resolve_product(session, line, f"lines.{n}.product")
        lines.append(TransferLine(product, quantity_milli(product, line.quantity,
                                                          f"lines.{n}.quantity")))
    transfer_id, at = new_id(), datetime.now(UTC)
    _leg(recorder, source, lines, MovementKind.TRANSFER_OUT, transfer_id, body.reference, at)
    _leg(recorder, target, lines, MovementKind.TRANSFER_IN, transfer_id, body.reference, at)
    levels = store_levels(session, [source.id, target.id], [line.product.id for line in lines])
    return {
        "transfer_id": transfer_id, "from_store": source.code, "to_store": target.code,
        "store_ids": [source.id, target.id],
        "lines": [
            {"product_id": line.product.id, "sku": line.product.sku,
             "quantity": milli_to_quantity(line.milli),
             "from_level": milli_to_quantity(levels.get((source.id, line.product.id), 0)),
             "to_level": milli_to_quantity(levels.get((target.id, line.product.id), 0))}
            for line in lines
        ],
    }
