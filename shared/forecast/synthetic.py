"""Generated daily sales with known structure, for tests, benchmarks and demos.

Each series' expected demand is a product of: a base level (a quarter of the series
are intermittent low sellers, 0.05-0.5 units a day), a weekly profile (Friday and
Saturday high, Sunday low, scaled by ``weekly_strength`` and varied per series), a
trend, a mild yearly wave, Argentine public holidays (×0.6 on the day, ×1.3 the day
before), paydays (×1.15), and the price: shelf prices are raised every 20-45 days to
catch up with inflation (``monthly_inflation``, 3 % by default) and demand follows the
real (CPI-deflated) price with an elasticity of 0.5-2, so it drops at each rise and
recovers as inflation erodes it. Units are gamma-Poisson draws (overdispersed).
Stock-outs start on about one day in 120 and last 1-5 days: zero sales, level 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from shared.forecast.calendar import CALENDAR_FEATURES, calendar_matrix
from shared.forecast.series import SalesPanel

WEEKLY_SHAPE = np.array([-0.2, -0.25, -0.1, 0.0, 0.25, 0.45, -0.3])  # Monday..Sunday, log
DISPERSION = 5.0  # gamma shape of the demand noise: variance = λ + λ²/5


@dataclass(frozen=True)
class SyntheticSales:
    panel: SalesPanel
    demand: np.ndarray  # expected units per series and day (before noise and stock-outs)
    cpi: dict[str, float]  # monthly index, "YYYY-MM" -> value


def generate_sales(
    n_series: int = 200, n_days: int = 730, *, start: date = date(2023, 1, 2), seed: int = 0,
    n_stores: int = 3, weekly_strength: float = 1.0, monthly_inflation: float = 0.03,
    stockouts: bool = True,
) -> SyntheticSales:
    rng = np.random.default_rng(seed)
    days = np.arange(n_days)
    calendar = calendar_matrix(start, n_days, "AR")
    column = {name: i for i, name in enumerate(CALENDAR_FEATURES)}

    low = rng.random(n_series) < 0.25
    base = np.where(low, rng.uniform(0.05, 0.5, n_series),
                    np.exp(rng.normal(np.log(4.0), 1.0, n_series)))
    weekly = weekly_strength * (WEEKLY_SHAPE[None, :] + rng.normal(0, 0.1, (n_series, 7)))
    log_demand = np.log(base)[:, None] + weekly[:, calendar[:, column["day_of_week"]].astype(int)]
    log_demand += rng.normal(0, 0.25, n_series)[:, None] * days[None, :] / 365.0
    phase = rng.uniform(0, 2 * np.pi, n_series)[:, None]
    log_demand += rng.uniform(0, 0.25, n_series)[:, None] * np.sin(
        2 * np.pi * days[None, :] / 365.25 + phase)
    log_demand += np.log(0.6) * calendar[:, column["holiday"]]
    log_demand += np.log(1.3) * calendar[:, column["day_before_holiday"]]
    log_demand += np.log(1.15) * calendar[:, column["payday"]]

    daily_rate = (1 + monthly_inflation) ** (12 / 365.25) - 1
    deflator = (1 + daily_rate) ** days
    prices, real_index = _prices(rng, n_series, n_days, deflator)
    elasticity = rng.uniform(0.5, 2.0, n_series)[:, None]
    log_demand -= elasticity * np.log(real_index)
    demand = np.exp(log_demand)

    noisy = demand * rng.gamma(DISPERSION, 1 / DISPERSION, demand.shape)
    units = rng.poisson(noisy).astype(np.float64)
    stockout = _stockouts(rng, n_series, n_days) if stockouts else np.zeros_like(units, bool)
    units[stockout] = 0.0
    keys = tuple((f"S{1 + i * n_stores // n_series:02d}", f"SKU{i:05d}") for i in range(n_series))
    panel = SalesPanel(start, keys, units, stockout, prices)
    return SyntheticSales(panel, demand, _monthly_cpi(start, n_days, deflator))


def _prices(rng: np.random.Generator, n_series: int, n_days: int,
            deflator: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shelf prices (2 decimals) and the real price relative to each series' level."""
    first = rng.uniform(500, 5000, n_series)
    prices = np.empty((n_series, n_days))
    for i in range(n_series):
        change_days = np.cumsum(rng.integers(20, 46, size=n_days // 20 + 2))
        change_days = change_days[change_days < n_days] - rng.integers(0, 20)
        level = np.zeros(n_days, dtype=np.intp)
        level[np.clip(change_days, 1, n_days - 1)] = 1
        last_change = np.maximum.accumulate(np.where(level > 0, np.arange(n_days), 0))
        markup = np.exp(rng.normal(0, 0.03, n_days))[last_change]
        prices[i] = np.round(first[i] * deflator[last_change] * 1.04 * markup, 2)
    real_index = prices / (first[:, None] * deflator[None, :])
    return prices, real_index


def _stockouts(rng: np.random.Generator, n_series: int, n_days: int) -> np.ndarray:
    starts = rng.random((n_series, n_days)) < 1 / 120
    lengths = rng.integers(1, 6, (n_series, n_days))
    out = np.zeros((n_series, n_days), dtype=bool)
    for length in range(1, 6):
        begins = starts & (lengths == length)
        for offset in range(length):
            out[:, offset:] |= begins[:, : n_days - offset]
    return out


def _monthly_cpi(start: date, n_days: int, deflator: np.ndarray) -> dict[str, float]:
    """The index of each month: its mean daily deflator × 1000."""
    months: dict[str, list[float]] = {}
    for day in range(n_days):
        key = (start + timedelta(days=day)).strftime("%Y-%m")
        months.setdefault(key, []).append(float(deflator[day]))
    return {key: round(1000 * float(np.mean(values)), 4) for key, values in months.items()}
