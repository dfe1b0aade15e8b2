"""When to reorder and how much, from a demand forecast (pure values in, pure values out).

* Lead-time demand ``D_L``: the forecast summed over the supplier's lead time.
* Forecast error over the lead time ``σ_L = σ_day · √L`` (daily errors taken as
  independent), with ``σ_day`` the series' backtest residual std, or, without one, a
  WAPE-based estimate: the mean absolute daily error is WAPE × mean daily demand, and
  for normal errors σ ≈ 1.25 × mean absolute error.
* Safety stock ``SS = z · σ_L`` with ``z`` the normal quantile of the service level
  (``statistics.NormalDist``); reorder point ``ROP = D_L + SS``.
* When the stock position (on hand + on order) is at or below the reorder point,
  order enough to cover the lead time plus ``cover_days`` more of forecast demand plus
  the safety stock, minus the position, rounded **up** to whole packs. Above the
  reorder point, order nothing. Quantities are Decimal (3 decimals: weighed goods in kg)
  and never negative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from statistics import NormalDist

MAE_TO_STD = Decimal("1.25")  # σ / mean absolute error for normally distributed errors
QUANTUM = Decimal("0.001")


@dataclass(frozen=True)
class ReorderInput:
    daily_forecast: Sequence[float | Decimal]  # forecast units from tomorrow on
    on_hand: Decimal
    lead_time_days: int
    pack_size: Decimal = Decimal(1)
    on_order: Decimal = Decimal(0)
    cover_days: int = 7  # days of demand an order should last beyond the lead time
    service_level: float = 0.95  # chance of not running out during the lead time
    error_std_per_day: float | Decimal | None = None  # backtest residual std of the series
    wape: float | Decimal | None = None  # used when error_std_per_day is None


@dataclass(frozen=True)
class ReorderSuggestion:
    lead_time_demand: Decimal
    safety_stock: Decimal
    reorder_point: Decimal
    position: Decimal  # on hand + on order
    target_stock: Decimal
    quantity: Decimal  # a whole number of packs, 0 when above the reorder point
    packs: int


def service_z(service_level: float) -> Decimal:
    """The normal quantile of a service level in (0, 1); 0.5 gives 0."""
    if not 0 < service_level < 1:
        raise ValueError(f"service level must be between 0 and 1, got {service_level}")
    return _decimal(NormalDist().inv_cdf(service_level))


def suggest_reorder(request: ReorderInput) -> ReorderSuggestion:
    """Reorder point and suggested quantity (see the module doc)."""
    lead = request.lead_time_days
    if lead < 0 or request.cover_days < 0:
        raise ValueError("lead time and cover days cannot be negative")
    if request.pack_size <= 0:
        raise ValueError(f"pack size must be positive, got {request.pack_size}")
    horizon = lead + request.cover_days
    if len(request.daily_forecast) < horizon:
        raise ValueError(f"the forecast covers {len(request.daily_forecast)} days, the lead "
                         f"time and cover need {horizon}")
    daily = [max(_decimal(value), Decimal(0)) for value in request.daily_forecast[:horizon]]
    lead_demand = sum(daily[:lead], Decimal(0))
    cover_demand = sum(daily[lead:horizon], Decimal(0))
    sigma_day = _daily_error(request, daily[:lead] or daily[:1])
    safety = _up(max(service_z(request.service_level), Decimal(0)) * sigma_day
                 * _decimal(math.sqrt(lead)))
    reorder_point = _up(lead_demand + safety)
    position = Decimal(request.on_hand) + Decimal(request.on_order)
    target = _up(lead_demand + cover_demand + safety)
    packs = 0
    if position <= reorder_point:
        shortfall = max(target - position, Decimal(0))
        packs = int((shortfall / Decimal(request.pack_size)).to_integral_value(ROUND_CEILING))
    return ReorderSuggestion(
        lead_time_demand=_up(lead_demand), safety_stock=safety, reorder_point=reorder_point,
        position=position, target_stock=target,
        quantity=(Decimal(request.pack_size) * packs).quantize(QUANTUM), packs=packs)


def _daily_error(request: ReorderInput, daily: list[Decimal]) -> Decimal:
    if request.error_std_per_day is not None:
        return max(_decimal(request.error_std_per_day), Decimal(0))
    if request.wape is None:
        return Decimal(0)
    mean = sum(daily, Decimal(0)) / len(daily) if daily else Decimal(0)
    return MAE_TO_STD * max(_decimal(request.wape), Decimal(0)) * mean


def _decimal(value: float | Decimal | int) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    return Decimal(repr(float(value)))


def _up(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_CEILING)
