"""The inflation index (a monthly series, typed or imported) and the cost gap against it.

The arithmetic is :mod:`shared.domain.inflation`. Costs are the net unit costs of
counting confirmations (:mod:`central.negocio.costs`), dated by the invoice's date.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.negocio import cost_cache
from central.negocio.common import FieldError, require_chain_wide
from central.negocio.costs import cost_point, item_costs
from central.negocio.schemas import IndexValueIn
from shared.db import tables as t
from shared.domain.errors import MinimarketError, NotFound, ValidationError
from shared.domain.ids import new_id
from shared.domain.inflation import (
    CostPoint,
    ScopeIncrease,
    check_period,
    cost_increase,
    format_month,
    index_change,
    index_level,
    index_value_e4,
    inflation_gap,
    parse_month,
    ratio_change,
)
from shared.domain.numbers import DecimalMode, parse_decimal
from shared.domain.pricing import normalize_category
from shared.ops.recorder import Recorder
from shared.security.tokens import Principal

GapScope = Literal["supplier", "category", "all"]
MAX_CSV_BYTES = 1_000_000


def _records(session: Session) -> dict[date, t.InflationIndex]:
    """One record per month; should two replicas have made one, the older id wins."""
    found: dict[date, t.InflationIndex] = {}
    for row in session.scalars(
        select(t.InflationIndex).where(t.InflationIndex.deleted.is_(False),
                                       t.InflationIndex.month.is_not(None))
        .order_by(t.InflationIndex.id)
    ):
        assert row.month is not None
        if row.value_e4 is not None:
            found.setdefault(row.month, row)
    return found


def series(session: Session) -> dict[date, int]:
    return {month: row.value_e4 for month, row in _records(session).items()
            if row.value_e4 is not None}


def _put(
    recorder: Recorder, records: dict[date, t.InflationIndex], month: date, value_e4: int,
    source: str | None,
) -> bool:
    """Set a month's value; True when it was new. Unchanged values write nothing."""
    row = records.get(month)
    if row is None:
        recorder.upsert("inflation_index", new_id(),
                        {"month": month, "value_e4": value_e4, "source": source})
        return True
    changes = {k: v for k, v in {"value_e4": value_e4, "source": source}.items()
               if getattr(row, k) != v}
    if changes:
        recorder.upsert("inflation_index", row.id, changes)
    return False


def put_month(
    session: Session, recorder: Recorder, principal: Principal, month: str, body: IndexValueIn
) -> dict[str, Any]:
    require_chain_wide(principal)
    first_day = _month_param(month)
    value_e4 = index_value_e4(body.value)
    created = _put(recorder, _records(session), first_day, value_e4, body.source)
    return {"month": format_month(first_day), "value": index_level(value_e4),
            "source": body.source, "created": created}


def delete_month(session: Session, recorder: Recorder, principal: Principal, month: str) -> None:
    require_chain_wide(principal)
    first_day = _month_param(month)
    row = _records(session).get(first_day)
    if row is None:
        raise NotFound(f"the index has no value for {format_month(first_day)}")
    recorder.delete("inflation_index", row.id)


def _month_param(text: str) -> date:
    try:
        return parse_month(text)
    except ValidationError as error:
        raise FieldError("month", str(error)) from None


def list_series(
    session: Session, *, date_from: str | None, date_to: str | None
) -> dict[str, Any]:
    start = parse_month(date_from) if date_from else None
    end = parse_month(date_to) if date_to else None
    items: list[dict[str, Any]] = []
    previous: int | None = None
    for month, row in sorted(_records(session).items()):
        assert row.value_e4 is not None
        change = ratio_change(previous, row.value_e4) if previous else None
        previous = row.value_e4
        if (start and month < start) or (end and month > end):
            continue
        items.append({"month": format_month(month), "value": index_level(row.value_e4),
                      "source": row.source, "change": change})
    return {"items": items}


