from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import ValidationError
from shared.domain.inflation import (
    CostPoint,
    MissingIndex,
    cost_increase,
    index_change,
    index_value_e4,
    inflation_gap,
    item_ratios,
    mean_increase,
    parse_month,
)

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


@pytest.mark.parametrize("text", ["2026-03", "2026-3", "2026-03-01", "03/2026", " 3/2026 "])
def test_months_are_read_in_the_usual_ways(text):
    assert parse_month(text) == MAR


@pytest.mark.parametrize("text", ["2026-13", "2026-03-15", "marzo", "", "26-03"])
def test_a_month_that_cannot_be_read_says_how_to_write_it(text):
    with pytest.raises(ValidationError, match="YYYY-MM"):
        parse_month(text)


def test_index_values_are_exact_positive_and_four_decimals_at_most():
    assert index_value_e4(Decimal("7864.1234")) == 78_641_234
    for bad in ("0", "-1", "1.23456", "NaN"):
        with pytest.raises(ValidationError):
            index_value_e4(Decimal(bad))


def test_the_index_change_between_two_months():
    series = {JAN: 1_000_000, FEB: 1_030_000, MAR: 1_060_900}
    assert index_change(series, JAN, MAR) == Decimal("0.0609")
    with pytest.raises(MissingIndex, match="2026-04"):
        index_change(series, JAN, date(2026, 4, 1))
    with pytest.raises(ValidationError, match="before"):
        index_change(series, MAR, JAN)


def point(item, day, cost, order=0):
    return CostPoint(item, day, (order,), cost)


def test_an_items_ratio_is_its_latest_cost_in_the_period_over_its_cost_before():
    points = [
        point("yerba", date(2025, 11, 20), 90_000),
        point("yerba", date(2026, 1, 10), 100_000),
        point("yerba", date(2026, 2, 5), 105_000),
        point("yerba", date(2026, 3, 28), 110_000, order=1),
        point("yerba", date(2026, 3, 28), 108_000, order=0),  # same day, earlier operation
        point("yerba", date(2026, 4, 2), 500_000),  # after the period
        point("azucar", date(2026, 1, 3), 50_000),  # not bought again: tells nothing
        point("fideos", date(2026, 2, 3), 70_000),  # no cost before the period
    ]
    assert item_ratios(points, JAN, MAR) == {"yerba": Decimal("1.1")}


def test_the_scope_increase_is_the_geometric_mean_of_its_items():
    assert mean_increase([Decimal(2), Decimal("0.5")]) == Decimal("0.0000")
    assert mean_increase([Decimal("1.1"), Decimal("1.1")]) == Decimal("0.1000")
    assert mean_increase([]) is None
    points = [point("a", JAN, 100), point("a", MAR, 121), point("b", JAN, 100),
              point("b", MAR, 100)]
    found = cost_increase(points, JAN, MAR)
    assert (found.items, found.increase) == (2, Decimal("0.1000"))


@given(st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2),
                min_size=1, max_size=30))
def test_the_mean_increase_lies_between_the_smallest_and_largest(ratios):
    found = mean_increase(ratios)
    assert found is not None
    assert min(ratios) - 1 - Decimal("0.0001") <= found <= max(ratios) - 1 + Decimal("0.0001")


def test_the_gap_is_cost_increase_minus_index_increase():
    assert inflation_gap(Decimal("0.1200"), Decimal("0.0609")) == Decimal("0.0591")
    assert inflation_gap(Decimal("0.0100"), Decimal("0.0300")) == Decimal("-0.0200")
