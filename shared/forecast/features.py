"""Features for day t+h from what was known on the evening of day t (the origin).

Every value comes from columns ≤ t of the panel, or from the calendar of the target
day (weekday, holidays, paydays: known in advance), or from the CPI. Unit-valued
features are divided by the series' **scale** — the mean daily sales of its last 28
days that were not stock-outs, floored at ``MIN_SCALE`` — so one global model fits a
kiosk's 0.2 units a day and a supermarket's 200; the model predicts sales / scale.

Rows come out series-major: row ``i * horizon + (h - 1)`` is series i, step h. Columns
follow ``FEATURE_NAMES`` exactly, float64, never NaN (a missing value is ``MISSING``).

CPI values are monthly index numbers (``{"2024-01": 1000.0, "2024-02": 1030.0, ...}``);
a month without a value takes the nearest earlier one (the first one before it).
Without CPI the inflation-relative price is 1.0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

import numpy as np

from shared.forecast.calendar import CALENDAR_FEATURES, calendar_matrix
from shared.forecast.card import LOOKBACK_DAYS
from shared.forecast.errors import NotEnoughHistory
from shared.forecast.series import SalesPanel, forward_fill

Cpi = Mapping[str, float]  # "YYYY-MM" -> index value

MIN_SCALE = 0.1
MISSING = -1.0
MIN_HISTORY = 56  # days the features look back: eight weeks of same-weekday sales
LAGS = (1, 7, 14, 28)
PRICE_DAYS_CAP = 365.0
YEAR = 364  # 52 weeks: the same weekday one year earlier
LOOKBACK = LOOKBACK_DAYS  # days before an origin that any feature reads

SERIES_FEATURES = (
    *(f"lag_{lag}" for lag in LAGS),
    "mean_7", "mean_28", "std_7", "std_28", "mean_7_over_28",
    "zero_share_28", "stockout_share_28", "log_scale",
    "days_since_price_change", "price_vs_mean_28", "real_price_vs_year",
)
STEP_FEATURES = (
    "same_weekday_last", "same_weekday_mean_4", "same_weekday_mean_8",
    "last_year_day", "last_year_week", *CALENDAR_FEATURES, "horizon_step",
)
FEATURE_NAMES: tuple[str, ...] = (*SERIES_FEATURES, *STEP_FEATURES)
# features computed from the series (not the calendar): what drift is measured on
DATA_FEATURES: tuple[str, ...] = (
    *SERIES_FEATURES, "same_weekday_last", "same_weekday_mean_4", "same_weekday_mean_8",
)


class FeatureBuilder:
    """Features of one panel at any origin: a few window slices per origin, no copies of
    the whole panel (a store PC forecasts 10,000 series from one origin)."""

    def __init__(self, panel: SalesPanel, *, horizon: int, country: str = "AR",
                 cpi: Cpi | None = None) -> None:
        self.panel = panel
        self.horizon = horizon
        self._valid = ~panel.stockout
        self._y = np.where(self._valid, panel.units, 0.0)
        self._calendar = calendar_matrix(panel.start, panel.n_days + horizon, country)
        self._prices = _Prices(panel, cpi) if panel.prices is not None else None

    def at(self, origin: int, series: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(features (n × horizon, F), scale (n,)) for steps 1..horizon after ``origin``."""
        if origin < MIN_HISTORY - 1 or origin >= self.panel.n_days:
            raise NotEnoughHistory(
                f"a forecast from day {origin} needs {MIN_HISTORY} days of history "
                f"and that day inside the panel's {self.panel.n_days} days")
        rows = np.arange(self.panel.n_series) if series is None else series
        # the last eight weeks of the chosen series, once: every window below is inside
        start = origin - MIN_HISTORY + 1
        y = self._y[rows, start: origin + 1]
        valid = self._valid[rows, start: origin + 1]
        scale, per_series = self._series_block(origin, rows, y, valid)
        steps = [self._step_block(origin, h, rows, y, valid, scale)
                 for h in range(1, self.horizon + 1)]
        n, horizon = len(rows), self.horizon
        out = np.empty((n, horizon, len(FEATURE_NAMES)))
        out[:, :, : len(SERIES_FEATURES)] = per_series[:, None, :]
        out[:, :, len(SERIES_FEATURES):] = np.stack(steps, axis=1)
        return out.reshape(n * horizon, len(FEATURE_NAMES)), scale

    # --- pieces ---------------------------------------------------------------------------

    def _series_block(self, t: int, rows: np.ndarray, y: np.ndarray,
                      valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        means, stds, counts = {}, {}, {}
        for days in (7, 28):
            window, counted = y[:, -days:], valid[:, -days:]
            count = counted.sum(axis=1).astype(np.float64)
            safe = np.maximum(count, 1.0)
            means[days] = np.where(count > 0, window.sum(axis=1) / safe, 0.0)
            squares = (window * window).sum(axis=1) / safe
            stds[days] = np.sqrt(np.maximum(squares - means[days] ** 2, 0.0))
            counts[days] = count
        scale = np.maximum(means[28], MIN_SCALE)
        zeros_28 = (valid[:, -28:] & (y[:, -28:] == 0)).sum(axis=1)
        columns = [y[:, -lag] / scale for lag in LAGS]
        columns += [means[7] / scale, means[28] / scale, stds[7] / scale, stds[28] / scale,
                    means[7] / np.maximum(means[28], MIN_SCALE),
                    zeros_28 / np.maximum(counts[28], 1.0),
                    1.0 - counts[28] / 28.0, np.log1p(scale)]
        if self._prices is None:
            columns += [np.full(len(rows), PRICE_DAYS_CAP), np.ones(len(rows)),
                        np.ones(len(rows))]
        else:
            columns += self._prices.at(t, rows)
        return scale, np.column_stack(columns)

    def _step_block(self, t: int, h: int, rows: np.ndarray, y: np.ndarray,
                    valid: np.ndarray, scale: np.ndarray) -> np.ndarray:
        target = t + h
        last_same = y.shape[1] - 1 - ((-h) % 7)  # the latest day ≤ t on the target's weekday
        columns = [y[:, last_same] / scale]
        for weeks in (4, 8):
            days = np.arange(last_same, last_same - 7 * weeks, -7)
            days = days[days >= 0]
            total, count = y[:, days].sum(axis=1), valid[:, days].sum(axis=1)
            columns.append(np.where(count > 0, total / np.maximum(count, 1), 0.0) / scale)
        year_ago = target - YEAR
        if year_ago - 3 >= 0:
            window = slice(year_ago - 3, year_ago + 4)
            count = self._valid[rows, window].sum(axis=1)
            total = self._y[rows, window].sum(axis=1)
            columns.append(self._y[rows, year_ago] / scale)
            columns.append(np.where(count > 0, total / np.maximum(count, 1) / scale, MISSING))
        else:
            columns += [np.full(len(rows), MISSING)] * 2
        calendar = np.broadcast_to(self._calendar[target], (len(rows), len(CALENDAR_FEATURES)))
        return np.column_stack([*columns, calendar, np.full(len(rows), float(h))])


class _Prices:
    """Shelf prices (carried forward) and the CPI of each day."""

    def __init__(self, panel: SalesPanel, cpi: Cpi | None) -> None:
        assert panel.prices is not None
        prices = panel.prices
        known = ~np.isnan(prices)
        if (np.maximum.accumulate(known, axis=1) & ~known).any():  # a gap after a price
            prices = forward_fill(prices)
        self._prices = prices
        self._cpi = daily_cpi(cpi, panel.start, panel.n_days) if cpi else None

    def at(self, t: int, rows: np.ndarray) -> list[np.ndarray]:
        first = max(t - int(PRICE_DAYS_CAP), 0)
        window = self._prices[rows, first: t + 1]  # at most a year and a day
        known = ~np.isnan(window)
        price = window[:, -1]
        changed = known[:, 1:] & known[:, :-1] & (window[:, 1:] != window[:, :-1])
        # days since the last change; with none in the window, since the first known price
        last_change = np.where(changed.any(axis=1),
                               changed.shape[1] - np.argmax(changed[:, ::-1], axis=1), 0)
        first_known = np.argmax(known, axis=1)
        since = np.where(changed.any(axis=1), window.shape[1] - 1 - last_change,
                         window.shape[1] - 1 - first_known)
        since = np.where(np.isnan(price), PRICE_DAYS_CAP,
                         np.minimum(since, PRICE_DAYS_CAP)).astype(np.float64)
        columns = [since, _relative(price, window[:, -28:])]
        if self._cpi is None:
            columns.append(np.ones(len(rows)))
        else:
            real = window[:, -YEAR:] / self._cpi[max(t - YEAR + 1, 0): t + 1]
            columns.append(_relative(real[:, -1], real))
        return columns


def _relative(value: np.ndarray, window: np.ndarray) -> np.ndarray:
    """value / the mean of the known values of its window; 1.0 where unknown."""
    known = ~np.isnan(window)
    count = known.sum(axis=1)
    mean = np.where(known, window, 0.0).sum(axis=1) / np.maximum(count, 1)
    ok = (count > 0) & (mean > 0) & ~np.isnan(value)
    return np.where(ok, value / np.where(ok, mean, 1.0), 1.0)


def daily_cpi(cpi: Cpi, first: date, n_days: int) -> np.ndarray:
    """The CPI of each day (its month's value), shape (n_days,)."""
    if not cpi:
        return np.ones(n_days)
    ordered = sorted((month, float(value)) for month, value in cpi.items())
    out = np.empty(n_days)
    for i in range(n_days):
        month = (first + timedelta(days=i)).strftime("%Y-%m")
        earlier = [value for key, value in ordered if key <= month]
        out[i] = earlier[-1] if earlier else ordered[0][1]
    return out


def feature_matrix(panel: SalesPanel, origin: int, horizon: int, *, country: str = "AR",
                   cpi: Cpi | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Features of every series for steps 1..horizon after ``origin`` (see the module doc)."""
    return FeatureBuilder(panel, horizon=horizon, country=country, cpi=cpi).at(origin)


def forecast_from(
    predict: Callable[[np.ndarray], np.ndarray], panel: SalesPanel, *, origin: int | None,
    horizon: int, country: str, cpi: Cpi | None,
) -> np.ndarray:
    """(series × horizon) units after ``origin`` (default: the last day) with ``predict``.

    ``predict`` maps feature rows to sales / scale; negative predictions become 0. Only
    the last ``LOOKBACK`` days before the origin are read.
    """
    last = panel.n_days - 1 if origin is None else origin
    if not 0 <= last < panel.n_days:
        raise NotEnoughHistory(f"origin {last} is outside the panel's {panel.n_days} days")
    recent = panel.window(max(0, last - LOOKBACK + 1), last)
    features, scale = FeatureBuilder(recent, horizon=horizon, country=country,
                                     cpi=cpi).at(recent.n_days - 1)
    scaled = np.asarray(predict(features), dtype=np.float64).reshape(len(scale), horizon)
    return np.maximum(scaled, 0.0) * scale[:, None]


def training_rows(
    builder: FeatureBuilder, origins: Sequence[int], *, share: float = 1.0,
    rng: np.random.Generator | None = None, target_cap: float = np.inf,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, scaled targets, weights = scale) for origins whose steps are all known.

    Rows whose target day is a stock-out are dropped; scaled targets above
    ``target_cap`` are lowered to it. With ``share`` < 1 each origin uses a random share
    of the series (fewer rows, same spread of origins).
    """
    panel, horizon = builder.panel, builder.horizon
    parts_x, parts_y, parts_w = [], [], []
    for origin in origins:
        if origin + horizon >= panel.n_days:
            raise NotEnoughHistory(f"origin {origin} + {horizon} days is past the panel")
        rows = np.arange(panel.n_series)
        if share < 1.0 and rng is not None:
            rows = np.sort(rng.choice(rows, size=max(1, round(share * len(rows))), replace=False))
        features, scale = builder.at(origin, rows)
        targets = panel.units[rows, origin + 1: origin + horizon + 1]
        keep = ~panel.stockout[rows, origin + 1: origin + horizon + 1].ravel()
        parts_x.append(features[keep])
        parts_y.append(np.minimum(targets / scale[:, None], target_cap).ravel()[keep])
        parts_w.append(np.repeat(scale, horizon)[keep])
    return np.concatenate(parts_x), np.concatenate(parts_y), np.concatenate(parts_w)
