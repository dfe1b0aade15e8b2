"""Training one global gradient-boosting model over every series, and its ONNX export.

HQ side (scikit-learn, skl2onnx). The model is a ``HistGradientBoostingRegressor`` on
the features of ``features.py``, predicting sales / scale, each row weighted by its
series' scale: with the Poisson loss that is the Poisson deviance of the units
themselves, so a series counts as much as it sells (WAPE is pooled the same way).

The ONNX export takes double-precision inputs end to end. skl2onnx 1.20 converts the
trees with float32 thresholds and leaf values (and a double input makes onnxruntime
refuse the graph), and leaves out the Poisson link; ``export_onnx`` therefore keeps
skl2onnx's tree layout but writes the thresholds, leaf values and base value as
double tensors (``ai.onnx.ml`` opset 3), and adds ``Exp`` for the Poisson loss.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from shared.forecast.card import ForecastConfig, ModelCard
from shared.forecast.drift import profile_features
from shared.forecast.errors import NotEnoughHistory, OnnxMismatch
from shared.forecast.features import (
    DATA_FEATURES,
    FEATURE_NAMES,
    MIN_HISTORY,
    Cpi,
    FeatureBuilder,
    forecast_from,
    training_rows,
)
from shared.forecast.series import SalesPanel

Progress = Callable[[str, float], None]  # (what is happening, fraction done 0..1)
HOLDOUT_ROWS = 2_000
PROFILE_ROWS = 200_000
ONNX_INPUT = "features"
CARD_METADATA_KEY = "minimarket.forecast.card"
ABS_TOLERANCE = 1e-4
REL_TOLERANCE = 1e-4


@dataclass
class TrainedForecaster:
    """A fitted model, its card, and a sample of training rows held back for checks."""

    estimator: HistGradientBoostingRegressor
    card: ModelCard
    holdout: np.ndarray

    @property
    def X_holdout(self) -> np.ndarray:
        """``holdout`` under the name issue #7 gives it."""
        return self.holdout

    def predict_scaled(self, features: np.ndarray, threads: int = 1) -> np.ndarray:
        with threadpool_limits(limits=threads):
            return np.asarray(self.estimator.predict(features), dtype=np.float64)

    def forecast(self, panel: SalesPanel, origin: int | None = None, *,
                 cpi: Cpi | None = None) -> np.ndarray:
        """(series × horizon) units after ``origin`` (default: the panel's last day)."""
        return forecast_from(self.predict_scaled, panel, origin=origin,
                             horizon=self.card.horizon, country=self.card.config.country,
                             cpi=cpi)


def training_origins(n_days: int, horizon: int, config: ForecastConfig) -> list[int]:
    """Origins whose whole horizon is inside the panel, every ``origin_stride`` days."""
    last = n_days - 1 - horizon
    first = max(MIN_HISTORY - 1, last - config.history_days)
    if last < first:
        raise NotEnoughHistory(
            f"training needs at least {MIN_HISTORY + horizon} days, the panel has {n_days}")
    return list(range(last, first - 1, -config.origin_stride))[::-1]


def train(panel: SalesPanel, *, horizon: int,
          config: ForecastConfig | Mapping[str, Any] | None = None,
          cpi: Cpi | None = None, progress: Progress | None = None,
          threads: int = 1) -> TrainedForecaster:
    """Fit one model for steps 1..horizon on every series of the panel.

    ``threads`` caps scikit-learn's OpenMP threads. One by default: on a machine whose
    cores are busy with other work, OpenMP's spinning threads make the fit many times
    slower (252 s instead of 27 s measured on 2 busy cores); give more on a quiet host.
    """
    if not isinstance(config, ForecastConfig):
        config = ForecastConfig.from_dict(dict(config or {}))
    report = progress or (lambda _what, _done: None)
    started = time.perf_counter()
    origins = training_origins(panel.n_days, horizon, config)
    rows_wanted = len(origins) * panel.n_series * horizon
    share = min(1.0, config.max_rows / rows_wanted)
    rng = np.random.default_rng(config.seed)
    report("features", 0.0)
    builder = FeatureBuilder(panel, horizon=horizon, country=config.country, cpi=cpi)
    features, targets, weights = training_rows(builder, origins, share=share, rng=rng,
                                               target_cap=config.target_cap)
    if not len(targets) or not weights.sum():
        raise NotEnoughHistory("no training row: every target day is a stock-out")
    report("fit", 0.3)
    estimator = HistGradientBoostingRegressor(
        loss=config.loss, learning_rate=config.learning_rate, max_iter=config.max_iter,
        max_leaf_nodes=config.max_leaf_nodes, min_samples_leaf=config.min_samples_leaf,
        l2_regularization=config.l2_regularization, early_stopping=False,
        random_state=config.seed)
    with threadpool_limits(limits=threads):
        estimator.fit(features, targets, sample_weight=weights)
    report("done", 1.0)
    sample = rng.choice(len(targets), size=min(HOLDOUT_ROWS, len(targets)), replace=False)
    profiled = rng.choice(len(targets), size=min(PROFILE_ROWS, len(targets)), replace=False)
    columns = [FEATURE_NAMES.index(name) for name in DATA_FEATURES]
    card = ModelCard(
        horizon=horizon, feature_names=list(FEATURE_NAMES), config=config,
        train_start=panel.start.isoformat(), train_end=panel.end.isoformat(),
        series=panel.n_series, training_rows=len(targets), training_origins=len(origins),
        training_seconds=round(time.perf_counter() - started, 3),
        uses_prices=panel.prices is not None, uses_cpi=bool(cpi),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        reference=profile_features(features[profiled][:, columns], DATA_FEATURES))
    return TrainedForecaster(estimator, card, features[sample])


