"""Expected failures of the forecasting library, as types (see ``shared.domain.errors``)."""

from __future__ import annotations

from shared.domain.errors import MinimarketError


class ForecastError(MinimarketError):
    """Base of the forecasting library's expected failures."""

    status_code = 422


class SalesFileError(ForecastError):
    """A sales file is missing, unreadable, or has no header with the needed columns."""


class NotEnoughHistory(ForecastError):
    """The panel is too short (or empty) for the training, backtest or forecast asked for."""


class OnnxMismatch(ForecastError):
    """The exported ONNX model does not give the trained model's predictions."""
