"""Drift: about zero on data like the training data, past the threshold after a shift."""

import numpy as np
import pytest

from shared.forecast.drift import RETRAIN_ABOVE, drift_report, feature_profile, psi
from shared.forecast.features import DATA_FEATURES, FEATURE_NAMES, feature_matrix
from shared.forecast.synthetic import generate_sales


def test_psi_of_a_sample_against_its_own_distribution_is_about_zero():
    rng = np.random.default_rng(0)
    profile = feature_profile(rng.normal(size=50_000))
    assert psi(profile, rng.normal(size=5_000)) < 0.01
    assert psi(profile, rng.normal(0.5, 1.0, size=5_000)) > 0.2
    # a constant feature has one bin and never drifts against itself
    assert psi(feature_profile(np.ones(100)), np.ones(10)) == pytest.approx(0.0)


def _rows(panel, origins, cpi):
    columns = [FEATURE_NAMES.index(name) for name in DATA_FEATURES]
    return np.concatenate([feature_matrix(panel, o, 7, cpi=cpi)[0][:, columns]
                           for o in origins])


def test_same_distribution_scores_near_zero_and_a_shift_asks_for_a_retrain():
    generated = generate_sales(300, 400, seed=2)
    panel, cpi = generated.panel, generated.cpi
    training = _rows(panel, range(60, 300, 3), cpi)
    reference = {name: feature_profile(training[:, i]) for i, name in enumerate(DATA_FEATURES)}
    recent = _rows(panel, range(330, 390, 3), cpi)
    stable = drift_report(reference, recent, DATA_FEATURES, recent_wape=0.41,
                          backtest_wape=0.40)
    assert stable.drift_score < 0.1 and not stable.retrain

    # demand collapses on most series over the last weeks (a competitor opened next door)
    shifted = panel.units.copy()
    shifted[: 200, 340:] = np.random.default_rng(3).poisson(0.2, shifted[: 200, 340:].shape)
    moved = type(panel)(panel.start, panel.keys, shifted, panel.stockout, panel.prices)
    drifted = drift_report(reference, _rows(moved, range(360, 390, 3), cpi), DATA_FEATURES)
    assert drifted.drift_score > RETRAIN_ABOVE and drifted.retrain
    assert drifted.worst_feature in DATA_FEATURES

    # error alone: 30 % worse than in the backtest
    worse = drift_report(reference, recent, DATA_FEATURES, recent_wape=0.52, backtest_wape=0.4)
    assert worse.error_ratio == pytest.approx(1.3)
    assert worse.drift_score == pytest.approx(max(0.3, worse.max_psi)) and worse.retrain
