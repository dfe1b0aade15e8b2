"""The *Inicio* screen's figures for one business day (America/Argentina/Buenos_Aires).

One read-only call gives everything the home screen shows; the screen refreshes it on
a timer and after each local write. Usage::

    with Session(store.engine) as session:
        summary = home_summary(session, store.store_id)
    summary.sales.amount_cents, summary.critical, summary.outbox_pending

Sales are valued at each product's shelf price of that day here (VAT included; a
provisional product's price typed on this PC while HQ has none): the ledger records
quantities, not the amount charged. Movements fall on the day their
``occurred_at`` does, in Buenos Aires time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.prices import price_changes_since_relabel
from desktop.app.quantities import day_bounds
from desktop.app.quantities import today as business_today
from desktop.app.scanning import shelf_prices
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.invoices import line_amount_cents
from shared.domain.numbers import milli_to_quantity
from shared.services.stock import document_winners, store_levels, visible_products
from sync.client import outbox_counts

DEFAULT_CRITICAL = 10


@dataclass(frozen=True)
class SalesOfDay:
    tickets: int  # sale documents (a movement without one is its own); reverted ones left out
    lines: int  # sale lines of those documents
    units: int | Decimal
    amount_cents: int  # at the day's shelf price here
    unpriced_lines: int  # lines of products with no price that day (not in the amount)
    returns: int  # customer returns recorded that day


@dataclass(frozen=True)
class IntakesOfDay:
    documents: int  # supplier documents confirmed here that day
    lines: int  # intake movements (documents and loose intakes)
    units: int | Decimal  # received units that count toward stock
    duplicates: int  # document movements not counted: confirmed earlier elsewhere


@dataclass(frozen=True)
class CriticalItem:
    product_id: uuid.UUID
    sku: str
    name: str
    level: int | Decimal
    minimum: int | Decimal
    shortage: int | Decimal  # minimum - level
    unit: str = "unidad"  # shared.domain.enums.Unit value: quantities are in kg for "kg"


@dataclass(frozen=True)
class HomeSummary:
    day: date
    sales: SalesOfDay
    intakes: IntakesOfDay
    critical: list[CriticalItem] = field(default_factory=list)  # most short first, top N
    critical_total: int = 0  # every product below its minimum
    price_changes: int = 0  # waiting to be relabelled (desktop.app.prices)
    outbox_pending: int = 0  # operations not yet accepted by the server
    outbox_refused: int = 0  # refused by the server: a person must look at them


def home_summary(
    session: Session, store_id: uuid.UUID, today: date | None = None, *,
    critical_limit: int = DEFAULT_CRITICAL,
) -> HomeSummary:
    """The figures of the business day ``today`` (now in Buenos Aires by default)."""
    day = today or business_today()
    start, end = day_bounds(day)
    moves = session.execute(
        select(t.StockMovement.product_id, t.StockMovement.kind, t.StockMovement.qty_milli,
               t.StockMovement.document_id, t.StockMovement.invoice_key, t.StockMovement.op_id)
        .where(t.StockMovement.store_id == store_id, t.StockMovement.occurred_at >= start,
               t.StockMovement.occurred_at < end,
               t.StockMovement.kind.in_([MovementKind.SALE, MovementKind.CUSTOMER_RETURN,
                                         MovementKind.INTAKE]))
    ).all()
    sales = _sales(session, store_id, day, [m for m in moves if m.kind == MovementKind.SALE],
                   sum(1 for m in moves if m.kind == MovementKind.CUSTOMER_RETURN))
    intakes = _intakes(session, store_id, start, end,
                       [m for m in moves if m.kind == MovementKind.INTAKE])
    critical, total = critical_items(session, store_id, critical_limit)
    outbox = outbox_counts(session)
    return HomeSummary(day, sales, intakes, critical, total,
                       len(price_changes_since_relabel(session, store_id, day)),
                       outbox["pending"], outbox["refused"])


def _sales(
    session: Session, store_id: uuid.UUID, day: date, sold: list[Any], returns: int
) -> SalesOfDay:
    """Sale movements grouped by document: a reverted document (its revert is a sale of
    minus the same units, same document) nets to zero and is left out altogether."""
    documents: dict[object, list[Any]] = defaultdict(list)
    for move in sold:
        documents[move.document_id or move.op_id].append(move)
    kept = [moves for moves in documents.values() if sum(m.qty_milli for m in moves) != 0]
    lines = [move for moves in kept for move in moves]
    prices = shelf_prices(session, store_id, day, list({m.product_id for m in lines}))
    amount = unpriced = 0
    for move in lines:
        price = prices.get(move.product_id)
        if price is None:
            unpriced += 1
        else:
            amount += line_amount_cents(-move.qty_milli, price)
    return SalesOfDay(sum(1 for moves in kept if sum(m.qty_milli for m in moves) < 0),
                      sum(1 for m in lines if m.qty_milli < 0),
                      milli_to_quantity(-sum(m.qty_milli for m in lines)), amount, unpriced,
                      returns)


def _intakes(
    session: Session, store_id: uuid.UUID, start: datetime, end: datetime,
    received: list[Any],
) -> IntakesOfDay:
    documents = session.scalars(
        select(t.InvoiceConfirmation.id)
        .where(t.InvoiceConfirmation.store_id == store_id,
               t.InvoiceConfirmation.confirmed_at >= start,
               t.InvoiceConfirmation.confirmed_at < end)
    ).all()
    winners = document_winners(session, {m.invoice_key for m in received if m.invoice_key})
    counted = [m for m in received
               if m.invoice_key is None or winners.get(m.invoice_key) == m.op_id]
    return IntakesOfDay(len(documents), len(received),
                        milli_to_quantity(sum(m.qty_milli for m in counted)),
                        len(received) - len(counted))


def critical_items(
    session: Session, store_id: uuid.UUID, limit: int = DEFAULT_CRITICAL
) -> tuple[list[CriticalItem], int]:
    """Products below their minimum here, most short first (top ``limit``), and how many."""
    rows = session.execute(
        select(t.Product.id, t.Product.sku, t.Product.name, t.Product.unit,
               t.Product.min_stock_milli)
        .where(visible_products(), t.Product.merged_into.is_(None),
               t.Product.min_stock_milli.is_not(None))
    ).all()
    levels = store_levels(session, [store_id]) if rows else {}
    short = []
    for row in rows:
        level = levels.get((store_id, row.id), 0)
        if level < row.min_stock_milli:
            short.append((row.min_stock_milli - level, row, level))
    short.sort(key=lambda item: (-item[0], item[1].sku or ""))
    items = [CriticalItem(row.id, row.sku or "", row.name or "", milli_to_quantity(level),
                          milli_to_quantity(row.min_stock_milli), milli_to_quantity(gap),
                          row.unit or "unidad")
             for gap, row, level in short[:limit]]
    return items, len(short)
