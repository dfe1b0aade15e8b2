"""HTTP: training jobs, activation, forecasts, reorder, drafts, drift and inflation signals."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from central.kit.auth import require
from central.kit.metrics import (
    INFLATION_GAP_POINTS,
    ML_DRIFT_SCORE,
    ML_PREDICTION_WAPE,
    ML_PREDICTIONS,
)
from central.ml import drift, forecasting, jobs, registry
from central.ml.endpoints import ModelOut
from central.ml.training import TrainingParams
from central.negocio.inflation_signals import gauge_labels, inflation_signals
from shared.domain.enums import Role
from shared.domain.jsonout import dumps
from shared.logging import get_logger
from shared.ops.recorder import Recorder
from shared.security.tokens import Principal
from shared.services.replenishment import DEFAULT_COVER_DAYS, DEFAULT_SERVICE_LEVEL
from sync.attachments import AttachmentStore

router = APIRouter(prefix="/api/ml", tags=["ml"])
Reader = Annotated[Principal, Depends(require(Role.ML_SERVICE, Role.NEGOCIO, Role.DEPOSITO))]
Trainer = Annotated[Principal, Depends(require(Role.ML_SERVICE))]
Buyer = Annotated[Principal, Depends(require(Role.NEGOCIO))]
StoreCode = Annotated[str, Query(min_length=1, max_length=32)]
CoverDays = Annotated[int, Query(ge=1, le=120)]
ServiceLevel = Annotated[float, Query(ge=0.5, le=0.999)]
log = get_logger(__name__)


class TrainIn(BaseModel):
    horizon: int = Field(14, ge=1, le=60, description="Days forecast ahead")
    window_days: int = Field(730, ge=57, le=1500,
                             description="Days of history to learn from (56 + horizon at least)")
    until: date | None = Field(None, description="Last day of history (yesterday by default)")
    stores: list[str] | None = Field(None, max_length=500, description="Store codes (all)")
    config: dict[str, Any] = Field(default_factory=dict, description="Library options")


class DraftsIn(BaseModel):
    store: str = Field(min_length=1, max_length=32)
    cover_days: int = Field(DEFAULT_COVER_DAYS, ge=1, le=120)
    service_level: float = Field(DEFAULT_SERVICE_LEVEL, ge=0.5, le=0.999)


def _json(data: Any, status_code: int = 200) -> Response:
    return Response(dumps(data), status_code=status_code, media_type="application/json")


def _files(request: Request) -> AttachmentStore:
    return AttachmentStore(request.app.state.central.settings.attachments_dir_or_default())


async def _model_out(request: Request, model_id: uuid.UUID) -> ModelOut:
    def run(session: Session) -> ModelOut:
        return ModelOut.model_validate(registry.get_model(session, model_id),
                                       from_attributes=True)

    found: ModelOut = await request.app.state.central.database.read(run)
    return found


@router.post("/models/train", status_code=202, response_model=ModelOut)
async def train(request: Request, _principal: Trainer, body: TrainIn | None = None) -> ModelOut:
    """Start a training job in the background (409 while one runs); poll the model."""
    given = body or TrainIn.model_validate({})
    params = TrainingParams(horizon=given.horizon, window_days=given.window_days,
                            until=given.until,
                            stores=tuple(given.stores) if given.stores else None,
                            config=given.config)
    state = request.app.state.central
    model_id = jobs.start_training(state.database.url, _files(request).root, params)
    return await _model_out(request, model_id)


@router.post("/models/{model_id}/activate", response_model=ModelOut)
async def activate(request: Request, principal: Trainer, model_id: uuid.UUID) -> ModelOut:
    """The model HQ forecasts with and the stores download (as sync attachments)."""
    def run(session: Session, recorder: Recorder) -> None:
        registry.activate(session, recorder, model_id)

    await request.app.state.central.database.write(principal.user_id, run)
    out = await _model_out(request, model_id)
    backtest = (out.metrics or {}).get("wape")
    if backtest is not None:
        ML_PREDICTION_WAPE.labels(out.name).set(float(backtest))
    return out


@router.get("/forecast")
async def forecast(
    request: Request, principal: Reader, store: StoreCode,
    sku: Annotated[str, Query(min_length=1, max_length=64)],
    horizon: Annotated[int | None, Query(ge=1, le=60)] = None,
) -> Response:
    """A product's daily forecast in a store, from tomorrow, with the active model."""
    def run(session: Session) -> dict[str, Any]:
        return forecasting.forecast_series(session, principal, _files(request),
                                           store_code=store, sku=sku, horizon=horizon)

    report = await request.app.state.central.database.read(run)
    ML_PREDICTIONS.labels(registry.DEMAND_MODEL, "forecast").inc()
    return _json(report)