def with_backtest(trained: TrainedForecaster, metrics: dict[str, float | int | None],
                  relative_error_std: float | None) -> TrainedForecaster:
    """The same model with backtest figures written on its card."""
    card = replace(trained.card, metrics=dict(metrics), relative_error_std=relative_error_std)
    return replace(trained, card=card)


# --- ONNX --------------------------------------------------------------------------------


def export_onnx(trained: TrainedForecaster) -> bytes:
    """The model as ONNX bytes: input ``features`` tensor(double) [N, F], output [N, 1].

    The card's JSON is stored in the model's metadata (``minimarket.forecast.card``).
    """
    from onnx import TensorProto, helper, numpy_helper
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType

    estimator = trained.estimator
    width = len(trained.card.feature_names)
    proto = convert_sklearn(estimator,
                            initial_types=[(ONNX_INPUT, DoubleTensorType([None, width]))],
                            target_opset={"": 18, "ai.onnx.ml": 3})
    trees = [node for node in proto.graph.node if node.op_type == "TreeEnsembleRegressor"]
    if len(trees) != 1:
        raise OnnxMismatch(f"expected one TreeEnsembleRegressor, skl2onnx wrote {len(trees)}")
    tree = trees[0]
    thresholds, leaves = _exact_tree_values(estimator)
    kept = [a for a in tree.attribute
            if a.name not in ("nodes_values", "target_weights", "base_values", "nodes_hitrates")]
    if len(thresholds) != len(_attribute(tree, "nodes_modes").strings):  # type: ignore[attr-defined]
        raise OnnxMismatch("the converted trees do not have the model's nodes")
    baseline = np.asarray(estimator._baseline_prediction, dtype=np.float64).ravel()
    del tree.attribute[:]
    tree.attribute.extend([
        *kept,
        helper.make_attribute("nodes_values_as_tensor", numpy_helper.from_array(thresholds)),
        helper.make_attribute("target_weights_as_tensor", numpy_helper.from_array(leaves)),
        helper.make_attribute("base_values_as_tensor", numpy_helper.from_array(baseline)),
    ])
    output = tree.output[0]
    tree.output[0] = "raw_score"  # float: onnxruntime sums the doubles, then casts
    link = [helper.make_node("Cast", ["raw_score"], ["raw_double"], to=TensorProto.DOUBLE)]
    if trained.card.config.loss == "poisson":
        link.append(helper.make_node("Exp", ["raw_double"], [output]))
    else:
        link.append(helper.make_node("Identity", ["raw_double"], [output]))
    proto.graph.node.extend(link)
    for opset in proto.opset_import:
        if opset.domain == "ai.onnx.ml":
            opset.version = 3
    helper.set_model_props(proto, {CARD_METADATA_KEY: trained.card.to_json()})
    proto.doc_string = "Minimarket demand forecaster: predicts sales / scale per row."
    return bytes(proto.SerializeToString())


def _exact_tree_values(estimator: HistGradientBoostingRegressor) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds per node and values per leaf, in skl2onnx's order, as float64."""
    thresholds: list[float] = []
    leaves: list[float] = []
    for predictors in estimator._predictors:
        for node in predictors[0].nodes:
            if node["is_leaf"]:
                thresholds.append(0.0)
                leaves.append(float(node["value"]))
            else:
                thresholds.append(float(node["num_threshold"]))
    return np.asarray(thresholds), np.asarray(leaves)


def _attribute(node: object, name: str) -> object:
    for attribute in node.attribute:  # type: ignore[attr-defined]
        if attribute.name == name:
            return attribute
    raise KeyError(name)


def check_onnx(trained: TrainedForecaster, onnx_bytes: bytes,
               features: np.ndarray | None = None) -> float:
    """Assert the ONNX model gives the trained model's predictions on held-back rows.

    Every row must satisfy |onnx − model| ≤ 1e-4 + 1e-4·|model|; otherwise
    ``OnnxMismatch`` names the worst row. Returns the largest absolute difference.
    """
    from shared.forecast.inference import onnx_session, run_session

    rows = trained.holdout if features is None else np.asarray(features, dtype=np.float64)
    expected = trained.predict_scaled(rows)
    try:
        got = run_session(onnx_session(onnx_bytes), rows)
    except Exception as error:  # onnxruntime raises its own types for a broken graph
        raise OnnxMismatch(f"the ONNX model does not run: {error}") from error
    difference = np.abs(got - expected)
    excess = difference - (ABS_TOLERANCE + REL_TOLERANCE * np.abs(expected))
    worst = int(np.argmax(excess)) if len(excess) else 0
    if len(excess) and (excess[worst] > 0 or not np.isfinite(got).all()):
        raise OnnxMismatch(
            f"ONNX and model disagree on held-back row {worst}: onnx {got[worst]!r}, "
            f"model {expected[worst]!r} (|difference| {difference[worst]:.3g} > "
            f"{ABS_TOLERANCE} + {REL_TOLERANCE}·|model|); {int((excess > 0).sum())} of "
            f"{len(rows)} rows are out of tolerance")
    return float(difference.max()) if len(difference) else 0.0
