"""The seam between the ledger and the forecasting library (:mod:`shared.forecast`).

HQ's training job, HQ's forecasts and a store PC's offline suggestions all go through
here, so the library's API is met in one place: a :class:`SalesHistory` becomes the
library's :class:`SalesPanel`, a trained model becomes ONNX bytes plus its
:class:`ModelCard`, and a :class:`Forecaster` built from those bytes forecasts a store's
series with onnxruntime and numpy only (scikit-learn is imported by training alone).

The monthly inflation index (``inflation_index``: chain-wide, synced to every store) is
the library's CPI. :func:`inflation_index` reads it from whichever replica is at hand;
training takes it (the card then says ``uses_cpi``), and a forecaster hands it on only to
a model whose card says so: a model sees the same features at HQ and on a store PC, and
one trained without the index keeps running without it. No index rows: the library's
default (the inflation-relative price reads 1.0).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.errors import ValidationError
from shared.forecast.card import ForecastConfig, ModelCard
from shared.forecast.drift import DriftReport, drift_of_card
from shared.forecast.errors import NotEnoughHistory
from shared.forecast.features import MIN_HISTORY, Cpi
from shared.forecast.metrics import wape
from shared.forecast.reorder import ReorderInput, ReorderSuggestion, suggest_reorder
from shared.forecast.series import SalesPanel, panel_from_rows
from shared.logging import get_logger
from shared.services.sales_history import SalesHistory

log = get_logger(__name__)

Panel = SalesPanel
Progress = Callable[[str, float], None]  # (what is happening, fraction done 0..1)
BACKTEST_ORIGINS = 3


class ModelFileMismatch(ValidationError):
    """A model file whose bytes do not hash to the name it was released under."""


@dataclass(frozen=True)
class Trained:
    onnx: bytes
    card: ModelCard
    metrics: dict[str, Any]  # the backtest's figures (empty when the history was too short)

    def card_bytes(self) -> bytes:
        """The card as stored beside the ONNX file (UTF-8 JSON)."""
        return self.card.to_json().encode()


def inflation_index(session: Session) -> dict[str, float]:
    """The replica's inflation index as the library's CPI, ``{"YYYY-MM": value}``.

    Values are stored × 10⁴; deleted and incomplete rows are left out, and should two
    replicas have made a record for one month the older id wins (as negocio reads it).
    Empty when the index has no rows: the library then uses its default.
    """
    found: dict[str, float] = {}
    for month, value_e4 in session.execute(
        select(t.InflationIndex.month, t.InflationIndex.value_e4)
        .where(t.InflationIndex.deleted.is_(False)).order_by(t.InflationIndex.id)
    ):
        if month is not None and value_e4 is not None:
            found.setdefault(month.strftime("%Y-%m"), value_e4 / 10_000)
    return dict(sorted(found.items()))


def min_training_days(horizon: int) -> int:
    """The library's rule: eight weeks of features before the first origin, plus a horizon."""
    return MIN_HISTORY + horizon


def build_panel(history: SalesHistory, stores: Mapping[uuid.UUID, str],
                skus: Mapping[uuid.UUID, str | None], *,
                first_day: date | None = None) -> SalesPanel | None:
    """The library's daily panel per (store code, sku) from a window of the ledger; None
    when nothing sold in it.

    The panel starts on the first day anything sold in the window (not before: days
    before a store's first sale are unknown, not days of zero sales) and ends on the
    window's last day; ``first_day`` overrides that start (a few products of a store
    that sold before them). Stock-out days go in as a closing level of zero, prices as
    the days a price took effect (the panel carries them forward).
    """
    def key(store: uuid.UUID, product: uuid.UUID) -> tuple[str, str]:
        return stores[store], skus.get(product) or str(product)

    rows = [(day, *key(store, product), units)
            for day, store, product, units in history.sales if store in stores]
    if not rows:
        return None
    first = max(history.start, first_day or min(row[0] for row in rows))
    levels = [(day, *key(s, p), 0.0)
              for (s, p), days in history.stockouts.items() if s in stores for day in days]
    prices = []
    for (s, p), by_day in history.prices.items():
        if s not in stores:
            continue
        previous = None
        for day in sorted(by_day):
            if by_day[day] != previous:
                prices.append((day, *key(s, p), by_day[day] / 100))
                previous = by_day[day]
    return panel_from_rows(rows, prices=prices, levels=levels, start=first, end=history.end)


def series_count(panel: SalesPanel | None) -> int:
    return 0 if panel is None else panel.n_series


def check_trainable(panel: SalesPanel | None, horizon: int) -> SalesPanel:
    """The panel, if the library can train on it; else a clear ``NotEnoughHistory``."""
    if panel is None or series_count(panel) == 0:
        raise NotEnoughHistory("no sales in the training window: nothing to learn from")
    needed = min_training_days(horizon)
    if panel.n_days < needed:
        raise NotEnoughHistory(
            f"training a {horizon}-day forecast needs at least {needed} days of sales "
            f"({MIN_HISTORY} days of history before the first forecast + the horizon); "
            f"the window has {panel.n_days} days with sales "
            f"({panel.start.isoformat()}..{panel.end.isoformat()})")
    return panel


def backtest_origins(n_days: int, horizon: int, wanted: int = BACKTEST_ORIGINS) -> int:
    """How many backtest origins the history allows (up to ``wanted``; 0: none)."""
    from shared.forecast.backtest import MIN_TRAINING_DAYS

    fits = (n_days - MIN_TRAINING_DAYS) // horizon - 1
    return max(0, min(wanted, fits))


