"""Reorder point, safety stock and pack rounding: never negative, monotonic in service."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.forecast.reorder import ReorderInput, service_z, suggest_reorder


def test_a_worked_example():
    # 10 a day, 3 days of lead time, 4 more of cover; σ 2 a day; 95 % service (z 1.6449)
    suggestion = suggest_reorder(ReorderInput(
        daily_forecast=[10.0] * 7, on_hand=Decimal(20), on_order=Decimal(5), lead_time_days=3,
        cover_days=4, pack_size=Decimal(12), service_level=0.95, error_std_per_day=2.0))
    assert suggestion.lead_time_demand == Decimal(30)
    assert suggestion.safety_stock == Decimal("5.698")  # 1.64485 × 2 × √3 = 5.69794, rounded up
    assert suggestion.reorder_point == Decimal("35.698")
    assert suggestion.target_stock == Decimal("75.698")
    # position 25: short by 50.698 -> 5 packs of 12
    assert (suggestion.packs, suggestion.quantity) == (5, Decimal(60))


def test_nothing_is_ordered_above_the_reorder_point():
    suggestion = suggest_reorder(ReorderInput(
        daily_forecast=[2.0] * 10, on_hand=Decimal(40), lead_time_days=5, cover_days=5,
        pack_size=Decimal(6), error_std_per_day=1.0))
    assert suggestion.reorder_point < suggestion.position
    assert suggestion.quantity == 0 and suggestion.packs == 0


def test_without_a_residual_std_the_wape_gives_the_error():
    request = ReorderInput(daily_forecast=[4.0] * 4, on_hand=Decimal(0), lead_time_days=4,
                           cover_days=0, wape=0.5, service_level=0.9)
    suggestion = suggest_reorder(request)
    # σ_day = 1.25 × 0.5 × 4 = 2.5; σ_L = 5; z(0.9) = 1.2816 -> 6.408
    assert suggestion.safety_stock == Decimal("6.408")


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="service level"):
        service_z(1.0)
    with pytest.raises(ValueError, match="pack size"):
        suggest_reorder(ReorderInput([1.0] * 3, Decimal(0), 2, pack_size=Decimal(0)))
    with pytest.raises(ValueError, match="covers 3 days"):
        suggest_reorder(ReorderInput([1.0] * 3, Decimal(0), 2, cover_days=7))


requests = st.builds(
    ReorderInput,
    daily_forecast=st.lists(st.floats(-5, 500, allow_nan=False), min_size=40, max_size=40),
    on_hand=st.decimals(-50, 2000, places=3, allow_nan=False, allow_infinity=False),
    on_order=st.decimals(0, 500, places=0, allow_nan=False, allow_infinity=False),
    lead_time_days=st.integers(0, 14),
    cover_days=st.integers(0, 21),
    pack_size=st.sampled_from([Decimal(1), Decimal(6), Decimal(12), Decimal(24),
                               Decimal("0.5")]),
    service_level=st.floats(0.5, 0.995),
    error_std_per_day=st.one_of(st.none(), st.floats(0, 50)),
    wape=st.one_of(st.none(), st.floats(0, 2)),
)


@given(requests)
def test_quantities_are_whole_packs_never_negative_and_reach_the_target(request):
    suggestion = suggest_reorder(request)
    assert suggestion.quantity >= 0 and suggestion.packs >= 0
    assert suggestion.safety_stock >= 0 and suggestion.reorder_point >= 0
    assert suggestion.quantity == request.pack_size * suggestion.packs
    if suggestion.position > suggestion.reorder_point:
        assert suggestion.quantity == 0
    elif suggestion.packs:
        after = suggestion.position + suggestion.quantity
        assert after >= suggestion.target_stock  # rounded up, never short
        assert after - request.pack_size < suggestion.target_stock  # by less than one pack


@given(requests, st.floats(0.5, 0.99), st.floats(0.001, 0.009))
def test_a_higher_service_level_never_orders_less(request, level, step):
    low = suggest_reorder(ReorderInput(**{**request.__dict__, "service_level": level}))
    high = suggest_reorder(ReorderInput(**{**request.__dict__, "service_level": level + step}))
    assert high.safety_stock >= low.safety_stock
    assert high.reorder_point >= low.reorder_point
    assert high.quantity >= low.quantity
