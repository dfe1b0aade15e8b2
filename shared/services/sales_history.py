"""Daily sales, stock-out days and shelf prices per store and product, from the ledger.

What demand forecasting reads, the same way at HQ (PostgreSQL, every store) and on a
store PC (its SQLCipher replica, its own store):

- **Units sold on a day** are the sale movements of that business day (Buenos Aires),
  as positive quantities; a day with no sale is a day with zero sales (the panel fills
  it). Customer returns, waste and adjustments are not demand and are left out.
- **A stock-out day** ends with the level at zero or below: what sold that day is a
  floor of the demand, not the demand, and the model is told so. Levels follow the
  ledger rule (latest count plus the movements after it, a document confirmed twice
  counted once), replayed in operation order and read at the end of each day.
- **The price of a day** is the shelf price in force (the store's own entry before a
  chain-wide one), by the rule of :func:`shared.services.catalog.price_on`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.ledger import OrderKey
from shared.services.stock import document_winners
from shared.settings import BUSINESS_TIMEZONE, business_day

Pair = tuple[uuid.UUID, uuid.UUID]  # (store_id, product_id)


@dataclass
class SalesHistory:
    """Everything the panel needs for one window, keyed by store and product ids."""

    start: date
    end: date  # inclusive
    #: (day, store_id, product_id, units) for days with sales
    sales: list[tuple[date, uuid.UUID, uuid.UUID, float]] = field(default_factory=list)
    #: (store_id, product_id) -> the days in the window that ended out of stock
    stockouts: dict[Pair, set[date]] = field(default_factory=dict)
    #: (store_id, product_id) -> {day: price in cents} for each day of the window with one
    prices: dict[Pair, dict[date, int]] = field(default_factory=dict)

    @property
    def pairs(self) -> set[Pair]:
        return {(store, product) for _, store, product, _ in self.sales}


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants (UTC) from the start of ``start`` to the end of ``end`` in Buenos Aires."""
    first = datetime.combine(start, time.min, BUSINESS_TIMEZONE).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time.min, BUSINESS_TIMEZONE)
    return first, after.astimezone(UTC)


def daily_sales(
    session: Session, start: date, end: date, *, store_ids: Collection[uuid.UUID] | None = None,
) -> list[tuple[date, uuid.UUID, uuid.UUID, float]]:
    """Units sold per business day, store and product, over ``start``..``end``."""
    first, after = _day_bounds(start, end)
    query = select(t.StockMovement.store_id, t.StockMovement.product_id,
                   t.StockMovement.occurred_at, t.StockMovement.qty_milli).where(
        t.StockMovement.kind == int(MovementKind.SALE),
        t.StockMovement.occurred_at >= first, t.StockMovement.occurred_at < after)
    if store_ids is not None:
        query = query.where(t.StockMovement.store_id.in_(sorted(store_ids)))
    totals: dict[tuple[date, uuid.UUID, uuid.UUID], int] = defaultdict(int)
    for row in session.execute(query):
        totals[(business_day(row.occurred_at), row.store_id, row.product_id)] += -row.qty_milli
    return [(day, store, product, milli / 1000)
            for (day, store, product), milli in sorted(totals.items()) if milli > 0]


