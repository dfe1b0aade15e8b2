"""One training job: the ledger's daily sales → the panel → a model → ONNX → the registry.

Steps (progress in the model's row): read the window's sales, stock-outs and prices and
build the panel (5 %); a rolling-origin backtest when the history is long enough, then
the final fit on the whole window (up to 95 %, the library reports its progress; see
:func:`shared.services.demand_forecast.train_and_export`); export to ONNX and check it
against the model on held-back rows; put the ONNX file and the card (JSON) in central's
attachment store; the row becomes ``ready`` with the window, the backtest metrics and
both hashes. Any failure marks the row ``failed`` with its reason: nothing half-made is
left ready. Too short a history fails at once with the days it needs.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.kit.metrics import ML_PREDICTION_WAPE, ML_TRAINING_SECONDS
from central.ml import registry
from shared.db import tables as t
from shared.domain.errors import MinimarketError, ValidationError
from shared.logging import get_logger
from shared.services import demand_forecast as forecast
from shared.services.sales_history import sales_history
from shared.settings import business_day
from sync.attachments import AttachmentStore

log = get_logger(__name__)


@dataclass(frozen=True)
class TrainingParams:
    name: str = registry.DEMAND_MODEL
    horizon: int = 14
    window_days: int = 730  # the library learns from up to two years (year-ago features)
    until: date | None = None  # the last day of history (yesterday by default)
    stores: tuple[str, ...] | None = None  # store codes; None: every store
    config: dict[str, Any] = field(default_factory=dict)

    def window(self) -> tuple[date, date]:
        end = self.until or business_day(datetime.now(UTC)) - timedelta(days=1)
        return end - timedelta(days=self.window_days - 1), end


def _store_ids(session: Session, codes: tuple[str, ...] | None) -> dict[uuid.UUID, str]:
    stores = {s.id: s.code for s in session.scalars(select(t.Store).where(
        t.Store.deleted.is_(False))) if s.code}
    if codes is None:
        return stores
    wanted = {code.upper() for code in codes}
    found = {sid: code for sid, code in stores.items() if code.upper() in wanted}
    missing = wanted - {code.upper() for code in found.values()}
    if missing:
        raise ValidationError(f"unknown store {sorted(missing)[0]}")
    return found


def load_panel(session: Session, params: TrainingParams) -> forecast.Panel | None:
    """The panel of every (store, sku) that sold in the window (None: nothing sold)."""
    start, end = params.window()
    stores = _store_ids(session, params.stores)
    history = sales_history(session, start, end, store_ids=list(stores))
    skus = {pid: sku for pid, sku in session.execute(select(t.Product.id, t.Product.sku))}
    return forecast.build_panel(history, stores, skus)


def train_model(engine: Engine, store: AttachmentStore, model_id: uuid.UUID,
                params: TrainingParams, *, report: forecast.Progress | None = None) -> str:
    """Run the whole job for ``model_id`` (already in ``training``); returns the final
    status. Never raises for a failure of the data or the model: it is recorded on the
    row. ``report`` also gets each step (the CLI's progress bar)."""
    started = time.monotonic()
    last = [-1]

    def progress(what: str, pct: float) -> None:
        if report is not None:
            report(what, pct / 100)
        value = int(pct)
        if value != last[0]:
            last[0] = value
            with Session(engine) as session, session.begin():
                registry.set_progress(session, model_id, value)

    status = "failed"
    try:
        progress("reading sales", 1)
        with Session(engine) as session:
            panel = forecast.check_trainable(load_panel(session, params), params.horizon)
            cpi = forecast.inflation_index(session)
        progress("sales read", 5)
        result = forecast.train_and_export(
            panel, horizon=params.horizon, config=params.config, cpi=cpi,
            progress=lambda what, fraction: progress(what, 5 + 90 * fraction))
        progress("saving the model", 96)
        onnx_sha = store.put_bytes(result.onnx)
        card_sha = store.put_bytes(result.card_bytes())
        start, end = params.window()
        metrics = {**result.metrics, "series": panel_size(panel), "horizon": params.horizon,
                   "days": panel.n_days, "first_day": panel.start.isoformat(),
                   "relative_error_std": result.card.relative_error_std,
                   "params": {k: v for k, v in asdict(params).items() if k != "until"},
                   "training_seconds": round(time.monotonic() - started, 3)}
        with Session(engine) as session, session.begin():
            registry.mark_ready(session, model_id, trained_from=start, trained_to=end,
                                metrics=metrics, onnx_sha256=onnx_sha, card_sha256=card_sha,
                                size_bytes=len(result.onnx))
        if result.metrics.get("wape") is not None:
            ML_PREDICTION_WAPE.labels(params.name).set(float(result.metrics["wape"]))
        status = "ready"
        log.info("ml.training_ready", model_id=str(model_id), **{
            k: v for k, v in metrics.items() if isinstance(v, int | float)})
    except Exception as error:  # recorded on the row, with the reason a person can act on
        reason = str(error) if isinstance(error, MinimarketError) else (
            f"{type(error).__name__}: {error}")
        log.warning("ml.training_failed", model_id=str(model_id), reason=reason)
        with Session(engine) as session, session.begin():
            registry.mark_failed(session, model_id, reason)
    finally:
        ML_TRAINING_SECONDS.labels(params.name, status).observe(time.monotonic() - started)
    return status


def panel_size(panel: forecast.Panel) -> int:
    return forecast.series_count(panel)
