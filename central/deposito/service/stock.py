"""Stock reports from the ledger: across stores, critical (below minimum), a product's
history. Levels come from shared.services.stock.store_levels, which reports the stock
of merged products on the product they were merged into."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    Uuid,
    and_,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from central.deposito import views
from central.deposito.service.lookups import product_by_id, store_codes
from central.deposito.service.paging import Page
from central.deposito.service.products import product_filters
from shared.db import tables as t
from shared.services.stock import (
    SNAPSHOT_SQL,
    document_winners,
    merged_overrides,
    merged_products,
    store_levels,
)


def _store_row(store: t.Store, level: int, minimum: int | None) -> dict[str, Any]:
    return {"store": store.code, "quantity": views.quantity(level),
            "below_minimum": minimum is not None and level < minimum}


def levels_across_stores(
    session: Session, page: Page, stores: list[t.Store], *, below_minimum: bool = False,
    **filters: Any,
) -> dict[str, Any]:
    """Per product (one page of the catalog), its level in each of ``stores``."""
    clauses = product_filters(**filters)
    store_ids = [store.id for store in stores]
    if below_minimum:
        candidates = session.execute(
            select(t.Product.id, t.Product.min_stock_milli)
            .where(*clauses, t.Product.min_stock_milli.is_not(None))
            .order_by(t.Product.sku, t.Product.id)
        ).all()
        levels = store_levels(session, store_ids, [row.id for row in candidates])
        short = [row.id for row in candidates
                 if any(levels.get((s, row.id), 0) < row.min_stock_milli for s in store_ids)]
        total, ids = len(short), page.slice(short)
        found = session.scalars(select(t.Product).where(t.Product.id.in_(ids)))
        products = {product.id: product for product in found}
        rows = [products[product_id] for product_id in ids]
    else:
        total = session.scalar(select(func.count()).select_from(t.Product).where(*clauses)) or 0
        rows = list(session.scalars(
            select(t.Product).where(*clauses).order_by(t.Product.sku, t.Product.id)
            .offset(page.offset).limit(page.size)
        ))
        levels = store_levels(session, store_ids, [row.id for row in rows])
    items = []
    for row in rows:
        per_store = [levels.get((store.id, row.id), 0) for store in stores]
        items.append({
            "product_id": row.id, "sku": row.sku, "name": row.name, "category": row.category,
            "unit": row.unit, "min_stock": views.quantity(row.min_stock_milli),
            "total": views.quantity(sum(per_store)),
            "stores": [_store_row(store, level, row.min_stock_milli)
                       for store, level in zip(stores, per_store, strict=True)],
        })
    return page.body(items, int(total))


def critical_stock(
    session: Session, store: t.Store, page: Page, *, q: str | None = None
) -> tuple[dict[str, Any], int]:
    """Products below their minimum in ``store``, most short first; and how many in all.

    The database picks, counts and pages them; with merged products (whose levels fold
    onto their root) every candidate's level is worked out in Python instead.
    """
    if merged_products(session):
        return _critical_folded(session, store, page, q=q)
    level = func.coalesce(t.StockLevel.qty_milli, 0)
    minimum = t.Product.min_stock_milli
    short = (
        select(t.Product.id, t.Product.sku, t.Product.name, t.Product.unit, minimum,
               level.label("level"))
        .outerjoin(t.StockLevel, and_(t.StockLevel.product_id == t.Product.id,
                                      t.StockLevel.store_id == store.id))
        .where(*product_filters(), minimum.is_not(None), level < minimum)
    )
    critical_total = session.scalar(select(func.count()).select_from(short.subquery())) or 0
    listed = short.where(*product_filters(q=q)) if q else short
    total = (session.scalar(select(func.count()).select_from(listed.subquery())) or 0
             if q else critical_total)
    rows = session.execute(
        listed.order_by(level - minimum, func.coalesce(t.Product.sku, ""), t.Product.id)
        .offset(page.offset).limit(page.size)
    ).all()
    items = [
        {"product_id": row.id, "sku": row.sku, "name": row.name, "unit": row.unit,
         "quantity": views.quantity(row.level), "minimum": views.quantity(row.min_stock_milli),
         "missing": views.quantity(row.min_stock_milli - row.level)}
        for row in rows
    ]
    body = page.body(items, int(total))
    body["store"] = store.code
    return body, int(critical_total)


def _critical_folded(
    session: Session, store: t.Store, page: Page, *, q: str | None = None
) -> tuple[dict[str, Any], int]:
    candidates = session.execute(
        select(t.Product.id, t.Product.sku, t.Product.name, t.Product.unit,
               t.Product.min_stock_milli)
        .where(*product_filters(), t.Product.min_stock_milli.is_not(None))
    ).all()
    levels = store_levels(session, [store.id], [row.id for row in candidates])
    short = sorted(
        ((levels.get((store.id, row.id), 0), row) for row in candidates
         if levels.get((store.id, row.id), 0) < row.min_stock_milli),
        key=lambda item: (item[0] - item[1].min_stock_milli, item[1].sku or ""),
    )
    critical_total = len(short)
    if q:
        matching = set(session.scalars(
            select(t.Product.id).where(*product_filters(q=q))
        ))
        short = [item for item in short if item[1].id in matching]
    items = [
        {"product_id": row.id, "sku": row.sku, "name": row.name, "unit": row.unit,
         "quantity": views.quantity(level), "minimum": views.quantity(row.min_stock_milli),
         "missing": views.quantity(row.min_stock_milli - level)}
        for level, row in page.slice(short)
    ]
    body = page.body(items, len(short))
    body["store"] = store.code
    return body, critical_total


def _history_statement(product_ids: list[uuid.UUID], store_id: uuid.UUID | None):  # type: ignore[no-untyped-def]
    m, c = t.StockMovement, t.CountEntry
    movements = select(
        literal("movement", String).label("entry"), m.id, m.store_id, m.product_id,
        m.kind, m.qty_milli, m.hlc, m.device_id, m.op_id, m.user_id, m.reason, m.reference,
        m.transfer_id, m.invoice_key, cast(null(), Uuid).label("count_session_id"),
        m.occurred_at.label("at"),
    ).where(m.product_id.in_(product_ids))
    counts = select(
        literal("count", String).label("entry"), c.id, c.store_id, c.product_id,
        cast(null(), BigInteger).label("kind"), c.qty_milli, c.hlc, c.device_id, c.op_id,
        c.user_id, cast(null(), String).label("reason"), cast(null(), String).label("reference"),
        cast(null(), Uuid).label("transfer_id"), cast(null(), String).label("invoice_key"),
        c.count_session_id, c.counted_at.label("at"),
    ).where(c.product_id.in_(product_ids))
    if store_id is not None:
        movements = movements.where(m.store_id == store_id)
        counts = counts.where(c.store_id == store_id)
    return union_all(movements, counts).subquery()


def product_history(
    session: Session, product_id: uuid.UUID, page: Page, *, store: t.Store | None = None,
) -> dict[str, Any]:
    """Movements and counts of a product in (hlc, device_id, op_id) order; rows recorded
    against products merged into it are included (``product_id`` tells them apart)."""
    product = product_by_id(session, product_id)
    members = [m.member for m in merged_products(session).values() if m.root == product.id]
    ids = [product.id, *members]
    entries = _history_statement(ids, None if store is None else store.id)
    total = session.scalar(select(func.count()).select_from(entries)) or 0
    rows = session.execute(
        select(entries).order_by(entries.c.hlc, entries.c.device_id, entries.c.op_id)
        .offset(page.offset).limit(page.size)
    ).all()
    winners = document_winners(session, {row.invoice_key for row in rows if row.invoice_key})
    skus = {row.id: row.sku for row in session.execute(
        select(t.Product.id, t.Product.sku).where(t.Product.id.in_(ids)))}
    codes = store_codes(session)
    items = [
        {"entry": row.entry, "id": row.id, "store": codes.get(row.store_id),
         "product_id": row.product_id, "sku": skus.get(row.product_id),
         "kind": None if row.kind is None else views.kind_name(row.kind),
         "quantity": views.quantity(row.qty_milli), "at": row.at, "reason": row.reason,
         "reference": row.reference, "transfer_id": row.transfer_id,
         "invoice_key": row.invoice_key, "count_session_id": row.count_session_id,
         "user_id": row.user_id, "hlc": row.hlc,
         "counts_toward_stock": (row.invoice_key is None
                                 or winners.get(row.invoice_key) == row.op_id)}
        for row in rows
    ]
    body = page.body(items, int(total))
    body.update({"product_id": product.id, "sku": product.sku, "merged_from": members})
    return body


async def snapshot_text(session: AsyncSession, store_id: uuid.UUID, code: str) -> str:
    """A store's stock snapshot as JSON text, written by PostgreSQL (the same bytes as
    ``shared.services.stock.stock_snapshot_json``)."""
    overrides = await session.run_sync(merged_overrides, store_id)  # "{}": one query
    params = {"store_id": store_id, "code": code, "overrides": overrides}
    return str((await session.execute(SNAPSHOT_SQL, params)).scalar_one())
