"""Has the world moved away from what the model learnt? One score, and why.

Two signals:

* **PSI** (population stability index) of each data feature (``features.DATA_FEATURES``;
  calendar features are left out: a month of recent data always differs from two years
  of training in month and holiday mix, and that is not drift) between the training
  rows and recent rows. Bins are the training deciles (fewer when values repeat);
  PSI = Σ (r − e) · ln(r / e) over bins, with shares floored at ``EPSILON`` so an empty
  bin counts as rare rather than infinite.
* the **error ratio**: recent WAPE / the backtest WAPE on the model's card.

``drift_score = max(min(max_psi, 1), min(max(error_ratio − 1, 0), 1))``: each signal is
0 when nothing moved, and each is capped at 1 so one wild value does not dominate a
dashboard. A stable model scores about 0 (sampling noise: a few hundredths); past
``RETRAIN_ABOVE`` (0.15: PSI between 0.1 and 0.25 is the usual "moderate shift", and
errors 15 % worse than in the backtest) a retrain is suggested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shared.forecast.card import FeatureProfile, ModelCard
from shared.forecast.features import (
    DATA_FEATURES,
    FEATURE_NAMES,
    MIN_HISTORY,
    Cpi,
    FeatureBuilder,
)
from shared.forecast.series import SalesPanel

EPSILON = 1e-4
BINS = 10
RETRAIN_ABOVE = 0.15


@dataclass(frozen=True)
class DriftReport:
    psi: dict[str, float]
    max_psi: float
    worst_feature: str | None
    error_ratio: float | None  # recent WAPE / backtest WAPE; None when either is unknown
    drift_score: float
    retrain: bool


def feature_profile(values: np.ndarray, bins: int = BINS) -> FeatureProfile:
    """Inner bin edges at the training quantiles, and the training share of each bin."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return FeatureProfile(edges=[], shares=[1.0])
    quantiles = np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1])
    edges = np.unique(quantiles)
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=len(edges) + 1)
    return FeatureProfile(edges=[float(e) for e in edges],
                          shares=[float(c) for c in counts / counts.sum()])


def profile_features(matrix: np.ndarray, names: Sequence[str]) -> dict[str, FeatureProfile]:
    """A profile per column of ``matrix``, keyed by ``names``."""
    return {name: feature_profile(matrix[:, i]) for i, name in enumerate(names)}


def psi(profile: FeatureProfile, recent: np.ndarray) -> float:
    """Population stability index of recent values against a training profile."""
    finite = recent[np.isfinite(recent)]
    if not len(finite):
        return 0.0
    edges = np.asarray(profile.edges, dtype=np.float64)
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=len(edges) + 1)
    actual = np.maximum(counts / counts.sum(), EPSILON)
    expected = np.maximum(np.asarray(profile.shares), EPSILON)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def drift_report(
    reference: Mapping[str, FeatureProfile], recent: np.ndarray, names: Sequence[str], *,
    recent_wape: float | None = None, backtest_wape: float | None = None,
) -> DriftReport:
    """PSI of every profiled feature in ``names`` and the combined score (module doc).

    ``recent`` holds feature rows (columns in ``names`` order), e.g. ``feature_matrix``
    at origins in the last weeks; ``reference`` comes from the model card.
    """
    values = {name: psi(reference[name], recent[:, i])
              for i, name in enumerate(names) if name in reference}
    worst = max(values, key=lambda name: values[name]) if values else None
    max_psi = values[worst] if worst is not None else 0.0
    ratio = (recent_wape / backtest_wape
             if recent_wape is not None and backtest_wape and np.isfinite(recent_wape)
             else None)
    score = max(min(max_psi, 1.0), min(max((ratio or 1.0) - 1.0, 0.0), 1.0))
    return DriftReport(psi=values, max_psi=max_psi, worst_feature=worst, error_ratio=ratio,
                       drift_score=score, retrain=score > RETRAIN_ABOVE)


def recent_feature_rows(panel: SalesPanel, *, horizon: int, days: int = 28,
                        country: str = "AR", cpi: Cpi | None = None) -> np.ndarray:
    """The data features (``DATA_FEATURES`` columns) at every origin of the last ``days``."""
    last = panel.n_days - 1
    first = max(MIN_HISTORY - 1, last - days + 1)
    builder = FeatureBuilder(panel, horizon=horizon, country=country, cpi=cpi)
    columns = [FEATURE_NAMES.index(name) for name in DATA_FEATURES]
    return np.concatenate([builder.at(origin)[0][:, columns]
                           for origin in range(first, last + 1)])


def drift_of_card(card: ModelCard, panel: SalesPanel, *, days: int = 28,
                  recent_wape: float | None = None, cpi: Cpi | None = None) -> DriftReport:
    """Drift of a released model on a panel's last ``days`` days (store or HQ data)."""
    rows = recent_feature_rows(panel, horizon=card.horizon, days=days,
                               country=card.config.country, cpi=cpi)
    backtest_wape = card.metrics.get("wape")
    return drift_report(card.reference, rows, DATA_FEATURES, recent_wape=recent_wape,
                        backtest_wape=float(backtest_wape) if backtest_wape else None)
