"""Stock look-up (the *Stock* screen): search as you type and a product's history.

Read-only use cases over a session (no recorder): the screen calls them off the UI
thread on every keystroke and redraws from the rows. Usage::

    index = CatalogIndex()                      # kept by the screen between keystrokes
    with Session(store.engine) as session:
        rows = search_products(session, store.store_id, "yerba playadito", index=index)
        history = product_history(session, store.store_id, rows[0].product_id)

A code typed or scanned exactly (sku, any barcode, a scale label) comes first; then
the products matching every word by name, sku or barcode, best score first (see
:mod:`desktop.app.catalog_index` for the fuzzy rules). Levels and prices are read for
the rows returned only, so a search costs the same on 500 or 50,000 products.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.catalog_index import CatalogIndex, IndexedProduct
from desktop.app.quantities import today
from desktop.app.scanning import shelf_prices
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.errors import UnknownProduct
from shared.domain.numbers import milli_to_quantity
from shared.services.catalog import find_product, fold_text
from shared.services.stock import document_winners, merged_products, store_levels

EXACT_SCORE = 1000.0


@dataclass(frozen=True)
class ProductRow:
    """One row of the stock table. Quantities are in the product's unit (kg or units)."""

    product_id: uuid.UUID
    sku: str
    name: str
    unit: str  # shared.domain.enums.Unit value: "unidad" | "kg"
    level: int | Decimal  # this store's stock level
    level_milli: int
    price_cents: int | None  # today's shelf price here (VAT included; a provisional
    #: product's price typed on this PC while HQ has none); None: no price
    minimum: int | Decimal | None  # None: no minimum set
    below_minimum: bool
    provisional: bool  # created at a counter, waiting for HQ
    barcodes: tuple[str, ...]
    matched_by: str  # "sku" | "barcode" | "scale" (exact code) | "text" (words)
    score: float  # EXACT_SCORE for an exact code, else 0–100
    weight: Decimal | None = None  # kg read from a scale label, when one was scanned


def search_products(
    session: Session, store_id: uuid.UUID, text: str, limit: int = 50, *,
    index: CatalogIndex | None = None, day: date | None = None,
) -> list[ProductRow]:
    """Products for the search box, exact code hits first, at most ``limit`` rows.

    Pass the screen's ``index`` to keep the catalog in memory between keystrokes (it
    reloads itself when a product or barcode changed); without one, a temporary index
    is built (one query). ``day`` is the business day for prices (today by default).
    """
    query = text.strip()
    if not query or limit <= 0:
        return []
    if index is None:
        index = CatalogIndex()
        index.load(session)
    else:
        index.refresh(session)
    picked: dict[uuid.UUID, tuple[IndexedProduct | None, str, float, Decimal | None]] = {}
    try:
        match = find_product(session, query)
    except UnknownProduct:
        match = None
    if match is not None:
        picked[match.product.id] = (None, match.matched_by, EXACT_SCORE, match.weight)
    else:
        exact = index.by_code(query)
        if exact is not None:
            picked[exact.product_id] = (exact, "sku", EXACT_SCORE, None)
    for found in index.top(query, limit):
        if len(picked) >= limit:
            break
        picked.setdefault(found.product.product_id,
                          (found.product, "text", found.score, None))
    return _rows(session, store_id, index, picked, day or today())


def _rows(
    session: Session, store_id: uuid.UUID, index: CatalogIndex,
    picked: dict[uuid.UUID, tuple[IndexedProduct | None, str, float, Decimal | None]],
    day: date,
) -> list[ProductRow]:
    if not picked:
        return []
    ids = list(picked)
    levels = _levels(session, store_id, index, ids)
    prices = shelf_prices(session, store_id, day, ids)
    rows: list[ProductRow] = []
    for product_id, (known, matched_by, score, weight) in picked.items():
        product = known or _indexed(session, index, product_id)
        if product is None:
            continue
        level = levels.get((store_id, product_id), 0)
        minimum = product.min_stock_milli
        rows.append(ProductRow(
            product_id, product.sku, product.name, product.unit, milli_to_quantity(level), level,
            prices.get(product_id), None if minimum is None else milli_to_quantity(minimum),
            minimum is not None and level < minimum, product.provisional, product.barcodes,
            matched_by, score, weight,
        ))
    return rows


def _levels(
    session: Session, store_id: uuid.UUID, index: CatalogIndex, ids: list[uuid.UUID]
) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    """The cached levels; through store_levels (which folds merged products into their
    root, reading every merge) only when a row is such a root."""
    if index.merge_roots.intersection(ids):
        return store_levels(session, [store_id], ids)
    rows = session.execute(select(t.StockLevel.product_id, t.StockLevel.qty_milli).where(
        t.StockLevel.store_id == store_id, t.StockLevel.product_id.in_(ids)))
    return {(store_id, row.product_id): row.qty_milli for row in rows}