def stockout_days(
    session: Session, pairs: Collection[Pair], start: date, end: date
) -> dict[Pair, set[date]]:
    """The days of ``start``..``end`` each pair ended with nothing (or less) on hand."""
    if not pairs:
        return {}
    stores = sorted({store for store, _ in pairs})
    products = sorted({product for _, product in pairs})
    wanted = set(pairs)
    events: dict[Pair, list[tuple[OrderKey, date, int, bool]]] = defaultdict(list)
    moves = session.execute(
        select(t.StockMovement.store_id, t.StockMovement.product_id, t.StockMovement.hlc,
               t.StockMovement.device_id, t.StockMovement.op_id, t.StockMovement.qty_milli,
               t.StockMovement.invoice_key, t.StockMovement.occurred_at)
        .where(t.StockMovement.store_id.in_(stores), t.StockMovement.product_id.in_(products))
    ).all()
    winners = document_winners(session, {m.invoice_key for m in moves if m.invoice_key})
    for m in moves:
        pair = (m.store_id, m.product_id)
        if pair in wanted and (m.invoice_key is None or winners.get(m.invoice_key) == m.op_id):
            events[pair].append(((m.hlc, m.device_id, m.op_id), business_day(m.occurred_at),
                                 m.qty_milli, False))
    for c in session.execute(
        select(t.CountEntry.store_id, t.CountEntry.product_id, t.CountEntry.hlc,
               t.CountEntry.device_id, t.CountEntry.op_id, t.CountEntry.qty_milli,
               t.CountEntry.counted_at)
        .where(t.CountEntry.store_id.in_(stores), t.CountEntry.product_id.in_(products))
    ):
        pair = (c.store_id, c.product_id)
        if pair in wanted:
            events[pair].append(((c.hlc, c.device_id, c.op_id), business_day(c.counted_at),
                                 c.qty_milli, True))
    return {pair: _days_out(events.get(pair, []), start, end) for pair in wanted}


def _days_out(events: Iterable[tuple[OrderKey, date, int, bool]], start: date,
              end: date) -> set[date]:
    """Replay one pair's ledger in operation order; the days whose closing level is <= 0."""
    closing: dict[date, int] = {}
    level = 0
    for _key, day, qty, is_count in sorted(events, key=lambda event: event[0]):
        level = qty if is_count else level + qty
        closing[day] = level
    out: set[date] = set()
    level = 0
    for day in sorted(d for d in closing if d < start):
        level = closing[day]
    day = start
    while day <= end:
        level = closing.get(day, level)
        if level <= 0:
            out.add(day)
        day += timedelta(days=1)
    return out


def daily_prices(
    session: Session, pairs: Collection[Pair], start: date, end: date
) -> dict[Pair, dict[date, int]]:
    """The shelf price in force each day, per pair (days before any price are absent)."""
    products = sorted({product for _, product in pairs})
    if not products:
        return {}
    entries: dict[uuid.UUID, list[tuple[date, int, OrderKey, uuid.UUID | None, int]]] = (
        defaultdict(list))
    for p in session.execute(
        select(t.Price.product_id, t.Price.store_id, t.Price.effective_from, t.Price.hlc,
               t.Price.device_id, t.Price.op_id, t.Price.price_cents)
        .where(t.Price.product_id.in_(products), t.Price.effective_from <= end)
    ):
        own = 0 if p.store_id is None else 1
        entries[p.product_id].append((p.effective_from, own, (p.hlc, p.device_id, p.op_id),
                                      p.store_id, p.price_cents))
    found: dict[Pair, dict[date, int]] = {}
    for store, product in pairs:
        # The rule's order: effective date, then the store's own entry, then operation order.
        applying = sorted(e for e in entries.get(product, []) if e[3] in (None, store))
        by_day: dict[date, int] = {}
        position, current = 0, None
        day = start
        while day <= end:
            while position < len(applying) and applying[position][0] <= day:
                current = applying[position][4]
                position += 1
            if current is not None:
                by_day[day] = current
            day += timedelta(days=1)
        found[(store, product)] = by_day
    return found


def sales_history(
    session: Session, start: date, end: date, *, store_ids: Collection[uuid.UUID] | None = None,
    with_prices: bool = True,
) -> SalesHistory:
    """Daily sales, stock-out days and (optionally) prices of every pair that sold."""
    history = SalesHistory(start, end, daily_sales(session, start, end, store_ids=store_ids))
    pairs = history.pairs
    history.stockouts = stockout_days(session, pairs, start, end)
    if with_prices:
        history.prices = daily_prices(session, pairs, start, end)
    return history
