"""Inflation signals: whose costs ran ahead of the index over the last 30 days.

For each supplier (its products as it invoices them) and each category, the cost increase
over the 30 days up to ``as_of`` against the inflation index over the same days, with the
arithmetic of :mod:`shared.domain.inflation` and the invoice costs of
:mod:`central.negocio.costs`:

- an item's increase is its latest cost invoiced in the window over its latest cost
  invoiced on or before the window's first day (items not bought again say nothing);
- a scope's increase is the geometric mean of its items' ratios, minus one;
- the index is monthly: its change over the window is the change from the month holding
  the window's first day to the month holding its last. While the last month has no
  published value yet (the CPI comes out mid next month), the latest published month
  stands for it, compared with the month as far before it — the most recent change known;
- the gap, in percentage points, is the scope's increase minus the index's. Above
  :data:`SIGNAL_POINTS` (5) the scope is flagged: the ``inflation_gap_points`` gauge
  carries it and the ``InflacionAnomaly`` alert fires on it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.negocio import cost_cache
from central.negocio.costs import item_costs
from central.negocio.inflation import series
from shared.db import tables as t
from shared.domain.inflation import (
    format_month,
    inflation_gap,
    mean_increase,
    month_of,
    ratio_change,
)
from shared.domain.pricing import normalize_category

WINDOW_DAYS = 30
SIGNAL_POINTS = Decimal(5)
_ITEM = tuple[Any, ...]


@dataclass(frozen=True)
class Signal:
    """One scope's cost increase against the index (ratios; ``points`` = gap × 100)."""

    scope: str  # "supplier" | "category"
    key: str  # the supplier's CUIT (or id), or the category
    name: str | None
    supplier_id: uuid.UUID | None
    items: int
    cost_change: Decimal
    index_change: Decimal
    gap: Decimal

    @property
    def points(self) -> Decimal:
        return (self.gap * 100).quantize(Decimal("0.01"))

    @property
    def flagged(self) -> bool:
        return self.points > SIGNAL_POINTS

    def as_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "key": self.key, "name": self.name, "items": self.items,
                "cost_change": self.cost_change, "index_change": self.index_change,
                "gap": self.gap, "gap_points": self.points, "flagged": self.flagged}


@dataclass(frozen=True)
class SignalReport:
    start: date
    end: date
    index_change: Decimal | None  # None: the index has no months to compare
    index_months: tuple[str, str] | None
    signals: list[Signal]

    def for_product(self, supplier_id: uuid.UUID | None,
                    category: str | None) -> Signal | None:
        """The signal a product falls under: its supplier's, else its category's."""
        by_supplier = {s.supplier_id: s for s in self.signals if s.scope == "supplier"}
        if supplier_id is not None and supplier_id in by_supplier:
            return by_supplier[supplier_id]
        wanted = normalize_category(category)
        return next((s for s in self.signals if s.scope == "category" and s.key == wanted), None)

    def as_json(self) -> dict[str, Any]:
        return {"from": self.start, "to": self.end, "window_days": WINDOW_DAYS,
                "index_change": self.index_change,
                "index_months": list(self.index_months) if self.index_months else None,
                "threshold_points": SIGNAL_POINTS,
                "signals": [signal.as_json() for signal in self.signals]}


BASELINE_DAYS = 365


def _months_back(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def window_index_change(levels: dict[date, int], start: date,
                        end: date) -> tuple[Decimal, tuple[date, date]] | None:
    """The index's change over ``start``..``end`` (module docstring), with its months."""
    first, last = month_of(start), month_of(end)
    span = (last.year - first.year) * 12 + last.month - first.month
    published = sorted(month for month in levels if month <= last)
    if span == 0 or not published:
        return None
    last = published[-1]
    first = _months_back(last, span)
    if first not in levels:
        return None
    return ratio_change(levels[first], levels[last]), (first, last)


def _ratios(points: list[tuple[_ITEM, date, tuple[Any, ...], int]], start: date,
            end: date) -> list[Decimal]:
    before: dict[_ITEM, tuple[date, tuple[Any, ...], int]] = {}
    during: dict[_ITEM, tuple[date, tuple[Any, ...], int]] = {}
    for item, day, order, cents in points:
        bucket = before if day <= start else during if day <= end else None
        if bucket is None:
            continue
        known = bucket.get(item)
        if known is None or (day, order) > known[:2]:
            bucket[item] = (day, order, cents)
    return [Decimal(latest[2]) / Decimal(before[item][2])
            for item, latest in during.items()
            if item in before and before[item][2] > 0 and latest[2] > 0]


def inflation_signals(session: Session, as_of: date) -> SignalReport:
    """Every supplier's and category's 30-day cost increase against the index."""
    start = as_of - timedelta(days=WINDOW_DAYS)
    levels = series(session)
    found = window_index_change(levels, start, as_of)
    if found is None:
        return SignalReport(start, as_of, None, None, [])
    # weighing every cost of the year takes a while: once per cost version, day and index
    return cost_cache.memoised(
        session, ("inflation_signals", as_of, tuple(sorted(levels.items()))),
        lambda: _report(session, start, as_of, *found))


def _report(session: Session, start: date, as_of: date, index: Decimal,
            months: tuple[date, date]) -> SignalReport:
    # the cost a window starts from is the item's last one before it; a cost older than
    # BASELINE_DAYS is no baseline at 2-4 % a month, and reading the whole ledger is slow
    costs = item_costs(session, split=start, until=as_of,
                       since=start - timedelta(days=BASELINE_DAYS))
    categories = dict(session.execute(select(t.Product.id, t.Product.category)).all())
    suppliers = {s.id: s for s in session.execute(
        select(t.Supplier.id, t.Supplier.cuit, t.Supplier.name))}
    by_supplier: dict[uuid.UUID, list[Any]] = defaultdict(list)
    by_category: dict[str, list[Any]] = defaultdict(list)
    for cost in costs:
        point = (cost.day, cost.order, cost.unit_cost_cents)
        if cost.for_pair and cost.supplier_id is not None:
            by_supplier[cost.supplier_id].append(((cost.supplier_id, cost.product_id), *point))
        category = normalize_category(categories.get(cost.product_id))
        if cost.for_product and category is not None:
            by_category[category].append(((cost.product_id,), *point))
    signals: list[Signal] = []
    for supplier_id, points in by_supplier.items():
        supplier = suppliers.get(supplier_id)
        key = supplier.cuit if supplier is not None and supplier.cuit else str(supplier_id)
        signal = _signal("supplier", key, supplier.name if supplier else None, supplier_id,
                         points, start, as_of, index)
        if signal is not None:
            signals.append(signal)
    for category, points in by_category.items():
        signal = _signal("category", category, category, None, points, start, as_of, index)
        if signal is not None:
            signals.append(signal)
    signals.sort(key=lambda s: (-s.gap, s.scope, s.key))
    return SignalReport(start, as_of, index, (format_month(months[0]), format_month(months[1])),
                        signals)


def _signal(scope: str, key: str, name: str | None, supplier_id: uuid.UUID | None,
            points: list[Any], start: date, end: date, index: Decimal) -> Signal | None:
    ratios = _ratios(points, start, end)
    increase = mean_increase(ratios)
    if increase is None:
        return None
    return Signal(scope, key, name, supplier_id, len(ratios), increase, index,
                  inflation_gap(increase, index))


def gauge_labels(signal: Signal) -> tuple[str, str]:
    """``(supplier, category)`` labels of ``inflation_gap_points`` for a signal."""
    return (signal.key, "") if signal.scope == "supplier" else ("", signal.key)
