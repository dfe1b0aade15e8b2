"""Features for day t+h use nothing after day t, in a fixed column order."""

from datetime import date

import numpy as np
import pytest

from shared.forecast.calendar import calendar_matrix
from shared.forecast.errors import NotEnoughHistory
from shared.forecast.features import (
    FEATURE_NAMES,
    MIN_HISTORY,
    FeatureBuilder,
    feature_matrix,
    forecast_from,
)
from shared.forecast.series import SalesPanel
from shared.forecast.synthetic import generate_sales

HORIZON = 14


@pytest.fixture(scope="module")
def generated():
    return generate_sales(30, 500, seed=11)


def _changed_after(panel: SalesPanel, day: int, rng) -> SalesPanel:
    units = panel.units.copy()
    units[:, day + 1:] = rng.poisson(50, units[:, day + 1:].shape)
    stockout = panel.stockout.copy()
    stockout[:, day + 1:] = rng.random(stockout[:, day + 1:].shape) < 0.5
    prices = panel.prices.copy()
    prices[:, day + 1:] *= 3.0
    return SalesPanel(panel.start, panel.keys, units, stockout, prices)


@pytest.mark.parametrize("origin", [MIN_HISTORY - 1, 200, 420])
def test_changing_the_future_does_not_change_the_features(generated, origin):
    panel, cpi = generated.panel, generated.cpi
    before, scale_before = feature_matrix(panel, origin, HORIZON, cpi=cpi)
    changed = _changed_after(panel, origin, np.random.default_rng(origin))
    after, scale_after = feature_matrix(changed, origin, HORIZON, cpi=cpi)
    np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(scale_before, scale_after)
    # and the past does matter: the check above is not vacuous
    changed_past = _changed_after(panel, origin - 10, np.random.default_rng(1))
    assert not np.array_equal(before, feature_matrix(changed_past, origin, HORIZON, cpi=cpi)[0])


def test_a_forecast_reads_only_up_to_its_origin(generated):
    panel = generated.panel
    seen = []

    def predict(rows):
        seen.append(rows.copy())
        return np.ones(len(rows))

    origin = 300
    forecast_from(predict, panel, origin=origin, horizon=HORIZON, country="AR", cpi=None)
    forecast_from(predict, panel.until(origin), origin=None, horizon=HORIZON, country="AR",
                  cpi=None)
    np.testing.assert_array_equal(seen[0], seen[1])


def test_columns_are_fixed_float64_and_never_nan(generated):
    features, scale = feature_matrix(generated.panel, 400, HORIZON, cpi=generated.cpi)
    assert features.shape == (30 * HORIZON, len(FEATURE_NAMES))
    assert features.dtype == np.float64 and np.isfinite(features).all()
    assert (scale > 0).all()
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    # row i * HORIZON + (h - 1) is series i, step h
    np.testing.assert_array_equal(features[:HORIZON, column["horizon_step"]], range(1, 15))
    # lag 1 is the origin's own sales over the series' scale
    np.testing.assert_allclose(features[::HORIZON, column["lag_1"]] * scale,
                               generated.panel.units[:, 400])
    # weekday of the target day
    days = [generated.panel.date_of(400 + h).weekday() for h in range(1, HORIZON + 1)]
    np.testing.assert_array_equal(features[:HORIZON, column["day_of_week"]], days)


def test_without_prices_or_cpi_the_price_features_are_neutral(generated):
    panel = generated.panel
    bare = SalesPanel(panel.start, panel.keys, panel.units, panel.stockout, None)
    features, _ = feature_matrix(bare, 400, HORIZON)
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    assert (features[:, column["price_vs_mean_28"]] == 1.0).all()
    assert (features[:, column["real_price_vs_year"]] == 1.0).all()
    with_prices, _ = feature_matrix(panel, 400, HORIZON)  # prices, no CPI
    assert (with_prices[:, column["real_price_vs_year"]] == 1.0).all()
    assert with_prices[:, column["price_vs_mean_28"]].std() > 0


def test_too_little_history_is_an_error(generated):
    builder = FeatureBuilder(generated.panel, horizon=HORIZON)
    with pytest.raises(NotEnoughHistory, match="56 days"):
        builder.at(MIN_HISTORY - 2)


def test_argentine_holidays_and_paydays():
    # 2026-05-25 (Monday) is Revolution Day; May 2026 ends on a Sunday
    calendar = calendar_matrix(date(2026, 5, 1), 31)
    holiday, before, after, payday = 3, 4, 5, 6
    assert calendar[24, holiday] == 1 and calendar[23, before] == 1 and calendar[25, after] == 1
    assert calendar[:, holiday].sum() >= 2  # May 1st too
    # May 1st is a holiday (Friday): the first business days are the 4th-7th
    assert [d + 1 for d in np.flatnonzero(calendar[:10, payday])] == [4, 5, 6, 7]
    assert calendar[28, payday] == 1  # Friday 29th: the last business day
