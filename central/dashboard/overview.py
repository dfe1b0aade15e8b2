"""The overview KPIs per store that the dashboard's first page shows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.numbers import milli_to_quantity
from shared.services.stock import below_minimum
from shared.settings import BUSINESS_TIMEZONE, business_day


def business_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The UTC instants where today's business day (Buenos Aires) starts and ends."""
    day = business_day(now)
    start = datetime.combine(day, time.min, tzinfo=BUSINESS_TIMEZONE).astimezone(UTC)
    return start, start + timedelta(days=1)


def overview(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    moment = now or datetime.now(UTC)
    start, end = business_day_bounds(moment)
    today = and_(t.StockMovement.occurred_at >= start, t.StockMovement.occurred_at < end)
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
                func.count().label("devices"),
                func.max(t.Device.last_seen_at).label("last_seen"),
            )
            .where(t.Device.revoked_at.is_(None))
            .group_by(t.Device.store_id)
        )
    }
    stores = session.scalars(
        select(t.Store).where(t.Store.deleted.is_(False)).order_by(t.Store.code)
    ).all()
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
                "critical_stock": len(below_minimum(session, store)),
                "devices": count,
                "last_seen": last_seen.isoformat().replace("+00:00", "Z") if last_seen else None,
            }
        )
    return {"business_day": business_day(moment).isoformat(), "stores": items}