def import_csv(
    session: Session, recorder: Recorder, principal: Principal, text: str,
    decimal: DecimalMode = "auto",
) -> dict[str, Any]:
    """``month,value[,source]`` lines; a bad line is reported with its number and skipped."""
    require_chain_wide(principal)
    reader = csv.reader(text.splitlines())
    header = [name.strip().lstrip("\ufeff").lower() for name in next(reader, [])]
    if "month" not in header or "value" not in header:
        raise FieldError("file", "the header must name the columns month and value")
    columns = {name: header.index(name) for name in ("month", "value", "source") if name in header}
    needed = max(columns["month"], columns["value"])  # a missing source column is fine
    records = _records(session)
    seen: dict[date, int] = {}
    created = updated = 0
    errors: list[dict[str, Any]] = []
    with recorder.batch():
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            try:
                if len(values) > len(header) or len(values) <= needed:
                    raise ValidationError(f"expected {len(header)} columns, found {len(values)}")
                month = parse_month(values[columns["month"]])
                if month in seen:
                    raise ValidationError(f"{format_month(month)} already on line {seen[month]}")
                value = index_value_e4(parse_decimal(values[columns["value"]], decimal))
            except MinimarketError as error:
                errors.append({"line": line, "reason": str(error)})
                continue
            seen[month] = line
            source = None
            if "source" in columns and columns["source"] < len(values):
                source = values[columns["source"]].strip()[:120] or None
            if _put(recorder, records, month, value, source):
                created += 1
            else:
                updated += 1
    return {"imported": created + updated, "created": created, "updated": updated,
            "errors": errors}


# --- the gap ---------------------------------------------------------------------------------


def gap(session: Session, *, date_from: str, date_to: str, by: GapScope) -> dict[str, Any]:
    """Cost increase per supplier or category (and overall) against the index's."""
    try:
        start, end = parse_month(date_from), parse_month(date_to)
        check_period(start, end)
    except ValidationError as error:
        raise FieldError("from", str(error)) from None
    levels = series(session)
    index = index_change(levels, start, end)
    # weighing every cost up to the period's end takes a while: once per cost version
    return cost_cache.memoised(
        session, ("inflation_gap", start, end, by, tuple(sorted(levels.items()))),
        lambda: _gap(session, start, end, by, index))


def _gap(session: Session, start: date, end: date, by: GapScope,
         index: Decimal) -> dict[str, Any]:
    following = date(end.year + end.month // 12, end.month % 12 + 1, 1)
    first_following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    # each item's latest cost in or before the first month and its latest after it
    costs = item_costs(session, split=first_following - timedelta(days=1),
                       until=following - timedelta(days=1), pairs=by == "supplier")
    categories = dict(session.execute(select(t.Product.id, t.Product.category)).all())
    suppliers = {s.id: s for s in session.execute(
        select(t.Supplier.id, t.Supplier.cuit, t.Supplier.name))}
    groups: dict[str, list[CostPoint[Any]]] = defaultdict(list)
    names: dict[str, str | None] = {}
    overall: list[CostPoint[Any]] = []
    for cost in costs:
        day = cost.day
        if cost.for_product:
            overall.append(cost_point(cost, cost.product_id, day))
        if by == "supplier" and cost.for_pair and cost.supplier_id is not None:
            supplier_id = cost.supplier_id
            supplier = suppliers.get(supplier_id)
            label = f"supplier:{supplier.cuit if supplier and supplier.cuit else supplier_id}"
            names[label] = supplier.name if supplier else None
            groups[label].append(cost_point(cost, (supplier_id, cost.product_id), day))
        elif by == "category" and cost.for_product:
            category = normalize_category(categories.get(cost.product_id))
            if category is not None:
                groups[f"category:{category}"].append(cost_point(cost, cost.product_id, day))
    scopes = [_scope_entry("all", None, cost_increase(overall, start, end), index)]
    for label in sorted(groups):
        found = cost_increase(groups[label], start, end)
        if found.items:  # a scope with no item bought again in the period says nothing
            scopes.append(_scope_entry(label, names.get(label), found, index))
    return {"from": format_month(start), "to": format_month(end), "by": by,
            "index_change": index, "scopes": scopes}


def _scope_entry(
    label: str, name: str | None, found: ScopeIncrease, index: Decimal
) -> dict[str, Any]:
    """``scope`` is also the label of the ``minimarket_inflation_gap_ratio`` gauge."""
    return {
        "scope": label, "name": name, "items": found.items, "cost_change": found.increase,
        "gap": None if found.increase is None else inflation_gap(found.increase, index),
    }
