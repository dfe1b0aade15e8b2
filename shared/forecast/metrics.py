"""Forecast error measures, exactly as CONTRACTS.md defines them.

* **WAPE** is pooled: Σ|y − ŷ| / Σ|y| over every series and day counted.
* **MASE** is per series: the MAE over the test window divided by the in-sample MAE of
  the weekly seasonal naive (ŷ[d] = y[d − 7]) over the training window, then averaged
  over series. A series whose denominator is 0 (or with no counted test day) is
  skipped, and the number skipped is returned with the value.
* The **seasonal-naive** baseline forecasts each day with the value 7 days earlier,
  repeating the last training week across the horizon.

Stock-out days (``mask`` False) are left out of every sum: of the numerator, and of the
in-sample pairs (a pair counts only when both of its days are counted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEASON = 7


@dataclass(frozen=True)
class Mase:
    value: float  # NaN when every series was skipped
    series_used: int
    series_skipped: int


def wape(actual: np.ndarray, forecast: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Σ|y − ŷ| / Σ|y| over the counted cells; NaN when Σ|y| is 0."""
    counted = np.ones(actual.shape, dtype=bool) if mask is None else mask
    denominator = float(np.abs(actual[counted]).sum())
    if denominator == 0:
        return float("nan")
    return float(np.abs(actual - forecast)[counted].sum()) / denominator


def seasonal_naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """(series × horizon): step h is ``history[:, -7 + (h - 1) % 7]``."""
    if history.shape[-1] < SEASON:
        raise ValueError(f"the seasonal naive needs {SEASON} days of history")
    last_week = history[..., -SEASON:]
    return last_week[..., np.arange(horizon) % SEASON]


def naive_scale(train: np.ndarray, train_mask: np.ndarray | None = None) -> np.ndarray:
    """Per series: in-sample MAE of the lag-7 seasonal naive over the training window.

    NaN for a series with no counted pair.
    """
    errors = np.abs(train[:, SEASON:] - train[:, :-SEASON])
    counted = (np.ones(errors.shape, dtype=bool) if train_mask is None
               else train_mask[:, SEASON:] & train_mask[:, :-SEASON])
    n = counted.sum(axis=1)
    total = np.where(counted, errors, 0.0).sum(axis=1)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def mase_terms(
    train: np.ndarray, actual: np.ndarray, forecast: np.ndarray, *,
    train_mask: np.ndarray | None = None, test_mask: np.ndarray | None = None,
) -> np.ndarray:
    """Per series MASE (NaN for a skipped series); see ``mase``."""
    counted = np.ones(actual.shape, dtype=bool) if test_mask is None else test_mask
    n = counted.sum(axis=1)
    mae = np.where(counted, np.abs(actual - forecast), 0.0).sum(axis=1) / np.maximum(n, 1)
    scale = naive_scale(train, train_mask)
    usable = (n > 0) & np.isfinite(scale) & (scale > 0)
    return np.where(usable, mae / np.where(usable, scale, 1.0), np.nan)


def mase(
    train: np.ndarray, actual: np.ndarray, forecast: np.ndarray, *,
    train_mask: np.ndarray | None = None, test_mask: np.ndarray | None = None,
) -> Mase:
    """Mean over series of test MAE / in-sample lag-7 naive MAE, skipping zero denominators."""
    return summarize_mase(mase_terms(train, actual, forecast,
                                     train_mask=train_mask, test_mask=test_mask))


def summarize_mase(terms: np.ndarray) -> Mase:
    """Average per-series MASE terms (NaN = skipped)."""
    used = np.isfinite(terms)
    count = int(used.sum())
    value = float(terms[used].mean()) if count else float("nan")
    return Mase(value, count, int(terms.size - count))
