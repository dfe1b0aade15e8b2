import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.enums import VatRate
from shared.domain.errors import ValidationError
from shared.domain.pricing import (
    Rounding,
    Rule,
    RuleScope,
    change_ratio,
    choose_rule,
    markup_of_price,
    raw_shelf_price,
    round_to_ending,
    suggest_price,
)

SUPPLIER = uuid.UUID(int=7)


def rule(n, scope=RuleScope.DEFAULT, value=None, markup=3_000, priority=0, active=True,
         rounding=Rounding()):
    return Rule(uuid.UUID(int=n), scope, value, markup, rounding, priority, active, f"r{n}")


@pytest.mark.parametrize(("raw", "step", "ending", "expected"), [
    (123_001, 1_000, 900, 123_900),  # $1.230,01 -> $1.239 (step $10, ending $9)
    (122_900, 1_000, 900, 122_900),  # already ends in 9: unchanged
    (122_901, 1_000, 900, 123_900),
    (123_001, 10_000, 9_000, 129_000),  # step $100, ending $90
    (123_001, 10_000, 9_900, 129_900),  # step $100, ending $99
    (129_950, 10_000, 9_900, 139_900),
    (12_345, 100, 0, 12_400),  # whole pesos
    (12_345, 100, 99, 12_399),  # ... ending in 99 cents
    (500, 1_000, 900, 900),
    (0, 1_000, 900, 900),
])
def test_rounding_goes_up_to_the_next_price_with_the_ending(raw, step, ending, expected):
    assert round_to_ending(raw, step, ending) == expected


@given(raw=st.integers(0, 10**12), step=st.integers(1, 10**6), data=st.data())
def test_rounding_ends_in_the_ending_never_lowers_the_price_and_moves_less_than_a_step(
        raw, step, data):
    ending = data.draw(st.integers(0, step - 1))
    price = round_to_ending(raw, step, ending)
    assert price >= raw
    assert price % step == ending
    assert price - raw < step


def test_a_rounding_needs_a_positive_step_and_an_ending_below_it():
    with pytest.raises(ValidationError, match="step"):
        Rounding(0, 0)
    with pytest.raises(ValidationError, match="ending"):
        Rounding(1_000, 1_000)


def test_the_raw_price_is_markup_over_net_cost_then_vat():
    assert raw_shelf_price(100_000, 3_000, VatRate.GENERAL) == 157_300  # 1000 x 1.3 x 1.21
    assert raw_shelf_price(100_000, 3_000, VatRate.REDUCED) == 143_650
    assert raw_shelf_price(333, 0, VatRate.GENERAL) == 403  # 4.0293 -> 4.03


def test_a_suggestion_is_the_raw_price_rounded_to_the_rules_ending():
    found = suggest_price(100_000, VatRate.GENERAL, rule(1))
    assert (found.raw_cents, found.price_cents) == (157_300, 157_900)


def test_supplier_beats_category_beats_default_whatever_their_priority():
    default = rule(1, priority=100)
    category = rule(2, RuleScope.CATEGORY, "Almacén", priority=50)
    supplier = rule(3, RuleScope.SUPPLIER, str(SUPPLIER), priority=-10)
    rules = [default, category, supplier]
    assert choose_rule(rules, category="almacén ", supplier_id=SUPPLIER) == supplier
    assert choose_rule(rules, category="  ALMACÉN", supplier_id=None) == category
    assert choose_rule(rules, category="Bebidas", supplier_id=uuid.UUID(int=8)) == default
    assert choose_rule([category, supplier], category=None, supplier_id=None) is None


def test_within_a_scope_the_higher_priority_then_the_older_rule_wins():
    assert choose_rule([rule(2, priority=1), rule(1, priority=0)], category=None,
                       supplier_id=None).id == uuid.UUID(int=2)
    assert choose_rule([rule(5), rule(4)], category=None, supplier_id=None).id == uuid.UUID(int=4)


def test_an_inactive_rule_does_not_apply():
    chosen = choose_rule([rule(1), rule(2, RuleScope.CATEGORY, "x", active=False)],
                         category="x", supplier_id=None)
    assert chosen is not None and chosen.id == uuid.UUID(int=1)


def test_a_rule_checks_its_markup_and_scope_value():
    with pytest.raises(ValidationError, match="markup"):
        rule(1, markup=-1)
    with pytest.raises(ValidationError, match="scope value"):
        rule(1, RuleScope.CATEGORY, None)
    with pytest.raises(ValidationError, match="scope value"):
        rule(1, RuleScope.DEFAULT, "x")


def test_markup_of_a_price_and_change_ratio():
    assert markup_of_price(157_300, 100_000, VatRate.GENERAL) == Decimal("0.3000")
    assert markup_of_price(100, 0, VatRate.GENERAL) is None
    assert change_ratio(100_000, 110_000) == Decimal("0.1000")
    assert change_ratio(None, 1) is None
