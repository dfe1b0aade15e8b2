"""A daily sales panel: one row per (store, sku) series, one column per day.

Dense numpy arrays, so features, training and metrics are array slices rather than
loops over rows. A day with no sales row is a day with zero sales (CONTRACTS.md).
A **stock-out day** is a day with zero sales while the stock level was at or below zero:
it says nothing about demand, so it is left out of training targets and error metrics.
Levels are known only when the caller passes them, as the closing level of a day
(the ledger gives one for every day); a day without a level is not a stock-out.

Prices, when known, are per series and day, carried forward from the last known price
(a shelf price stays until it is changed); NaN before the first one.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from shared.forecast.errors import NotEnoughHistory, SalesFileError

SeriesKey = tuple[str, str]  # (store, sku)
SalesRow = tuple[date, str, str, float]  # (date, store, sku, units)
DatedValue = tuple[date, str, str, float]  # (date, store, sku, price or stock level)
BadRow = tuple[int, str]  # (line number in the file, reason)

REQUIRED_COLUMNS = ("date", "store", "sku", "units")
OPTIONAL_COLUMNS = ("price", "stock")


@dataclass(frozen=True)
class SalesPanel:
    """Sales of ``len(keys)`` series over consecutive days from ``start``.

    ``units`` is float64 (series × days), never negative; ``stockout`` a bool mask of the
    same shape; ``prices`` float64 with NaN where unknown, or None when no price is known.
    """

    start: date
    keys: tuple[SeriesKey, ...]
    units: np.ndarray
    stockout: np.ndarray
    prices: np.ndarray | None = None

    def __post_init__(self) -> None:
        shape = (len(self.keys), self.units.shape[1] if self.units.ndim == 2 else -1)
        if self.units.shape != shape or self.stockout.shape != shape:
            raise ValueError(f"units/stockout must be {shape}, got {self.units.shape}")
        if self.prices is not None and self.prices.shape != shape:
            raise ValueError(f"prices must be {shape}, got {self.prices.shape}")

    @property
    def n_series(self) -> int:
        return len(self.keys)

    @property
    def n_days(self) -> int:
        return int(self.units.shape[1])

    @property
    def end(self) -> date:
        """The last day of the panel."""
        return self.start + timedelta(days=self.n_days - 1)

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def day_of(self, when: date) -> int:
        """The column of a date (may be outside the panel: negative or ≥ n_days)."""
        return (when - self.start).days

    def until(self, last_day: int) -> SalesPanel:
        """The panel cut after column ``last_day`` (inclusive): what was known that evening."""
        return self.window(0, last_day)

    def window(self, first_day: int, last_day: int) -> SalesPanel:
        """Columns ``first_day``..``last_day`` (inclusive) as a panel of their own."""
        if not 0 <= first_day <= last_day < self.n_days:
            raise NotEnoughHistory(
                f"days {first_day}..{last_day} are outside the panel's {self.n_days} days")
        cut = slice(first_day, last_day + 1)
        return SalesPanel(self.date_of(first_day), self.keys, self.units[:, cut],
                          self.stockout[:, cut],
                          None if self.prices is None else self.prices[:, cut])

    def select(self, rows: Sequence[int] | np.ndarray) -> SalesPanel:
        """Only some series, in the order given."""
        index = np.asarray(rows, dtype=np.intp)
        return SalesPanel(self.start, tuple(self.keys[i] for i in index), self.units[index],
                          self.stockout[index], None if self.prices is None else self.prices[index])


def panel_from_rows(
    rows: Iterable[SalesRow],
    *,
    prices: Iterable[DatedValue] = (),
    levels: Iterable[DatedValue] = (),
    start: date | None = None,
    end: date | None = None,
) -> SalesPanel:
    """Build a panel from sales rows; several rows of one series and day add up.

    Series are sorted by (store, sku). The panel spans ``start``..``end`` (default: the
    first and last sales dates); rows outside that span are ignored.
    """
    sales = list(rows)
    if not sales:
        raise NotEnoughHistory("no sales rows")
    first = start or min(row[0] for row in sales)
    last = end or max(row[0] for row in sales)
    if last < first:
        raise NotEnoughHistory(f"the panel would end ({last}) before it starts ({first})")
    keys = sorted({(row[1], row[2]) for row in sales})
    index = {key: i for i, key in enumerate(keys)}
    n_days = (last - first).days + 1
    units = np.zeros((len(keys), n_days))
    series, days, values = _coordinates(sales, index, first, n_days)
    np.add.at(units, (series, days), values)
    prices_dense = _dense(prices, index, first, n_days)
    if prices_dense is not None:
        prices_dense = forward_fill(prices_dense)
    levels_dense = _dense(levels, index, first, n_days)
    stockout = np.zeros(units.shape, dtype=bool)
    if levels_dense is not None:
        stockout = (units == 0) & (levels_dense <= 0)  # NaN (level unknown) compares False
    return SalesPanel(first, tuple(keys), units, stockout, prices_dense)


def _coordinates(
    rows: Sequence[DatedValue], index: dict[SeriesKey, int], first: date, n_days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    series = np.fromiter((index.get((r[1], r[2]), -1) for r in rows), np.intp, len(rows))
    days = np.fromiter(((r[0] - first).days for r in rows), np.intp, len(rows))
    values = np.fromiter((r[3] for r in rows), np.float64, len(rows))
    inside = (series >= 0) & (days >= 0) & (days < n_days)
    return series[inside], days[inside], values[inside]


def _dense(
    rows: Iterable[DatedValue], index: dict[SeriesKey, int], first: date, n_days: int
) -> np.ndarray | None:
    """Dense (series × days) values observed on some days, NaN elsewhere."""
    listed = list(rows)
    if not listed:
        return None
    dense = np.full((len(index), n_days), np.nan)
    listed.sort(key=lambda r: r[0])  # the last observation of a day wins
    series, days, values = _coordinates(listed, index, first, n_days)
    dense[series, days] = values
    return dense


def forward_fill(values: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the last non-NaN value before it in its row (NaN if none)."""
    known = ~np.isnan(values)
    positions = np.where(known, np.arange(values.shape[1]), 0)
    np.maximum.accumulate(positions, axis=1, out=positions)
    filled = np.take_along_axis(values, positions, axis=1)
    seen = np.maximum.accumulate(known, axis=1)
    return np.where(seen, filled, np.nan)


