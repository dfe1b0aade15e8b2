"""Stock queries shared by central and the store client."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.numbers import milli_to_quantity


def visible_products(store_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Products a store can see: the catalog, not archived (provisional ones included)."""
    return and_(
        t.Product.deleted.is_(False),
        or_(t.Product.archived.is_(None), t.Product.archived.is_(False)),
        t.Product.sku.is_not(None),
    )


def stock_snapshot(session: Session, store: t.Store) -> dict[str, Any]:
    """CONTRACTS.md ``stock --json``: every visible product, zero and negative included,
    sorted by sku as a string."""
    rows = session.execute(
        select(t.Product.sku, t.StockLevel.qty_milli)
        .outerjoin(
            t.StockLevel,
            and_(t.StockLevel.product_id == t.Product.id, t.StockLevel.store_id == store.id),
        )
        .where(visible_products(store.id))
    ).all()
    items: dict[str, int] = {}
    for sku, qty in rows:
        if sku is not None:  # visible_products excludes it; this tells the type checker
            items[sku] = items.get(sku, 0) + (qty or 0)
    return {
        "store": store.code,
        "items": [{"sku": sku, "quantity": milli_to_quantity(items[sku])} for sku in sorted(items)],
    }


def below_minimum(session: Session, store: t.Store) -> list[dict[str, Any]]:
    """Products whose level in ``store`` is under their minimum, most short first."""
    level = func.coalesce(t.StockLevel.qty_milli, 0)
    rows = session.execute(
        select(t.Product.sku, t.Product.name, level.label("qty"), t.Product.min_stock_milli)
        .outerjoin(
            t.StockLevel,
            and_(t.StockLevel.product_id == t.Product.id, t.StockLevel.store_id == store.id),
        )
        .where(visible_products(store.id))
        .where(t.Product.min_stock_milli.is_not(None))
        .where(level < t.Product.min_stock_milli)
        .order_by((level - t.Product.min_stock_milli), t.Product.sku)
    ).all()
    return [
        {"sku": row.sku, "name": row.name, "quantity": milli_to_quantity(row.qty),
         "minimum": milli_to_quantity(row.min_stock_milli)}
        for row in rows
    ]
