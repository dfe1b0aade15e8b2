"""Domain conflicts central surfaces for review, computed from the ledger as it stands.

Reading them from the current ledger means a late operation recomputes them by itself:
a duplicate confirmation that arrives first by the clock takes the "counted" place, and
a late intake lifts a level back above zero.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.numbers import milli_to_quantity


def duplicate_documents(session: Session) -> list[dict[str, Any]]:
    """Documents confirmed more than once: the first in operation order counts."""
    rows = session.execute(
        select(t.InvoiceConfirmation, t.Store.code)
        .outerjoin(t.Store, t.Store.id == t.InvoiceConfirmation.store_id)
        .order_by(t.InvoiceConfirmation.invoice_key, t.InvoiceConfirmation.hlc,
                  t.InvoiceConfirmation.device_id, t.InvoiceConfirmation.op_id)
    ).all()
    by_key: dict[str, list[tuple[t.InvoiceConfirmation, str | None]]] = defaultdict(list)
    for confirmation, code in rows:
        by_key[confirmation.invoice_key].append((confirmation, code))
    conflicts = []
    for key, confirmations in by_key.items():
        if len(confirmations) < 2:
            continue
        (first, first_store), *others = confirmations
        conflicts.append({
            "kind": "duplicate_document", "invoice_key": key,
            "counted": {"op_id": first.op_id, "store": first_store, "device_id": first.device_id,
                        "confirmed_at": first.confirmed_at},
            "not_counted": [{"op_id": c.op_id, "store": code, "device_id": c.device_id,
                             "confirmed_at": c.confirmed_at} for c, code in others],
        })
    return conflicts


def negative_stock(session: Session) -> list[dict[str, Any]]:
    """Levels below zero: the sales happened and are kept; someone should look."""
    rows = session.execute(
        select(t.Store.code, t.Product.sku, t.Product.name, t.StockLevel.qty_milli)
        .join(t.Store, t.Store.id == t.StockLevel.store_id)
        .join(t.Product, t.Product.id == t.StockLevel.product_id)
        .where(t.StockLevel.qty_milli < 0)
        .order_by(t.Store.code, t.Product.sku)
    ).all()
    return [{"kind": "negative_stock", "store": code, "sku": sku, "name": name,
             "quantity": milli_to_quantity(qty)} for code, sku, name, qty in rows]


def conflicts(session: Session, store_code: str | None = None) -> dict[str, Any]:
    items = duplicate_documents(session) + negative_stock(session)
    if store_code is not None:
        items = [item for item in items if item.get("store") == store_code or any(
            c.get("store") == store_code
            for c in [item.get("counted", {}), *item.get("not_counted", [])])]
    return {"items": items, "total": len(items)}
