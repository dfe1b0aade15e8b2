"""The model on real sales: one Walmart store's 28 items (M5), when the samples are present."""

import csv
from datetime import date
from pathlib import Path

import pytest

from shared.forecast.backtest import backtest
from shared.forecast.card import ForecastConfig
from shared.forecast.series import panel_from_rows

M5 = (Path(__file__).resolve().parents[4].parent / "shared" / "data" / "sales" / "m5_tiny"
      / "tiny_m5_CA_1_daily.csv")


@pytest.mark.realdata
@pytest.mark.skipif(not M5.is_file(), reason="the real samples are not beside this clone")
def test_the_model_beats_the_seasonal_naive_on_m5_tiny():
    sales, prices = [], []
    with M5.open(newline="") as handle:
        for row in csv.DictReader(handle):
            key = (date.fromisoformat(row["date"]), row["store_id"], row["item_id"])
            sales.append((*key, float(row["units"])))
            if row["sell_price"]:
                prices.append((*key, float(row["sell_price"])))
    panel = panel_from_rows(sales, prices=prices)
    assert (panel.n_series, panel.n_days) == (28, 1913)
    # the last year only and a small model: this is a smoke test of real data, not the
    # benchmark (benchmarks/bench_forecast.py)
    recent = panel.window(panel.n_days - 400, panel.n_days - 1)
    result = backtest(recent, horizon=7, origins=2,
                      config=ForecastConfig(max_iter=40, country="US", history_days=250))
    assert result.model.wape < result.seasonal_naive.wape
    assert result.model.mase.series_skipped == 0
