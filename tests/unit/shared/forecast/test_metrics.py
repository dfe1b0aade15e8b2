"""WAPE, MASE and the seasonal naive exactly as CONTRACTS.md defines them."""

import math

import numpy as np
import pytest

from shared.forecast.metrics import mase, naive_scale, seasonal_naive, wape


def test_wape_is_pooled_over_series_and_days():
    actual = np.array([[10.0, 0.0], [1.0, 1.0]])
    forecast = np.array([[8.0, 1.0], [0.0, 3.0]])
    # (2 + 1 + 1 + 2) / (10 + 0 + 1 + 1) — not the mean of per-series WAPEs
    assert wape(actual, forecast) == pytest.approx(6 / 12)
    mask = np.array([[True, False], [True, True]])
    assert wape(actual, forecast, mask) == pytest.approx(5 / 12)
    assert math.isnan(wape(np.zeros((1, 2)), np.ones((1, 2))))


def test_seasonal_naive_repeats_the_last_training_week():
    history = np.arange(1.0, 11.0)[None, :]  # days 1..10: the last week is 4..10
    np.testing.assert_array_equal(seasonal_naive(history, 10),
                                  [[4, 5, 6, 7, 8, 9, 10, 4, 5, 6]])
    with pytest.raises(ValueError):
        seasonal_naive(np.ones((1, 6)), 3)


def test_mase_divides_by_the_in_sample_lag_7_naive_error_and_averages_series():
    train = np.array([
        [1, 2, 3, 4, 5, 6, 7, 3, 2, 3, 4, 5, 6, 9],  # lag-7 errors 2,0,0,0,0,0,2 -> 4/7
        [5] * 14,                                     # constant: denominator 0, skipped
        [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],  # errors all 1 -> 1
    ], dtype=float)
    actual = np.array([[4, 4], [5, 6], [2, 0]], dtype=float)
    forecast = np.array([[3, 6], [5, 5], [1, 1]], dtype=float)
    # series 0: MAE 1.5 / (4/7) = 2.625; series 2: MAE 1 / 1 = 1
    result = mase(train, actual, forecast)
    assert result.value == pytest.approx((2.625 + 1.0) / 2)
    assert (result.series_used, result.series_skipped) == (2, 1)
    np.testing.assert_allclose(naive_scale(train), [4 / 7, 0, 1])


def test_stockout_days_are_left_out_of_both_sides():
    train = np.array([[1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1]], dtype=float)
    train_mask = np.ones_like(train, dtype=bool)
    train_mask[0, 7] = False  # the only non-zero naive error is a stock-out day
    actual = np.array([[0.0, 3.0]])
    forecast = np.array([[2.0, 1.0]])
    test_mask = np.array([[False, True]])
    assert math.isnan(naive_scale(train, train_mask)[0]) is False
    assert naive_scale(train, train_mask)[0] == 0.0
    assert mase(train, actual, forecast, train_mask=train_mask,
                test_mask=test_mask).series_skipped == 1
    # without the stock-out mask the denominator is 1/7 and the MAE 2
    assert mase(train, actual, forecast).value == pytest.approx(2 / (1 / 7))
    assert mase(train, actual, forecast, test_mask=test_mask).value == pytest.approx(2 * 7)
