"""HQ inference on the active model: forecasts, reorder suggestions, draft orders, drift.

The active model's ONNX file and card come from central's attachment store, checked
against the registry's SHA-256 and kept loaded per hash (a new activation loads anew).
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.identity import find_store
from central.kit.auth import check_store
from central.ml import registry
from central.negocio import orders
from central.negocio.costs import latest_costs
from central.negocio.schemas import OrderIn, OrderLineIn
from shared.db import tables as t
from shared.domain.errors import NotFound, ValidationError
from shared.ops.recorder import Recorder
from shared.security.tokens import Principal
from shared.services import demand_forecast as forecast
from shared.services.replenishment import ReorderLine, reorder_lines
from shared.services.sales_history import sales_history
from shared.settings import business_day
from sync.attachments import AttachmentStore

_LOADED: dict[str, forecast.Forecaster] = {}
_LOCK = threading.Lock()


def today() -> date:
    return business_day(datetime.now(UTC))


def load_forecaster(store: AttachmentStore, model: t.MlModel) -> forecast.Forecaster:
    """The model's forecaster, its two files verified against the registry's hashes."""
    if not model.onnx_sha256 or not model.card_sha256:
        raise registry.ModelNotReady(f"model v{model.version} has no files")
    with _LOCK:
        loaded = _LOADED.get(model.onnx_sha256)
        if loaded is None:
            onnx = forecast.verify(_read(store, model.onnx_sha256), model.onnx_sha256)
            card = forecast.verify(_read(store, model.card_sha256), model.card_sha256)
            loaded = forecast.Forecaster(onnx, card)
            _LOADED.clear()  # one model is active at a time
            _LOADED[model.onnx_sha256] = loaded
    return loaded


def _read(store: AttachmentStore, sha256: str) -> bytes:
    with store.open(sha256) as handle:
        return handle.read()


def _store(session: Session, principal: Principal, code: str) -> t.Store:
    store = find_store(session, code)
    check_store(principal, store.id)
    assert store.code is not None
    return store


def forecast_series(session: Session, principal: Principal, files: AttachmentStore, *,
                    store_code: str, sku: str, horizon: int | None) -> dict[str, Any]:
    """One product's daily forecast in one store, from tomorrow."""
    model = registry.active_model(session)
    forecaster = load_forecaster(files, model)
    store = _store(session, principal, store_code)
    steps = horizon or forecaster.horizon
    if not 1 <= steps <= forecaster.horizon:
        raise ValidationError(f"horizon must be between 1 and {forecaster.horizon} days")
    product = session.scalars(select(t.Product).where(t.Product.sku == sku,
                                                      t.Product.deleted.is_(False))).first()
    if product is None:
        raise NotFound(f"unknown product {sku!r}")
    origin = today() - timedelta(days=1)
    history = sales_history(session, forecaster.history_start(origin), origin,
                            store_ids=[store.id])
    # the store's first sale starts the panel: before the product sold, it sold nothing
    first_day = min((row[0] for row in history.sales), default=None)
    history.sales = [row for row in history.sales if row[2] == product.id]
    panel = forecast.build_panel(history, {store.id: store.code or ""},
                                 {product.id: product.sku}, first_day=first_day)
    values = (np.zeros(steps) if panel is None
              else forecaster.forecast(panel, origin, steps,
                                       cpi=forecast.inflation_index(session))[0])
    return {
        "store": store.code, "sku": sku, "model": {"id": model.id, "version": model.version},
        "origin": origin, "horizon": steps, "total": round(float(np.sum(values)), 3),
        "days": [{"date": origin + timedelta(days=i + 1), "units": round(float(v), 3)}
                 for i, v in enumerate(values)],
    }


def store_reorder(session: Session, principal: Principal, files: AttachmentStore, *,
                  store_code: str, cover_days: int, service_level: float,
                  only_needed: bool) -> tuple[t.MlModel, t.Store, list[ReorderLine]]:
    model = registry.active_model(session)
    forecaster = load_forecaster(files, model)
    store = _store(session, principal, store_code)
    lines = reorder_lines(session, store.id, store.code or "", forecaster,
                          today() - timedelta(days=1), cover_days=cover_days,
                          service_level=service_level, only_needed=only_needed)
    return model, store, lines


def reorder_report(model: t.MlModel, store: t.Store, lines: list[ReorderLine]) -> dict[str, Any]:
    groups: dict[str, dict[str, Any]] = {}
    for line in lines:
        key = str(line.supplier_id) if line.supplier_id else "-"
        group = groups.setdefault(key, {"supplier": {"id": line.supplier_id,
                                                     "name": line.supplier_name},
                                        "lines": []})
        entry = asdict(line)
        entry.pop("daily")
        entry["needs_order"] = line.needs_order
        entry["packs"] = line.packs
        group["lines"].append(entry)
    return {"store": store.code, "model": {"id": model.id, "version": model.version},
            "suppliers": list(groups.values()),
            "lines": sum(len(g["lines"]) for g in groups.values())}


def create_drafts(session: Session, recorder: Recorder, principal: Principal,
                  files: AttachmentStore, *, store_code: str, cover_days: int,
                  service_level: float) -> dict[str, Any]:
    """One draft purchase order per supplier with something to order, by negocio's service.

    Products with no supplier cannot be ordered and are reported apart; each line's
    expected unit cost is the product's last invoiced (or catalog) cost.
    """
    model, store, lines = store_reorder(session, principal, files, store_code=store_code,
                                        cover_days=cover_days, service_level=service_level,
                                        only_needed=True)
    by_supplier: dict[uuid.UUID, list[ReorderLine]] = defaultdict(list)
    unassigned = []
    for line in lines:
        if line.supplier_id is None:
            unassigned.append(line.sku)
        else:
            by_supplier[line.supplier_id].append(line)
    costs = latest_costs(session, [line.product_id for line in lines])
    catalog = {p.id: p.last_cost_cents for p in session.scalars(
        select(t.Product).where(t.Product.id.in_([line.product_id for line in lines])))}
    created = []
    for supplier_id, group in by_supplier.items():
        body = OrderIn(
            supplier=str(supplier_id), store=store.code or "",
            notes=f"Pedido sugerido (modelo v{model.version}, {cover_days} días de cobertura)",
            lines=[OrderLineIn(product=str(line.product_id),
                               quantity=line.suggested,
                               unit_cost=_cost(costs, catalog, line.product_id))
                   for line in group])
        order_id = orders.create_order(session, recorder, principal, body)
        created.append({"id": order_id, "supplier": {"id": supplier_id,
                                                     "name": group[0].supplier_name},
                        "lines": len(group)})
    return {"store": store.code, "model": {"id": model.id, "version": model.version},
            "orders": created, "without_supplier": unassigned}


def _cost(costs: dict[uuid.UUID, Any], catalog: dict[uuid.UUID, int | None],
          product_id: uuid.UUID) -> Decimal | None:
    found = costs.get(product_id)
    cents = found.unit_cost_cents if found is not None else catalog.get(product_id)
    return None if cents is None else Decimal(cents).scaleb(-2)
