"""ML agent (8003): the model registry, training jobs, forecasts, reorder and signals.

Training runs as a background job (:mod:`central.ml.jobs`), never inside the request
that starts it; its progress is the model row. Forecasts and reorder suggestions use the
active model with onnxruntime; inflation signals and drift set the gauges alerts use.
docs/forecasting.md explains the whole.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.kit.auth import require
from shared.db import tables as t
from shared.domain.enums import Role
from shared.domain.errors import NotFound
from shared.security.tokens import Principal

router = APIRouter(prefix="/api/ml", tags=["ml"])
Reader = Annotated[Principal, Depends(require(Role.ML_SERVICE, Role.NEGOCIO, Role.DEPOSITO))]


class ModelOut(BaseModel):
    id: uuid.UUID
    name: str
    version: int
    status: str
    progress_pct: int
    created_at: datetime
    trained_from: date | None
    trained_to: date | None
    metrics: dict[str, Any] | None
    onnx_sha256: str | None
    size_bytes: int | None
    card_sha256: str | None = None
    error: str | None = None
    updated_at: datetime | None = None
    activated_at: datetime | None = None


class ModelPage(BaseModel):
    items: list[ModelOut]
    total: int
    page: int
    size: int


@router.get("/models", response_model=ModelPage)
async def list_models(
    request: Request,
    _principal: Reader,
    name: Annotated[str | None, Query(max_length=80)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ModelPage:
    """The registry: every trained model version, newest first."""

    def run(session: Session) -> ModelPage:
        query = select(t.MlModel)
        if name:
            query = query.where(t.MlModel.name == name)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(t.MlModel.created_at.desc()).offset((page - 1) * size).limit(size)
        ).all()
        return ModelPage(
            items=[ModelOut.model_validate(r, from_attributes=True) for r in rows],
            total=total,
            page=page,
            size=size,
        )

    result: ModelPage = await request.app.state.central.database.read(run)
    return result


@router.get("/models/{model_id}", response_model=ModelOut)
async def get_model(request: Request, _principal: Reader, model_id: uuid.UUID) -> ModelOut:
    def run(session: Session) -> ModelOut:
        model = session.get(t.MlModel, model_id)
        if model is None:
            raise NotFound(f"unknown model {model_id}")
        return ModelOut.model_validate(model, from_attributes=True)

    result: ModelOut = await request.app.state.central.database.read(run)
    return result


def routers() -> list[APIRouter]:
    from central.ml import model_endpoints

    return [router, model_endpoints.router]
