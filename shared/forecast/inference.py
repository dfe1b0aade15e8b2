"""Running an exported forecaster: onnxruntime + numpy + features.py, nothing heavier.

This is what store PCs run offline, so it must not import scikit-learn (a test checks).
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import onnxruntime

from shared.forecast.card import ModelCard
from shared.forecast.errors import ForecastError
from shared.forecast.features import FEATURE_NAMES, Cpi, forecast_from
from shared.forecast.series import SalesPanel

CARD_METADATA_KEY = "minimarket.forecast.card"


def onnx_session(onnx_bytes: bytes, threads: int = 1) -> onnxruntime.InferenceSession:
    """A CPU session; one thread by default (a till PC has other work to do)."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])


def run_session(session: onnxruntime.InferenceSession, features: np.ndarray) -> np.ndarray:
    """Predictions (sales / scale) for float64 feature rows, as a flat float64 array."""
    name = session.get_inputs()[0].name
    rows = np.ascontiguousarray(features, dtype=np.float64)
    return np.asarray(session.run(None, {name: rows})[0], dtype=np.float64).ravel()


def card_of(onnx_bytes: bytes) -> ModelCard:
    """The card stored in an exported model's metadata."""
    meta = onnx_session(onnx_bytes).get_modelmeta().custom_metadata_map
    if CARD_METADATA_KEY not in meta:
        raise ForecastError("this ONNX model carries no forecast card")
    return ModelCard.from_dict(json.loads(meta[CARD_METADATA_KEY]))


class OnnxForecaster:
    """An exported model and its card, ready to forecast a panel."""

    def __init__(self, onnx_bytes: bytes, card: ModelCard | None = None, *,
                 threads: int = 1) -> None:
        self.card = card if card is not None else card_of(onnx_bytes)
        if tuple(self.card.feature_names) != FEATURE_NAMES:
            raise ForecastError(
                "the model was trained with other features than this version computes; "
                "retrain it or update the application")
        self._session = onnx_session(onnx_bytes, threads)

    def forecast(self, panel: SalesPanel, origin: date | int | None = None,
                 horizon: int | None = None, *, cpi: Cpi | None = None) -> np.ndarray:
        """(series × horizon) units for the days after ``origin`` (default: the last day).

        ``horizon`` may be shorter than the model's, never longer.
        """
        steps = self.card.horizon if horizon is None else horizon
        if not 1 <= steps <= self.card.horizon:
            raise ForecastError(f"this model forecasts 1..{self.card.horizon} days, "
                                f"not {steps}")
        day = panel.day_of(origin) if isinstance(origin, date) else origin
        out = forecast_from(lambda rows: run_session(self._session, rows), panel, origin=day,
                            horizon=self.card.horizon, country=self.card.config.country,
                            cpi=cpi)
        return out[:, :steps]
