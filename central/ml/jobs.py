"""Training as a background job: started by a request, never run inside one.

:func:`start_training` records a new version in ``training`` (refused with 409 while
another job runs, in this process or any other sharing the database), then runs
:func:`central.ml.training.train_model` on a thread of this process with its own
synchronous engine. Progress lands in the row (``progress_pct``), so any process
answers ``GET /api/ml/models/{id}``; a failure is recorded with its reason.
:func:`train_in_foreground` runs the same job in the caller's thread (the operators'
``minimarket central train-forecast``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from central.ml import registry
from central.ml.training import TrainingParams, train_model
from shared.db.engine import create_db_engine
from shared.logging import get_logger
from shared.services.demand_forecast import Progress
from sync.attachments import AttachmentStore

log = get_logger(__name__)
_LOCK = threading.Lock()
_RUNNING: dict[str, threading.Thread] = {}


def running() -> bool:
    with _LOCK:
        return any(thread.is_alive() for thread in _RUNNING.values())


def start_training(db_url: str, attachments_dir: Path, params: TrainingParams, *,
                   on_finish: Callable[[uuid.UUID], None] | None = None) -> uuid.UUID:
    """Record the new version and start its job; returns the model id at once."""
    with _LOCK:
        if any(thread.is_alive() for thread in _RUNNING.values()):
            raise registry.TrainingInProgress("a training job is already running here")
        engine = create_db_engine(db_url)
        try:
            with Session(engine) as session, session.begin():
                model_id = registry.begin_training(session, params.name).id
        except BaseException:
            engine.dispose()
            raise
        thread = threading.Thread(target=_run, name=f"train-{params.name}", daemon=True,
                                  args=(engine, AttachmentStore(attachments_dir), model_id,
                                        params, on_finish))
        _RUNNING[params.name] = thread
        thread.start()
    return model_id


def train_in_foreground(engine: Engine, attachments_dir: Path, params: TrainingParams, *,
                        report: Progress | None = None) -> uuid.UUID:
    """Record a new version and run its job here; returns the model id (its row says
    whether it is ``ready`` or ``failed``, and why). 409 while another job runs."""
    with Session(engine) as session, session.begin():
        model_id = registry.begin_training(session, params.name).id
    train_model(engine, AttachmentStore(attachments_dir), model_id, params, report=report)
    return model_id


def _run(engine: Engine, store: AttachmentStore, model_id: uuid.UUID, params: TrainingParams,
         on_finish: Callable[[uuid.UUID], None] | None) -> None:
    try:
        train_model(engine, store, model_id, params)
    except Exception:  # train_model records its failures; this is a last resort
        log.exception("ml.training_job_crashed", model_id=str(model_id))
    finally:
        engine.dispose()
        if on_finish is not None:
            on_finish(model_id)


def wait(timeout: float | None = None) -> None:
    """Block until the running jobs end (the CLI and tests)."""
    with _LOCK:
        threads = list(_RUNNING.values())
    for thread in threads:
        thread.join(timeout)