@router.get("/reorder")
async def reorder(
    request: Request, principal: Reader, store: StoreCode,
    cover_days: CoverDays = DEFAULT_COVER_DAYS, service_level: ServiceLevel = DEFAULT_SERVICE_LEVEL,
    only_needed: bool = False,
) -> Response:
    """Reorder point and suggested quantity per product of a store, by supplier."""
    def run(session: Session) -> dict[str, Any]:
        found = forecasting.store_reorder(session, principal, _files(request), store_code=store,
                                          cover_days=cover_days, service_level=service_level,
                                          only_needed=only_needed)
        return forecasting.reorder_report(*found)

    report = await request.app.state.central.database.read(run)
    ML_PREDICTIONS.labels(registry.DEMAND_MODEL, "reorder").inc(report["lines"])
    return _json(report)


@router.post("/reorder/drafts", status_code=201)
async def reorder_drafts(request: Request, principal: Buyer, body: DraftsIn) -> Response:
    """Draft purchase orders, one per supplier, from the store's suggestions; edit and
    send them with ``/api/negocio/purchase-orders``."""
    from central.kit.metrics import PURCHASE_ORDERS_CREATED

    def run(session: Session, recorder: Recorder) -> dict[str, Any]:
        return forecasting.create_drafts(session, recorder, principal, _files(request),
                                         store_code=body.store, cover_days=body.cover_days,
                                         service_level=body.service_level)

    report = await request.app.state.central.database.write(principal.user_id, run)
    PURCHASE_ORDERS_CREATED.inc(len(report["orders"]))
    return _json(report, 201)


@router.post("/drift/check")
async def drift_check(request: Request, _principal: Trainer) -> Response:
    """Forecast the last finished days again and compare: the drift score and whether to
    retrain (past 0.15); sets ``ml_model_drift_score`` and ``ml_prediction_wape``."""
    def run(session: Session, _recorder: Recorder) -> dict[str, Any]:
        return drift.check_drift(session, _files(request))

    report = await request.app.state.central.database.write(None, run)
    name = report["model"]["name"]
    ML_DRIFT_SCORE.labels(name).set(report["drift_score"])
    if report["recent_wape"] is not None:
        ML_PREDICTION_WAPE.labels(name).set(report["recent_wape"])
    ML_PREDICTIONS.labels(name, "drift").inc(report["series"])
    if report["retrain_suggested"]:
        log.warning("ml.retrain_suggested", model=name, version=report["model"]["version"],
                    drift_score=report["drift_score"], threshold=report["threshold"])
    return _json(report)


@router.get("/signals/inflation")
async def inflation(
    request: Request, _principal: Reader,
    as_of: Annotated[date | None, Query(description="Last day of the 30 (today)")] = None,
) -> Response:
    """Suppliers and categories whose costs rose more than the index over 30 days; sets
    ``inflation_gap_points{supplier,category}`` (InflacionAnomaly above 5 points)."""
    def run(session: Session) -> dict[str, Any]:
        report = inflation_signals(session, as_of or forecasting.today())
        return {"report": report.as_json(),
                "labels": [gauge_labels(signal) for signal in report.signals],
                "points": [float(signal.points) for signal in report.signals]}

    found = await request.app.state.central.database.read(run)
    INFLATION_GAP_POINTS.clear()
    for labels, points in zip(found["labels"], found["points"], strict=True):
        INFLATION_GAP_POINTS.labels(*labels).set(points)
    return _json(found["report"])
