"""The overview KPIs per store that the dashboard's first page shows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.numbers import cents_to_amount, milli_to_quantity
from shared.services.catalog import prices_on
from shared.services.stock import merged_products, store_levels, visible_products
from shared.settings import BUSINESS_TIMEZONE, business_day


def business_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The UTC instants where today's business day (Buenos Aires) starts and ends."""
    day = business_day(now)
    start = datetime.combine(day, time.min, tzinfo=BUSINESS_TIMEZONE).astimezone(UTC)
    return start, start + timedelta(days=1)


def overview(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    moment = now or datetime.now(UTC)
    start, end = business_day_bounds(moment)
    stores = session.scalars(
        select(t.Store).where(t.Store.deleted.is_(False)).order_by(t.Store.code)
    ).all()
    store_ids = [store.id for store in stores]
    # naming the stores lets ix_stock_movements_day (store, day) read only today's rows
    today = and_(t.StockMovement.store_id.in_(store_ids), t.StockMovement.occurred_at >= start,
                 t.StockMovement.occurred_at < end)
    by_kind = {
        (row.store_id, row.kind): (row.movements, int(row.qty or 0))
        for row in session.execute(
            select(
                t.StockMovement.store_id,
                t.StockMovement.kind,
                func.count().label("movements"),
                func.sum(t.StockMovement.qty_milli).label("qty"),
            )
            .where(today)
            .group_by(t.StockMovement.store_id, t.StockMovement.kind)
        )
    }
    devices = {
        row.store_id: (row.devices, row.last_seen)
        for row in session.execute(
            select(
                t.Device.store_id,
                func.count().filter(t.Device.revoked_at.is_(None)).label("devices"),
                # a revoked device's last sync still was the store's last sync
                func.max(t.Device.last_seen_at).label("last_seen"),
            )
            .group_by(t.Device.store_id)
        )
    }
    health = _device_health(session)
    day = business_day(moment)
    critical = critical_counts(session, store_ids)
    values = stock_values(session, store_ids, day)
    items = []
    for store in stores:
        sales, sold = by_kind.get((store.id, MovementKind.SALE), (0, 0))
        intakes, received = by_kind.get((store.id, MovementKind.INTAKE), (0, 0))
        count, last_seen = devices.get(store.id, (0, None))
        items.append(
            {
                "store": store.code,
                "name": store.name,
                "sales_today": sales,
                "units_sold_today": milli_to_quantity(-(sold or 0)),
                "intakes_today": intakes,
                "units_received_today": milli_to_quantity(received or 0),
                "critical_stock": critical.get(store.id, 0),
                "devices": count,
                "last_seen": last_seen.isoformat().replace("+00:00", "Z") if last_seen else None,
                **values[store.id],
                **health.get(store.id, {"pending_ops": 0, "refused_ops": 0}),
                "sync_lag_seconds": (
                    int((moment - _aware(last_seen)).total_seconds()) if last_seen else None
                ),
            }
        )
    return {"business_day": business_day(moment).isoformat(), "stores": items}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def critical_counts(session: Session, store_ids: list[Any]) -> dict[Any, int]:
    """How many products each store has under their minimum (``below_minimum``'s rule:
    a product with no ledger rows is at zero), counted by the database in one query."""
    if not store_ids:
        return {}
    if merged_products(session):  # merged levels fold onto their root: in Python, once
        levels = store_levels(session, store_ids)
        minimums = session.execute(
            select(t.Product.id, t.Product.min_stock_milli)
            .where(visible_products(), t.Product.min_stock_milli.is_not(None))).all()
        return {store_id: sum(1 for row in minimums
                              if levels.get((store_id, row.id), 0) < row.min_stock_milli)
                for store_id in store_ids}
    # Without a ledger row a product is at zero: short wherever its minimum is above
    # zero. Each level row then corrects that: +1 if under the minimum, -1 if counted.
    minimum = t.Product.min_stock_milli
    wanted = and_(visible_products(), minimum.is_not(None))
    above_zero = session.scalar(select(func.count()).where(wanted, minimum > 0)) or 0
    under = case((t.StockLevel.qty_milli < minimum, 1), else_=0)
    counted = case((minimum > 0, 1), else_=0)
    rows = session.execute(
        select(t.StockLevel.store_id, func.sum(under - counted))
        .join(t.Product, and_(t.Product.id == t.StockLevel.product_id, wanted))
        .where(t.StockLevel.store_id.in_(store_ids))
        .group_by(t.StockLevel.store_id)
    ).all()
    found = dict.fromkeys(store_ids, int(above_zero))
    for store_id, correction in rows:
        found[store_id] += int(correction or 0)
    return found


def stock_values(session: Session, store_ids: list[Any], day: Any) -> dict[Any, dict[str, Any]]:
    """Each store's stock valued at last cost (net) and at its shelf price (VAT in), from
    the stock-level cache; negative levels count as zero.

    The chain-wide price list is ranked and summed by the database for every store in one
    query; a store with prices of its own (rare) is valued apart by ``stock_value``.
    """
    own = set(session.scalars(
        select(t.Price.store_id).where(t.Price.store_id.in_(store_ids),
                                       t.Price.effective_from <= day).distinct()))
    rank = func.row_number().over(
        partition_by=t.Price.product_id,
        order_by=(t.Price.effective_from.desc(), t.Price.hlc.desc(), t.Price.device_id.desc(),
                  t.Price.op_id.desc()))
    ranked = (select(t.Price.product_id, t.Price.price_cents, rank.label("rank"))
              .where(t.Price.store_id.is_(None), t.Price.effective_from <= day).subquery())
    chain = select(ranked.c.product_id, ranked.c.price_cents).where(ranked.c.rank == 1).subquery()
    qty = t.StockLevel.qty_milli
    rows = session.execute(
        select(t.StockLevel.store_id,
               func.sum(qty * func.coalesce(t.Product.last_cost_cents, 0)).label("cost"),
               func.sum(qty * func.coalesce(chain.c.price_cents, 0)).label("price"))
        .join(t.Product, t.Product.id == t.StockLevel.product_id)
        .outerjoin(chain, chain.c.product_id == t.StockLevel.product_id)
        .where(t.StockLevel.store_id.in_([i for i in store_ids if i not in own]), qty > 0,
               t.Product.deleted.is_(False))
        .group_by(t.StockLevel.store_id)
    ).all()
    zero = {"stock_value_cost": cents_to_amount(0), "stock_value_price": cents_to_amount(0)}
    found: dict[Any, dict[str, Any]] = {store_id: dict(zero) for store_id in store_ids}
    for row in rows:
        found[row.store_id] = {"stock_value_cost": cents_to_amount(int(row.cost or 0) // 1000),
                               "stock_value_price": cents_to_amount(int(row.price or 0) // 1000)}
    for store_id in own:
        found[store_id] = stock_value(session, store_id, day)
    return found


def stock_value(session: Session, store_id: Any, day: Any) -> dict[str, Any]:
    """One store's stock value with its own prices (``prices_on``'s full rule)."""
    rows = session.execute(
        select(t.StockLevel.product_id, t.StockLevel.qty_milli, t.Product.last_cost_cents)
        .join(t.Product, t.Product.id == t.StockLevel.product_id)
        .where(t.StockLevel.store_id == store_id, t.StockLevel.qty_milli > 0,
               t.Product.deleted.is_(False))
    ).all()
    prices = prices_on(session, store_id, day, [row.product_id for row in rows]) if rows else {}
    at_cost = sum(row.qty_milli * (row.last_cost_cents or 0) for row in rows) // 1000
    at_price = sum(row.qty_milli * prices.get(row.product_id, 0) for row in rows) // 1000
    return {"stock_value_cost": cents_to_amount(at_cost),
            "stock_value_price": cents_to_amount(at_price)}


def _device_health(session: Session) -> dict[Any, dict[str, int]]:
    """Pending and refused operations per store, from each live device's last heartbeat."""
    found: dict[Any, dict[str, int]] = {}
    for store_id, beat in session.execute(
        select(t.Device.store_id, t.Device.last_heartbeat).where(t.Device.revoked_at.is_(None))
    ):
        entry = found.setdefault(store_id, {"pending_ops": 0, "refused_ops": 0})
        beat = beat or {}
        entry["pending_ops"] += int(beat.get("pending") or 0)
        entry["refused_ops"] += int(beat.get("refused") or 0)
    return found
