"""Drift of the active model: has the world moved away from what it learnt?

One panel of every store's sales up to yesterday (as far back as the model's features
read). Two signals, combined by the library (:func:`shared.forecast.drift.drift_of_card`):

* the **recent error**: the model forecasts the last ``horizon`` finished days from the
  day before them (as it would have then); the pooled WAPE against the sales, stock-out
  days left out, over the backtest's WAPE on the model's card;
* the **feature shift**: the PSI of each data feature over the last four weeks against
  its training distribution (also on the card).

``drift_score = max(min(max_psi, 1), min(max(error_ratio − 1, 0), 1))``; past
:data:`RETRAIN_ABOVE` (0.15) a retrain is suggested. The check records the result on the
model's metrics; the endpoint sets the ``ml_model_drift_score`` and ``ml_prediction_wape``
gauges (alert ``MLModelDrift``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.ml import registry
from central.ml.forecasting import load_forecaster, today
from shared.db import tables as t
from shared.forecast.drift import RETRAIN_ABOVE
from shared.services import demand_forecast as forecast
from shared.services.sales_history import sales_history
from sync.attachments import AttachmentStore


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def check_drift(session: Session, files: AttachmentStore) -> dict[str, Any]:
    model = registry.active_model(session)
    forecaster = load_forecaster(files, model)
    horizon = forecaster.horizon
    last = today() - timedelta(days=1)
    stores = {s.id: s.code or "" for s in session.scalars(
        select(t.Store).where(t.Store.deleted.is_(False)))}
    skus = {pid: sku for pid, sku in session.execute(select(t.Product.id, t.Product.sku))}
    history = sales_history(session, forecaster.history_start(last - timedelta(days=horizon)),
                            last, store_ids=list(stores), with_prices=forecaster.card.uses_prices)
    panel = forecast.build_panel(history, stores, skus)
    recent_wape = report = None
    if panel is not None:
        cpi = forecast.inflation_index(session)
        recent_wape = forecaster.recent_wape(panel, horizon, cpi=cpi)
        report = forecast.drift(forecaster, panel, recent_wape=recent_wape, cpi=cpi)
    score = report.drift_score if report is not None else 0.0
    result = {
        "model": {"id": model.id, "version": model.version, "name": model.name},
        "from": last - timedelta(days=horizon - 1), "to": last,
        "series": forecast.series_count(panel),
        "recent_wape": _rounded(recent_wape), "backtest_wape": forecaster.backtest_wape,
        "error_ratio": _rounded(report.error_ratio) if report else None,
        "max_psi": _rounded(report.max_psi) if report else None,
        "worst_feature": report.worst_feature if report else None,
        "drift_score": round(score, 4), "threshold": RETRAIN_ABOVE,
        "retrain_suggested": score > RETRAIN_ABOVE,
        "checked_at": datetime.now(UTC),
    }
    registry.update_metrics(session, model.id, {"drift": {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in result.items() if k != "model"}})
    return result