def train_and_export(panel: SalesPanel, *, horizon: int,
                     config: ForecastConfig | Mapping[str, Any] | None = None,
                     cpi: Cpi | None = None,
                     progress: Progress | None = None) -> Trained:
    """Backtest (when the history allows), train on the whole panel, export to ONNX,
    check the export on held-back rows; the bytes, the card and the backtest's figures.

    ``cpi`` is the inflation index (:func:`inflation_index`); the backtest and the final
    fit both use it, and the card records whether there was one (``uses_cpi``).

    Progress: the backtest takes 0..0.6 (none when skipped), the final fit 0.6..0.9, the
    export and its check the rest.
    """
    from shared.forecast.backtest import backtest
    from shared.forecast.model import check_onnx, export_onnx, train, with_backtest

    check_trainable(panel, horizon)
    settings = (config if isinstance(config, ForecastConfig)
                else ForecastConfig.from_dict(dict(config or {})))
    report = progress or (lambda _what, _done: None)
    origins = backtest_origins(panel.n_days, horizon)
    metrics: dict[str, Any] = {}
    relative_error_std = None
    if origins:
        result = backtest(panel, horizon=horizon, origins=origins, config=settings, cpi=cpi,
                          progress=lambda what, done: report(f"backtest: {what}", 0.6 * done))
        metrics = result.card_metrics()
        relative_error_std = result.relative_error_std
    trained = train(panel, horizon=horizon, config=settings, cpi=cpi,
                    progress=lambda what, done: report(f"training: {what}", 0.6 + 0.3 * done))
    trained = with_backtest(trained, metrics, relative_error_std)
    report("export", 0.9)
    onnx = export_onnx(trained)
    check_onnx(trained, onnx)
    report("done", 1.0)
    return Trained(onnx, trained.card, metrics)


def verify(data: bytes, sha256: str) -> bytes:
    """``data`` if it hashes to ``sha256``; a released model is never used unverified."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ModelFileMismatch(f"the model file hashes to {actual}, not {sha256}")
    return data


class Forecaster:
    """A released model loaded for inference (onnxruntime + numpy only)."""

    def __init__(self, onnx: bytes, card: bytes | str | Mapping[str, Any] | ModelCard) -> None:
        from shared.forecast.inference import OnnxForecaster

        self.card = card if isinstance(card, ModelCard) else ModelCard.from_json(card)
        self.horizon = self.card.horizon
        self._onnx = OnnxForecaster(onnx, self.card)

    @property
    def backtest_wape(self) -> float | None:
        found = self.card.metrics.get("wape")
        return None if found is None else float(found)

    def history_start(self, origin: date) -> date:
        """The first day of history the model's features read before ``origin``."""
        return origin - timedelta(days=self.card.lookback_days - 1)

    def cpi_for(self, cpi: Cpi | None) -> Cpi | None:
        """The index as this model takes it: only a model trained with one gets one."""
        if not self.card.uses_cpi:
            return None
        if not cpi:
            log.warning("forecast.no_inflation_index",
                        reason="the model was trained with the index; this replica has none")
        return cpi

    def forecast(self, panel: SalesPanel, origin: date, horizon: int | None = None, *,
                 cpi: Cpi | None = None) -> np.ndarray:
        """Series × days of expected units from the day after ``origin``; ``cpi`` is the
        replica's inflation index (:func:`inflation_index`)."""
        if panel.day_of(origin) < MIN_HISTORY - 1:
            raise NotEnoughHistory(
                f"a forecast needs {MIN_HISTORY} days of sales up to {origin.isoformat()}; "
                f"the sales here start on {panel.start.isoformat()}")
        return self._onnx.forecast(panel, origin, horizon or self.horizon,
                                   cpi=self.cpi_for(cpi))

    def recent_wape(self, panel: SalesPanel, days: int | None = None, *,
                    cpi: Cpi | None = None) -> float | None:
        """Pooled WAPE of the forecasts made ``days`` (the horizon) before the panel's end
        for the days since, stock-out days left out; None when nothing sold then."""
        steps = days or self.horizon
        origin = panel.end - timedelta(days=steps)
        predicted = self.forecast(panel, origin, steps, cpi=cpi)
        actual, counted = panel.units[:, -steps:], ~panel.stockout[:, -steps:]
        found = wape(actual, predicted, counted)
        return None if np.isnan(found) else found


def extended(daily: Sequence[float], days: int) -> list[float]:
    """``daily`` made ``days`` long: past the model's horizon its last week repeats.

    A lead time plus the days of cover can reach past what the model forecasts; the
    weekly pattern is the best guess for the days after (a shorter forecast repeats whole).
    """
    values = [max(float(v), 0.0) for v in daily]
    if not values:
        raise ValueError("an empty forecast cannot be extended")
    week = values[-7:]
    while len(values) < days:
        values.append(week[(len(values) - len(daily)) % len(week)])
    return values


def reorder(daily_demand: Sequence[float], *, on_hand: Decimal, lead_time_days: int,
            cover_days: int, pack_size: Decimal, service_level: float,
            wape: float | None) -> ReorderSuggestion:
    """The library's reorder rule for one series (whole packs; Decimal quantities)."""
    return suggest_reorder(ReorderInput(
        daily_forecast=extended(daily_demand, lead_time_days + cover_days), on_hand=on_hand,
        lead_time_days=lead_time_days, pack_size=pack_size, cover_days=cover_days,
        service_level=service_level, wape=wape))


def drift(forecaster: Forecaster, panel: SalesPanel, *,
          recent_wape: float | None, cpi: Cpi | None = None) -> DriftReport:
    """The library's drift report of a released model on a panel's last four weeks."""
    return drift_of_card(forecaster.card, panel, recent_wape=recent_wape,
                         cpi=forecaster.cpi_for(cpi))
