"""Supplier cost increases against the inflation index, as pure functions.

- **The index** is a monthly series of levels (a CPI), kept as integers scaled by
  10,000. Its change from month A to month B is ``level(B) / level(A) - 1``.
- **An item's cost at a month** is its latest net unit cost from an invoice dated in or
  before that month (latest by invoice date, then operation order).
- **An item's increase** from A to B is ``cost(B) / cost(A) - 1``. Only items with a cost
  at A *and* a new invoice after A, up to B, count: an item not bought again says
  nothing about its price, and counting it as 0 % would hide increases.
- **A scope's increase** (a supplier, a category, everything) is the geometric mean of
  its items' ratios, minus one — as statistical offices aggregate prices at this level:
  a rise and its reversal cancel out, and one wild item weighs less than in a plain mean.
- **The gap** is the scope's increase minus the index's: 0.05 means costs rose five
  points more than the index over the same months.

Ratios are Decimals rounded (halves up) to four decimals.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Generic, TypeVar

from shared.domain.errors import ValidationError

INDEX_SCALE = 10_000
RATIO_QUANTUM = Decimal("0.0001")
_MONTH_FORMATS = (
    re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})(?:-01)?"),
    re.compile(r"(?P<month>[0-9]{1,2})/(?P<year>[0-9]{4})"),
)
K = TypeVar("K", bound=Hashable)


class MissingIndex(ValidationError):
    """The index has no value for a month a calculation needs."""


def parse_month(text: str) -> date:
    """``2026-03``, ``2026-03-01`` or ``03/2026`` as the first day of that month."""
    cleaned = text.strip()
    for pattern in _MONTH_FORMATS:
        match = pattern.fullmatch(cleaned)
        if match is not None:
            year, month = int(match["year"]), int(match["month"])
            if 1 <= month <= 12 and 1900 <= year <= 2999:
                return date(year, month, 1)
            break
    raise ValidationError(f"{text!r} is not a month: write it as YYYY-MM")


def format_month(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_of(day: date) -> date:
    return day.replace(day=1)


def index_value_e4(value: Decimal) -> int:
    """An index level as stored: exact, positive, at most four decimals."""
    if not value.is_finite() or value <= 0:
        raise ValidationError("an index value must be a number above zero")
    scaled = value * INDEX_SCALE
    if scaled != scaled.to_integral_value():
        raise ValidationError("an index value has at most four decimals")
    return int(scaled)


def index_level(value_e4: int) -> Decimal:
    return Decimal(value_e4).scaleb(-4)


def ratio_change(old: int | Decimal, new: int | Decimal) -> Decimal:
    """``new / old - 1`` to four decimals."""
    if old <= 0:
        raise ValidationError("cannot compare with a value of zero or less")
    with localcontext() as context:
        context.prec = 34
        return (Decimal(new) / Decimal(old) - 1).quantize(RATIO_QUANTUM, ROUND_HALF_UP)


def check_period(start: date, end: date) -> None:
    if month_of(start) >= month_of(end):
        raise ValidationError("the period's first month must come before its last")


def index_change(series: Mapping[date, int], start: date, end: date) -> Decimal:
    """The index's change from month ``start`` to month ``end``."""
    check_period(start, end)
    levels = []
    for month in (month_of(start), month_of(end)):
        if month not in series:
            raise MissingIndex(f"the inflation index has no value for {format_month(month)}")
        levels.append(series[month])
    return ratio_change(levels[0], levels[1])


@dataclass(frozen=True, slots=True)
class CostPoint(Generic[K]):
    """One observed net unit cost of ``item`` (a product, or a supplier's product)."""

    item: K
    day: date
    order: tuple[Any, ...]  # breaks ties within a day: the operation order
    unit_cost_cents: int


def item_ratios(points: Iterable[CostPoint[K]], start: date, end: date) -> dict[K, Decimal]:
    """Each item's ``cost(end) / cost(start)``, for items bought again within the period."""
    check_period(start, end)
    first_month, last_month = month_of(start), month_of(end)
    before: dict[K, CostPoint[K]] = {}
    during: dict[K, CostPoint[K]] = {}
    for point in points:
        month = month_of(point.day)
        bucket = before if month <= first_month else during if month <= last_month else None
        if bucket is None:
            continue
        known = bucket.get(point.item)
        if known is None or (point.day, point.order) > (known.day, known.order):
            bucket[point.item] = point
    ratios: dict[K, Decimal] = {}
    with localcontext() as context:
        context.prec = 34
        for item, latest in during.items():
            baseline = before.get(item)
            if baseline is not None and baseline.unit_cost_cents > 0 and latest.unit_cost_cents > 0:
                ratios[item] = Decimal(latest.unit_cost_cents) / baseline.unit_cost_cents
    return ratios


def mean_increase(ratios: Iterable[Decimal]) -> Decimal | None:
    """The geometric mean of the ratios, minus one; None when there are none."""
    values = list(ratios)
    if not values:
        return None
    if any(value <= 0 for value in values):
        raise ValueError("price ratios are positive")
    with localcontext() as context:
        context.prec = 34
        logs = [value.ln() for value in values]
        mean = (sum(logs, Decimal(0)) / len(values)).exp()
        return (mean - 1).quantize(RATIO_QUANTUM, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class ScopeIncrease:
    items: int
    increase: Decimal | None


def cost_increase(points: Iterable[CostPoint[K]], start: date, end: date) -> ScopeIncrease:
    ratios = item_ratios(points, start, end)
    return ScopeIncrease(len(ratios), mean_increase(ratios.values()))


def inflation_gap(cost: Decimal, index: Decimal) -> Decimal:
    """Cost increase minus index increase (0.05 = five points above the index)."""
    return (cost - index).quantize(RATIO_QUANTUM, ROUND_HALF_UP)
