"""What travels with a model: its training configuration and the facts about its training.

Plain dataclasses that round-trip through JSON, so HQ can store a card beside the ONNX
bytes and a store PC can run the model knowing exactly which features it expects. No
scikit-learn here: the store imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

CARD_FORMAT = 1
LOOKBACK_DAYS = 400  # what the features read before an origin: a year and a week, rounded up
Loss = Literal["poisson", "squared_error"]


@dataclass(frozen=True)
class ForecastConfig:
    """How to train. The defaults were picked by backtest (docs/forecasting.md)."""

    loss: Loss = "poisson"
    max_iter: int = 200
    learning_rate: float = 0.08
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0
    # training origins: every `origin_stride` days (3 is coprime with 7, so every weekday
    # is an origin) over the last `history_days`; at most `max_rows` rows, by sampling
    # series per origin
    origin_stride: int = 3
    history_days: int = 730
    max_rows: int = 400_000
    # scaled targets (sales / scale) are capped here: one wholesale order of 1,000 units
    # after a closed fortnight (scale at its floor) would otherwise make the Poisson
    # fit overshoot to infinity
    target_cap: float = 50.0
    country: str = "AR"  # public holidays calendar (holidays.country_holidays)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.loss not in ("poisson", "squared_error"):
            raise ValueError(f"loss must be 'poisson' or 'squared_error', not {self.loss!r}")
        if self.origin_stride < 1 or self.max_rows < 1 or self.max_iter < 1:
            raise ValueError("origin_stride, max_rows and max_iter must be positive")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ForecastConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class FeatureProfile:
    """A feature's distribution in training: bin edges (inner) and the share per bin."""

    edges: list[float]
    shares: list[float]


@dataclass
class ModelCard:
    """Metadata of a trained forecaster; JSON-serialisable (``to_json`` / ``from_json``)."""

    horizon: int
    feature_names: list[str]
    config: ForecastConfig
    train_start: str  # ISO date of the first day of the training panel
    train_end: str  # ISO date of its last day
    series: int
    training_rows: int
    training_origins: int
    training_seconds: float
    uses_prices: bool
    uses_cpi: bool
    created: str  # ISO timestamp (UTC)
    # days of history before an origin that the features read: give a forecast at least
    # this many (fewer works, but the year-ago features then read as missing)
    lookback_days: int = LOOKBACK_DAYS
    # backtest figures, when a backtest was run: {"wape", "mase", "seasonal_naive_wape", ...}
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    # the model's daily error relative to demand (std of (y − ŷ) / mean(y)) from a backtest
    relative_error_std: float | None = None
    # per data feature, its training distribution (drift.py compares recent data to it)
    reference: dict[str, FeatureProfile] = field(default_factory=dict)
    format: int = CARD_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        values = dict(data)
        values["config"] = ForecastConfig.from_dict(values["config"])
        values["reference"] = {name: FeatureProfile(**profile)
                               for name, profile in values.get("reference", {}).items()}
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    @classmethod
    def from_json(cls, text: str | bytes | Mapping[str, Any]) -> ModelCard:
        """From JSON text (or bytes), or from an already parsed dict."""
        if isinstance(text, Mapping):
            return cls.from_dict(dict(text))
        return cls.from_dict(json.loads(text))