def _indexed(session: Session, index: CatalogIndex, product_id: uuid.UUID) -> IndexedProduct | None:
    known = index.by_id(product_id)  # an exact hit is nearly always in the index
    if known is not None:
        return known
    row = session.get(t.Product, product_id)
    if row is None:
        return None
    codes = tuple(code for code in session.scalars(
        select(t.Barcode.code).where(t.Barcode.product_id == product_id,
                                     t.Barcode.deleted.is_(False))) if code)
    return IndexedProduct(row.id, row.sku or "", row.name or "", row.unit or "unidad",
                          row.min_stock_milli, bool(row.provisional), codes,
                          fold_text(row.name or ""))


# --- history ------------------------------------------------------------------------


class HistorySource(StrEnum):
    MOVEMENT = "movement"
    COUNT = "count"


@dataclass(frozen=True)
class HistoryEntry:
    """One ledger row of a product in a store, as the history table shows it."""

    source: HistorySource
    kind: MovementKind | None  # the movement's kind; None for a count
    quantity: int | Decimal  # signed for a movement; the quantity observed for a count
    quantity_milli: int
    at: datetime  # when it happened (a count: when the item was counted)
    reason: str | None
    reference: str | None  # a document label ("Factura A 00003-00001234"), a ticket
    invoice_key: str | None
    unit_cost_cents: int | None  # net of VAT
    #: False for a movement of a document confirmed earlier elsewhere (the duplicate
    #: rule): it stays in the ledger, flagged, but does not move stock.
    counts_toward_stock: bool
    user_id: uuid.UUID | None
    user_name: str | None  # full name, else username, of the person who made it
    device_id: uuid.UUID
    product_id: uuid.UUID  # a product merged into this one shows its own rows too
    count_session_id: uuid.UUID | None
    entry_id: uuid.UUID
    order_key: tuple[int, uuid.UUID, uuid.UUID]  # (hlc, device, operation): ledger order


def product_history(
    session: Session, store_id: uuid.UUID, product_id: uuid.UUID, limit: int = 100
) -> list[HistoryEntry]:
    """The product's movements and counts in this store, newest first (ledger order).

    Rows of products merged into it are included: its level counts them too.
    """
    ids = [product_id, *(member for member, merge in merged_products(session).items()
                         if merge.root == product_id)]
    moves = session.scalars(
        select(t.StockMovement)
        .where(t.StockMovement.store_id == store_id, t.StockMovement.product_id.in_(ids))
        .order_by(t.StockMovement.hlc.desc(), t.StockMovement.device_id.desc(),
                  t.StockMovement.op_id.desc())
        .limit(limit)
    ).all()
    counts = session.scalars(
        select(t.CountEntry)
        .where(t.CountEntry.store_id == store_id, t.CountEntry.product_id.in_(ids))
        .order_by(t.CountEntry.hlc.desc(), t.CountEntry.device_id.desc(),
                  t.CountEntry.op_id.desc())
        .limit(limit)
    ).all()
    winners = document_winners(session, {m.invoice_key for m in moves if m.invoice_key})
    names = _user_names(session, {m.user_id for m in moves if m.user_id}
                        | {c.user_id for c in counts if c.user_id})
    entries = [
        HistoryEntry(
            HistorySource.MOVEMENT, MovementKind(m.kind), milli_to_quantity(m.qty_milli),
            m.qty_milli, m.occurred_at, m.reason, m.reference, m.invoice_key, m.unit_cost_cents,
            m.invoice_key is None or winners.get(m.invoice_key) == m.op_id,
            m.user_id, names.get(m.user_id) if m.user_id else None, m.device_id, m.product_id,
            None, m.id, (m.hlc, m.device_id, m.op_id),
        ) for m in moves
    ] + [
        HistoryEntry(
            HistorySource.COUNT, None, milli_to_quantity(c.qty_milli), c.qty_milli,
            c.counted_at, None, None, None, None, True, c.user_id,
            names.get(c.user_id) if c.user_id else None, c.device_id, c.product_id,
            c.count_session_id, c.id, (c.hlc, c.device_id, c.op_id),
        ) for c in counts
    ]
    entries.sort(key=lambda entry: entry.order_key, reverse=True)
    return entries[:limit]


def _user_names(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(t.User.id, t.User.full_name, t.User.username).where(t.User.id.in_(user_ids)))
    return {row.id: row.full_name or row.username or "" for row in rows}
