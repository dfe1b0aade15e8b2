"""The model registry: each trained version's row, its lifecycle, and the release to stores.

``training`` → ``ready`` (or ``failed``, with the reason) → ``active`` on activation; the
model active before goes back to ``ready``. Activating also writes the ``model_release``
record of that name (chain-wide, HQ-only), which syncs to every store: its PCs download
the two attachments it names (the ONNX file and the model card) and check their SHA-256.

A job touches its row at each step (``updated_at``); a ``training`` row untouched for
:data:`ABANDONED_AFTER` belongs to a process that died, and is marked failed when the
next job is asked for.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.errors import Conflict, NotFound
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder

DEMAND_MODEL = "demand"
ABANDONED_AFTER = timedelta(minutes=30)
TRAINING, READY, FAILED, ACTIVE = "training", "ready", "failed", "active"
_RELEASE_NAMESPACE = uuid.UUID("6f1d3c2e-7a4b-4c55-9e0f-5d2b8a1c9e77")


class TrainingInProgress(Conflict):
    """Only one training job runs at a time."""


class ModelNotReady(Conflict):
    pass


class NoActiveModel(NotFound):
    pass


def release_id(name: str) -> uuid.UUID:
    """The one ``model_release`` record of a model name, the same on every replica."""
    return uuid.uuid5(_RELEASE_NAMESPACE, name)


def now() -> datetime:
    return datetime.now(UTC)


def get_model(session: Session, model_id: uuid.UUID) -> t.MlModel:
    model = session.get(t.MlModel, model_id)
    if model is None:
        raise NotFound(f"unknown model {model_id}")
    return model


def active_model(session: Session, name: str = DEMAND_MODEL) -> t.MlModel:
    model = session.scalars(select(t.MlModel).where(t.MlModel.name == name,
                                                    t.MlModel.status == ACTIVE)
                            .order_by(t.MlModel.version.desc()).limit(1)).first()
    if model is None:
        raise NoActiveModel(f"no active {name} model: train one and activate it")
    return model


def begin_training(session: Session, name: str = DEMAND_MODEL) -> t.MlModel:
    """A new version in ``training`` (0 %); 409 while another job is running."""
    running = list(session.scalars(select(t.MlModel).where(t.MlModel.status == TRAINING)
                                   .with_for_update()))
    for model in running:
        touched = model.updated_at or model.created_at
        if now() - touched > ABANDONED_AFTER:
            model.status, model.error = FAILED, "interrumpido: el proceso que entrenaba terminó"
        else:
            raise TrainingInProgress(
                f"model {model.name} v{model.version} is training ({model.progress_pct} %)")
    version = (session.scalar(select(func.max(t.MlModel.version))
                              .where(t.MlModel.name == name)) or 0) + 1
    model = t.MlModel(id=new_id(), name=name, version=version, status=TRAINING,
                      progress_pct=0, created_at=now(), updated_at=now())
    session.add(model)
    session.flush()
    return model


def set_progress(session: Session, model_id: uuid.UUID, pct: int) -> None:
    session.execute(update(t.MlModel).where(t.MlModel.id == model_id,
                                            t.MlModel.status == TRAINING)
                    .values(progress_pct=max(0, min(int(pct), 99)), updated_at=now()))


def mark_ready(session: Session, model_id: uuid.UUID, *, trained_from: date, trained_to: date,
               metrics: dict[str, Any], onnx_sha256: str, card_sha256: str,
               size_bytes: int) -> None:
    model = get_model(session, model_id)
    model.status, model.progress_pct, model.updated_at = READY, 100, now()
    model.trained_from, model.trained_to = trained_from, trained_to
    model.metrics, model.size_bytes = metrics, size_bytes
    model.onnx_sha256, model.card_sha256 = onnx_sha256, card_sha256


def mark_failed(session: Session, model_id: uuid.UUID, reason: str) -> None:
    model = get_model(session, model_id)
    model.status, model.error, model.updated_at = FAILED, reason[:2000], now()


def activate(session: Session, recorder: Recorder, model_id: uuid.UUID) -> t.MlModel:
    """Make a ready model the one HQ and the stores use; the previous one goes back to ready."""
    model = get_model(session, model_id)
    if model.status not in (READY, ACTIVE) or not model.onnx_sha256 or not model.card_sha256:
        raise ModelNotReady(f"model {model.name} v{model.version} is {model.status}: "
                            "only a ready model can be activated")
    for other in session.scalars(select(t.MlModel).where(
            t.MlModel.name == model.name, t.MlModel.status == ACTIVE, t.MlModel.id != model.id)):
        other.status = READY
    model.status, model.activated_at, model.updated_at = ACTIVE, now(), now()
    recorder.upsert("model_release", release_id(model.name), {
        "name": model.name, "model_id": model.id, "version": model.version,
        "onnx_sha256": model.onnx_sha256, "card_sha256": model.card_sha256,
        "activated_at": model.activated_at,
    })
    return model


def update_metrics(session: Session, model_id: uuid.UUID, values: dict[str, Any]) -> None:
    model = get_model(session, model_id)
    model.metrics = {**(model.metrics or {}), **values}
