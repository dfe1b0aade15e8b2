"""Training, the ONNX export and its check, the store-side forecaster and the backtest."""

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from shared.forecast.backtest import backtest
from shared.forecast.card import ForecastConfig, ModelCard
from shared.forecast.drift import RETRAIN_ABOVE, drift_of_card
from shared.forecast.errors import ForecastError, NotEnoughHistory, OnnxMismatch
from shared.forecast.inference import OnnxForecaster, card_of
from shared.forecast.model import check_onnx, export_onnx, train, with_backtest
from shared.forecast.synthetic import generate_sales

SMALL = ForecastConfig(max_iter=40, max_rows=20_000, min_samples_leaf=20)
HORIZON = 7


@pytest.fixture(scope="module")
def generated():
    return generate_sales(60, 300, seed=5)


@pytest.fixture(scope="module")
def trained(generated):
    return train(generated.panel, horizon=HORIZON, config=SMALL, cpi=generated.cpi)


@pytest.fixture(scope="module")
def onnx_bytes(trained):
    return export_onnx(trained)


def test_the_onnx_model_takes_doubles_and_matches_the_trained_model(trained, onnx_bytes):
    model = onnx.load_from_string(onnx_bytes)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    assert check_onnx(trained, onnx_bytes) < 1e-4
    assert len(trained.holdout) > 100


def test_a_corrupted_model_is_caught_with_its_worst_row(trained, onnx_bytes):
    model = onnx.load_from_string(onnx_bytes)
    tree = next(node for node in model.graph.node if node.op_type == "TreeEnsembleRegressor")
    weights = next(a for a in tree.attribute if a.name == "target_weights_as_tensor")
    values = numpy_helper.to_array(weights.t).copy()
    values[::7] += 0.01  # a small nudge to some leaves
    weights.t.CopyFrom(numpy_helper.from_array(values))
    with pytest.raises(OnnxMismatch, match=r"held-back row \d+: onnx .* model"):
        check_onnx(trained, model.SerializeToString())
    with pytest.raises(OnnxMismatch, match="does not run"):
        check_onnx(trained, b"not a model")


def test_the_store_forecaster_gives_the_hq_forecast(generated, trained, onnx_bytes):
    store = OnnxForecaster(onnx_bytes)  # the card comes from the model's metadata
    assert store.card.horizon == HORIZON
    origin = generated.panel.date_of(250)
    got = store.forecast(generated.panel, origin, cpi=generated.cpi)
    expected = trained.forecast(generated.panel, 250, cpi=generated.cpi)
    assert got.shape == (60, HORIZON) and (got >= 0).all()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert store.forecast(generated.panel, horizon=3, cpi=generated.cpi).shape == (60, 3)
    with pytest.raises(ForecastError, match=r"1\.\.7"):
        store.forecast(generated.panel, horizon=8)


def test_the_card_travels_as_json(trained, onnx_bytes):
    card = with_backtest(trained, {"wape": 0.3, "mase": 0.8}, 0.5).card
    again = ModelCard.from_json(card.to_json())
    assert again == card
    assert again.config == SMALL and again.metrics["wape"] == 0.3
    assert json.loads(card.to_json())["feature_names"] == list(trained.card.feature_names)
    assert card_of(onnx_bytes).feature_names == trained.card.feature_names
    assert set(card.reference) and all(p.shares for p in card.reference.values())


def test_the_inference_path_does_not_import_scikit_learn():
    code = ("import sys, shared.forecast.inference, shared.forecast.reorder, "
            "shared.forecast.drift; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('sklearn', 'skl2onnx', 'scipy')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_too_short_a_history_is_refused(generated):
    with pytest.raises(NotEnoughHistory, match="at least"):
        train(generated.panel.until(40), horizon=HORIZON, config=SMALL)
    with pytest.raises(NotEnoughHistory, match="needs at least"):
        backtest(generated.panel.until(120), horizon=14, origins=3, config=SMALL)


def test_the_model_beats_the_seasonal_naive_on_strongly_seasonal_sales():
    generated = generate_sales(80, 300, seed=8, weekly_strength=1.5)
    result = backtest(generated.panel, horizon=HORIZON, origins=2,
                      config=ForecastConfig(max_iter=50, max_rows=20_000), cpi=generated.cpi)
    assert result.model.wape <= 0.9 * result.seasonal_naive.wape
    assert result.model.mase.value < result.seasonal_naive.mase.value
    contract = result.to_contract()
    assert set(contract) >= {"series", "horizon", "model", "seasonal_naive", "seconds"}
    assert set(contract["model"]) == {"wape", "mase"}
    assert len(result.origins) == 2 and result.residual_std.shape == (80,)


def test_a_fresh_model_shows_no_drift_on_its_own_data(generated, trained):
    report = drift_of_card(trained.card, generated.panel, cpi=generated.cpi)
    assert report.drift_score < RETRAIN_ABOVE and not report.retrain
    assert set(report.psi) == set(trained.card.reference)
