"""Calendar facts of a day: weekday, public holidays and paydays (country aware).

Argentine by default (``holidays.Argentina``). Paydays: salaries in Argentina are paid
by the fourth business day of the month, and many are paid on the last business day of
the month before, so both ends of the month are flagged (the first four business days
and the last business day).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np

CALENDAR_FEATURES = ("day_of_week", "month", "day_of_month", "holiday", "day_before_holiday",
                     "day_after_holiday", "payday")
FIRST_BUSINESS_DAYS_PAID = 4


def calendar_matrix(first: date, n_days: int, country: str = "AR") -> np.ndarray:
    """float64 (n_days × len(CALENDAR_FEATURES)) for the days from ``first``."""
    return _cached(first, n_days, country).copy()


@lru_cache(maxsize=16)
def _cached(first: date, n_days: int, country: str) -> np.ndarray:
    # one spare month on each side, so paydays and holiday neighbours at the edges are right
    days = [first + timedelta(days=i) for i in range(-40, n_days + 40)]
    observed = holidays.country_holidays(country, years=range(days[0].year, days[-1].year + 1))
    is_holiday = np.array([day in observed for day in days])
    business = np.array([day.weekday() < 5 for day in days]) & ~is_holiday
    payday = _paydays(days, business)
    out = np.empty((n_days, len(CALENDAR_FEATURES)))
    inner = slice(40, 40 + n_days)
    out[:, 0] = [day.weekday() for day in days[inner]]
    out[:, 1] = [day.month for day in days[inner]]
    out[:, 2] = [day.day for day in days[inner]]
    out[:, 3] = is_holiday[inner]
    out[:, 4] = is_holiday[41:41 + n_days]  # tomorrow is a holiday
    out[:, 5] = is_holiday[39:39 + n_days]  # yesterday was a holiday
    out[:, 6] = payday[inner]
    out.setflags(write=False)
    return out


def _paydays(days: list[date], business: np.ndarray) -> np.ndarray:
    payday = np.zeros(len(days), dtype=bool)
    month_of = [(day.year, day.month) for day in days]
    seen: dict[tuple[int, int], int] = {}
    last_business: dict[tuple[int, int], int] = {}
    for i, month in enumerate(month_of):
        if business[i]:
            count = seen.get(month, 0) + 1
            seen[month] = count
            if count <= FIRST_BUSINESS_DAYS_PAID and days[i].day <= 10:
                payday[i] = True
            last_business[month] = i
    for i in last_business.values():
        if days[i].day >= 20:  # a month cut at the edge of the list has no real last day
            payday[i] = True
    return payday
