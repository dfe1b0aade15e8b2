"""``minimarket central train-forecast``: the training job in the foreground.

The same job as ``POST /api/ml/models/train`` (:func:`central.ml.jobs.train_in_foreground`):
a new version in the registry, trained with the library's backtest, exported to ONNX and
stored; ``--activate`` releases it to HQ and the stores. Progress goes to stderr as a
Rich bar; the result (model id, version, backtest WAPE against the seasonal naive) to
stdout. A failed job exits non-zero with its reason, which is also on the model's row.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from central.ml import jobs, registry
from central.ml.training import TrainingParams
from central.runtime import open_central


def _wape_line(metrics: dict[str, Any]) -> str:
    model, naive = metrics.get("wape"), metrics.get("seasonal_naive_wape")
    if model is None:
        return "backtest: none (the history is too short for one)"
    line = f"backtest WAPE {model:.3f}"
    if naive is not None:
        line += f" vs seasonal naive {naive:.3f}"
        if naive > 0:
            line += f" (ratio {model / naive:.3f})"
    return f"{line}, {metrics.get('origins')} origins × {metrics.get('horizon')} days"


def run_training(db: str | None, *, horizon: int, window_days: int, config: dict[str, Any],
                 activate: bool) -> bool:
    """Train (and maybe activate); True when the model is ready (or active)."""
    central = open_central(db)
    params = TrainingParams(horizon=horizon, window_days=window_days, config=config)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    with Progress(TextColumn("{task.description:<34}"), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), console=errors) as bar:
        task = bar.add_task("reading sales", total=1.0)

        def report(what: str, done: float) -> None:
            bar.update(task, completed=done, description=what[:34])

        model_id = jobs.train_in_foreground(
            central.engine, central.settings.attachments_dir_or_default(), params,
            report=report)
        with Session(central.engine) as session:
            failed = registry.get_model(session, model_id).status == registry.FAILED
        bar.update(task, completed=bar.tasks[0].completed if failed else 1.0,
                   description="failed" if failed else "trained")
    if activate:
        with central.transaction() as (session, recorder):
            if registry.get_model(session, model_id).status == registry.READY:
                registry.activate(session, recorder, model_id)
    with Session(central.engine) as session:
        model = registry.get_model(session, model_id)
        status, version, error = model.status, model.version, model.error
        metrics = dict(model.metrics or {})
    out = Console(highlight=False, soft_wrap=True)
    if status == registry.FAILED:
        errors.print(f"error: model {model_id} v{version} failed: {error}", markup=False)
        return False
    out.print(f"model {model_id} v{version} {status}: {metrics.get('series')} series, "
              f"horizon {horizon} days, {metrics.get('days')} days of sales", markup=False)
    out.print(_wape_line(metrics), markup=False)
    if not activate:
        out.print(f"activate it with POST /api/ml/models/{model_id}/activate "
                  "or train again with --activate", markup=False)
    return True
