"""Reorder suggestions for one store, the same at HQ and on a store PC (offline).

For each product the store sold in the model's window: the forecast from the day after
``origin`` (the released model, onnxruntime), the level on hand, and the library's rule
(:func:`shared.services.demand_forecast.reorder`, i.e. ``shared.forecast.reorder``):
reorder point = expected demand over the supplier's lead time + safety stock for the
service level (the forecast error from the model's backtest WAPE); when the level is at
or under it, the quantity that covers the lead time plus ``cover_days`` days, rounded up
to whole packs. Past the model's horizon its last forecast week repeats. Defaults where
the catalog says nothing: a lead time of :data:`DEFAULT_LEAD_TIME_DAYS`, a pack of one
unit. Quantities are Decimal (thousandths: weighed goods in kg); forecasts are estimates.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.services import demand_forecast as forecast
from shared.services.sales_history import sales_history
from shared.services.stock import store_levels

DEFAULT_LEAD_TIME_DAYS = 3
DEFAULT_COVER_DAYS = 14
DEFAULT_SERVICE_LEVEL = 0.95
NO_SUPPLIER = "Sin proveedor"
MILLI = Decimal("0.001")


@dataclass(frozen=True)
class ReorderLine:
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    supplier_id: uuid.UUID | None
    supplier_name: str
    on_hand: Decimal
    forecast: float  # expected units over the model's horizon
    daily: tuple[float, ...]
    lead_time_days: int
    pack_size: Decimal
    reorder_point: Decimal
    suggested: Decimal  # whole packs; 0: no order needed

    @property
    def needs_order(self) -> bool:
        return self.suggested > 0

    @property
    def packs(self) -> int:
        return int(self.suggested / self.pack_size) if self.pack_size else 0


def _round(value: float) -> float:
    return round(float(value), 3)


def reorder_lines(
    session: Session, store_id: uuid.UUID, store_code: str, forecaster: forecast.Forecaster,
    origin: date, *, cover_days: int = DEFAULT_COVER_DAYS,
    service_level: float = DEFAULT_SERVICE_LEVEL, only_needed: bool = False,
) -> list[ReorderLine]:
    """Suggestions for ``store_id``, by supplier name then product name."""
    history = sales_history(session, forecaster.history_start(origin), origin,
                            store_ids=[store_id])
    products = {p.id: p for p in session.scalars(select(t.Product).where(
        t.Product.deleted.is_(False)))}
    skus = {pid: p.sku for pid, p in products.items()}
    panel = forecast.build_panel(history, {store_id: store_code}, skus)
    if panel is None or forecast.series_count(panel) == 0:
        return []
    predicted = forecaster.forecast(panel, origin, cpi=forecast.inflation_index(session))
    by_sku = {p.sku: p for p in products.values() if p.sku}
    suppliers = {s.id: s for s in session.scalars(select(t.Supplier))}
    levels = store_levels(session, [store_id])
    wape = forecaster.backtest_wape
    lines = []
    for row, (_store, sku) in enumerate(panel.keys):
        product = by_sku.get(sku)
        if product is None or product.archived:
            continue
        supplier = suppliers.get(product.supplier_id) if product.supplier_id else None
        daily = [max(float(v), 0.0) for v in predicted[row]]
        on_hand = Decimal(levels.get((store_id, product.id), 0)) * MILLI
        lead = (supplier.lead_time_days if supplier and supplier.lead_time_days
                else DEFAULT_LEAD_TIME_DAYS)
        pack = Decimal(product.pack_size_milli or 1000) * MILLI
        rule = forecast.reorder(daily, on_hand=on_hand, lead_time_days=int(lead),
                                cover_days=cover_days, pack_size=pack,
                                service_level=service_level, wape=wape)
        line = ReorderLine(
            product.id, sku, product.name or sku, product.unit or "unidad",
            supplier.id if supplier else None,
            (supplier.name or supplier.cuit or NO_SUPPLIER) if supplier else NO_SUPPLIER,
            on_hand, _round(sum(daily)), tuple(_round(v) for v in daily), int(lead),
            pack, rule.reorder_point, rule.quantity)
        if line.needs_order or not only_needed:
            lines.append(line)
    lines.sort(key=lambda line: (line.supplier_name.casefold(), line.name.casefold()))
    return lines