# --- CSV ---------------------------------------------------------------------------------


def read_sales_csv(path: Path | str) -> tuple[SalesPanel, list[BadRow]]:
    """Read a ``date,store,sku,units`` CSV (optional ``price`` and ``stock`` columns).

    Every bad row is reported with its line number and reason and left out; the rest
    is used. Raises ``SalesFileError`` for a missing or unreadable file or a header
    without the needed columns, and ``NotEnoughHistory`` when no row is usable.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sales, prices, levels, bad = _parse(csv.reader(handle), path)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise SalesFileError(f"cannot read {path}: {error}") from None
    if not sales:
        raise NotEnoughHistory(f"{path}: no usable sales row ({len(bad)} bad rows)")
    return panel_from_rows(sales, prices=prices, levels=levels), bad


def _parse(
    reader: Iterable[list[str]], path: Path
) -> tuple[list[SalesRow], list[DatedValue], list[DatedValue], list[BadRow]]:
    lines = iter(reader)
    header = [name.strip().lower() for name in next(lines, [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise SalesFileError(f"{path}: the header lacks column(s) {', '.join(missing)} "
                             f"(expected {','.join(REQUIRED_COLUMNS)})")
    where = {name: header.index(name) for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
             if name in header}
    sales: list[SalesRow] = []
    prices: list[DatedValue] = []
    levels: list[DatedValue] = []
    bad: list[BadRow] = []
    for line_no, cells in enumerate(lines, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not rows
        try:
            row, price, level = _row(cells, where)
        except ValueError as error:
            bad.append((line_no, str(error)))
            continue
        sales.append(row)
        if price is not None:
            prices.append((row[0], row[1], row[2], price))
        if level is not None:
            levels.append((row[0], row[1], row[2], level))
    return sales, prices, levels, bad


def _row(cells: list[str], where: dict[str, int]) -> tuple[SalesRow, float | None, float | None]:
    values = {name: cells[i].strip() if i < len(cells) else "" for name, i in where.items()}
    for name in REQUIRED_COLUMNS:
        if not values[name]:
            raise ValueError(f"missing {name}")
    try:
        day = date.fromisoformat(values["date"])
    except ValueError:
        raise ValueError(f"bad date {values['date']!r} (expected YYYY-MM-DD)") from None
    units = _number(values["units"], "units")
    if units < 0:
        raise ValueError(f"negative units {values['units']!r}")
    price = _number(values["price"], "price") if values.get("price") else None
    if price is not None and price <= 0:
        raise ValueError(f"price must be positive, got {values['price']!r}")
    level = _number(values["stock"], "stock") if values.get("stock") else None
    return (day, values["store"], values["sku"], units), price, level


def _number(text: str, what: str) -> float:
    """A plain number; a lone decimal comma (``0,350``) is accepted."""
    cleaned = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{what} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} is not a finite number: {text!r}")
    return value


def write_sales_csv(panel: SalesPanel, path: Path | str, *, with_prices: bool = True) -> int:
    """Write the panel as a sales CSV (only days with sales, as a till export would).

    Stock-out days are written with ``stock`` 0 so a reader finds the same mask; prices
    go in a ``price`` column when known. Returns the number of rows written.
    """
    write_prices = with_prices and panel.prices is not None
    header = [*REQUIRED_COLUMNS, *(["price"] if write_prices else []), "stock"]
    written = 0
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        rows, days = np.nonzero((panel.units > 0) | panel.stockout)
        for i, day in zip(rows.tolist(), days.tolist(), strict=True):
            store, sku = panel.keys[i]
            cells: list[object] = [panel.date_of(day).isoformat(), store, sku,
                                   _plain(float(panel.units[i, day]))]
            if write_prices:
                price = float(panel.prices[i, day])  # type: ignore[index]
                cells.append("" if math.isnan(price) else f"{price:.2f}")
            cells.append("0" if panel.stockout[i, day] else "")
            out.writerow(cells)
            written += 1
    return written


def _plain(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:.3f}"
