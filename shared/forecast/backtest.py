"""Rolling-origin backtest: how the model would have done on the last weeks of the data.

Origins are spaced by the horizon at the end of the panel, so the test windows tile
the last ``origins × horizon`` days without overlap. For each origin the model is
trained only on the days up to it, then forecasts the next ``horizon`` days; the
seasonal naive forecasts the same days from the same history. WAPE is pooled over
every series, day and origin; MASE is averaged over every (series, origin) pair whose
denominator is not zero (a series is its own training window at each origin).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.forecast.card import ForecastConfig
from shared.forecast.errors import NotEnoughHistory
from shared.forecast.features import MIN_HISTORY, Cpi
from shared.forecast.metrics import Mase, mase_terms, seasonal_naive, summarize_mase
from shared.forecast.model import Progress, TrainedForecaster, train
from shared.forecast.series import SalesPanel

MIN_TRAINING_DAYS = MIN_HISTORY + 28  # at least four weeks of training origins


@dataclass(frozen=True)
class Scores:
    wape: float
    mase: Mase

    def to_contract(self) -> dict[str, float | None]:
        return {"wape": _rounded(self.wape), "mase": _rounded(self.mase.value)}


@dataclass
class BacktestResult:
    series: int
    horizon: int
    origins: list[str]  # ISO dates of the origins (the last training day of each fold)
    model: Scores
    seasonal_naive: Scores
    seconds: float
    # per series: std of the model's daily error over every test day (NaN: no test day)
    residual_std: np.ndarray = field(repr=False)
    # std of the daily error over the mean daily sales, pooled over the test windows
    relative_error_std: float | None = None
    last_model: TrainedForecaster | None = field(default=None, repr=False)

    def to_contract(self) -> dict[str, Any]:
        """The ``forecast backtest --json`` shape (CONTRACTS.md) and a few extra keys."""
        return {"series": self.series, "horizon": self.horizon,
                "model": self.model.to_contract(),
                "seasonal_naive": self.seasonal_naive.to_contract(),
                "seconds": round(self.seconds, 2), "origins": self.origins,
                "mase_series_skipped": self.model.mase.series_skipped}

    def card_metrics(self) -> dict[str, float | int | None]:
        return {"wape": _rounded(self.model.wape), "mase": _rounded(self.model.mase.value),
                "seasonal_naive_wape": _rounded(self.seasonal_naive.wape),
                "seasonal_naive_mase": _rounded(self.seasonal_naive.mase.value),
                "origins": len(self.origins), "horizon": self.horizon}


def backtest_origins(n_days: int, horizon: int, origins: int) -> list[int]:
    """The origins (last training day of each fold), oldest first."""
    days = [n_days - 1 - horizon * k for k in range(origins, 0, -1)]
    if origins < 1 or days[0] + 1 < MIN_TRAINING_DAYS + horizon:
        raise NotEnoughHistory(
            f"a backtest of {origins} × {horizon} days needs at least "
            f"{MIN_TRAINING_DAYS + horizon * (origins + 1)} days of sales, "
            f"the data has {n_days}")
    return days


def backtest(
    panel: SalesPanel, *, horizon: int, origins: int = 3, config: ForecastConfig | None = None,
    cpi: Cpi | None = None, progress: Progress | None = None, threads: int = 1,
) -> BacktestResult:
    """Train at each origin on the days before it and score the next ``horizon`` days."""
    started = time.perf_counter()
    report = progress or (lambda _what, _done: None)
    folds = backtest_origins(panel.n_days, horizon, origins)
    errors = {"model": [0.0, 0.0], "naive": [0.0, 0.0]}  # Σ|y − ŷ|, Σ|y|
    terms: dict[str, list[np.ndarray]] = {"model": [], "naive": []}
    residuals: list[np.ndarray] = []
    masks: list[np.ndarray] = []
    trained = None
    for k, origin in enumerate(folds):
        def step(what: str, done: float, k: int = k) -> None:
            report(f"origin {k + 1}/{len(folds)}: {what}", (k + done) / len(folds))

        history = panel.until(origin)
        trained = train(history, horizon=horizon, config=config, cpi=cpi, progress=step,
                        threads=threads)
        actual = panel.units[:, origin + 1: origin + 1 + horizon]
        counted = ~panel.stockout[:, origin + 1: origin + 1 + horizon]
        forecasts = {"model": trained.forecast(history, cpi=cpi),
                     "naive": seasonal_naive(history.units, horizon)}
        for name, forecast in forecasts.items():
            errors[name][0] += float(np.abs(actual - forecast)[counted].sum())
            errors[name][1] += float(np.abs(actual)[counted].sum())
            terms[name].append(mase_terms(history.units, actual, forecast,
                                          train_mask=~history.stockout, test_mask=counted))
        residuals.append(actual - forecasts["model"])
        masks.append(counted)
    report("done", 1.0)
    residual = np.concatenate(residuals, axis=1)
    mask = np.concatenate(masks, axis=1)
    scores = {name: Scores(_ratio(*errors[name]), summarize_mase(np.concatenate(terms[name])))
              for name in errors}
    return BacktestResult(
        series=panel.n_series, horizon=horizon,
        origins=[panel.date_of(day).isoformat() for day in folds],
        model=scores["model"], seasonal_naive=scores["naive"],
        seconds=time.perf_counter() - started, residual_std=_masked_std(residual, mask),
        relative_error_std=_relative_std(residual, mask, panel, folds[0] + 1),
        last_model=trained)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def _masked_std(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n = mask.sum(axis=1)
    mean = np.where(mask, values, 0.0).sum(axis=1) / np.maximum(n, 1)
    variance = np.where(mask, (values - mean[:, None]) ** 2, 0.0).sum(axis=1) / np.maximum(n, 1)
    return np.where(n > 0, np.sqrt(variance), np.nan)


def _relative_std(residual: np.ndarray, mask: np.ndarray, panel: SalesPanel,
                  first_test_day: int) -> float | None:
    actual = panel.units[:, first_test_day:][mask]
    if not mask.any() or actual.mean() == 0:
        return None
    return float(residual[mask].std() / actual.mean())


def _rounded(value: float) -> float | None:
    return round(value, 4) if np.isfinite(value) else None
