"""Exact numbers: Argentine and US decimals, ambiguity, cents and thousandths."""

from __future__ import annotations

import contextlib
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import AmbiguousNumber, InexactAmount, InvalidNumber
from shared.domain.numbers import (
    cents_to_amount,
    milli_to_quantity,
    parse_decimal,
    parse_quantity,
    round_to_cents,
    to_cents,
    to_milli,
)

finite_decimals = st.decimals(allow_nan=False, allow_infinity=False)
three_place_decimals = st.decimals(
    min_value=Decimal("-1e15"),
    max_value=Decimal("1e15"),
    places=3,
    allow_nan=False,
    allow_infinity=False,
)


def _us_style(value: Decimal) -> str:
    return format(value, ",.3f")


def _argentine_style(value: Decimal) -> str:
    return _us_style(value).translate(str.maketrans(",.", ".,"))


def _same(parsed: Decimal, expected: str) -> bool:
    """Equal value and same digits: "1.50" must not become "1.5" or a float."""
    return type(parsed) is Decimal and str(parsed) == expected


# --- parse_decimal ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567", "1234567"),
        ("1,234,567", "1234567"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1.5", "1.5"),
        ("1,5", "1.5"),
        ("1.50", "1.50"),
        ("1234", "1234"),
        ("0", "0"),
        ("1234.567", "1234.567"),
        ("1.5000", "1.5000"),
        ("0.500", "0.500"),  # a leading zero is never a thousands group
        ("0,350", "0.350"),
        (".5", "0.5"),
        (",25", "0.25"),
        ("  2500,00 ", "2500.00"),
        ("$1.234,56", "1234.56"),
        ("$ 36300.00", "36300.00"),
        ("-1.234,56", "-1234.56"),
        ("+12,5", "12.5"),
        ("-$ 5", "-5"),
        ("$-5,25", "-5.25"),
        ("-0,00", "0.00"),
        ("0.1", "0.1"),
        ("12345678901234567890123456789.123456789", "12345678901234567890123456789.123456789"),
    ],
)
def test_auto_reads_unambiguous_numbers_exactly(text: str, expected: str) -> None:
    assert _same(parse_decimal(text), expected)


@pytest.mark.parametrize(
    ("text", "comma", "dot"),
    [
        ("1.500", "1500", "1.500"),
        ("12,000", "12.000", "12000"),
        ("1.234", "1234", "1.234"),
        ("123,456", "123.456", "123456"),
        ("$-1.500", "-1500", "-1.500"),
    ],
)
def test_numbers_that_read_two_ways_need_the_decimal_mark(text: str, comma: str, dot: str) -> None:
    with pytest.raises(AmbiguousNumber, match=r"--decimal comma or as .* with --decimal dot"):
        parse_decimal(text)
    assert _same(parse_decimal(text, "comma"), comma)
    assert _same(parse_decimal(text, "dot"), dot)


def test_ambiguity_message_shows_both_readings() -> None:
    with pytest.raises(AmbiguousNumber) as caught:
        parse_decimal("1.500")
    assert str(caught.value) == (
        "'1.500' reads as 1500 with --decimal comma or as 1.5 with --decimal dot; pass one of them"
    )


def test_ambiguous_number_is_an_invalid_number() -> None:
    with pytest.raises(InvalidNumber):
        parse_decimal("1.500")


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "1,2,3.4.5",
        "1..2",
        "1.2.3,4,5",
        "1.",
        "1,",
        ".",
        "$",
        "-",
        "+-5",
        "--5",
        "- $ -5",
        "1 234",
        "1e5",
        "NaN",
        "Infinity",
        "0x10",
        "1.23,4",
        "1,2345.6",
        "12.34.567",
        "1.234,5.6",
        "1,234,56",
        "٣",
        "١٢٣٫٤",
        "５",
        "5$",
        "1_000",
    ],
)
def test_garbage_is_an_invalid_number_naming_the_text(text: str) -> None:
    with pytest.raises(InvalidNumber, match="is not a number") as caught:
        parse_decimal(text)
    assert repr(text) in str(caught.value)
    assert not isinstance(caught.value, AmbiguousNumber)


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_is_an_invalid_number(text: str) -> None:
    with pytest.raises(InvalidNumber, match="empty"):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        ("1.234,56", "comma", "1234.56"),
        ("1234,56", "comma", "1234.56"),
        ("1.500", "comma", "1500"),
        ("1,5", "comma", "1.5"),
        ("1.234.567", "comma", "1234567"),
        ("1,234.56", "dot", "1234.56"),
        ("1.500", "dot", "1.500"),
        ("1,500", "dot", "1500"),
        ("1234.5", "dot", "1234.5"),
    ],
)
def test_explicit_modes(text: str, mode: str, expected: str) -> None:
    assert _same(parse_decimal(text, mode), expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("1,234.56", "comma"),
        ("1234.56", "comma"),  # a group of four digits
        ("0.500", "comma"),  # a zero is not a thousands group
        ("1,2", "dot"),
        ("1.234,56", "dot"),
        ("1,5,0", "comma"),
    ],
)
def test_explicit_mode_refuses_the_other_style(text: str, mode: str) -> None:
    with pytest.raises(InvalidNumber, match="as the decimal mark"):
        parse_decimal(text, mode)  # type: ignore[arg-type]


def test_unknown_mode_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="decimal mode"):
        parse_decimal("1", "space")  # type: ignore[arg-type]


@given(three_place_decimals)
def test_argentine_style_reads_back_exactly_in_comma_mode(value: Decimal) -> None:
    assert parse_decimal(_argentine_style(value), "comma") == value
    assert parse_decimal(_argentine_style(value).replace(".", ""), "comma") == value


@given(three_place_decimals)
def test_us_style_reads_back_exactly_in_dot_mode(value: Decimal) -> None:
    assert parse_decimal(_us_style(value), "dot") == value
    assert parse_decimal(_us_style(value).replace(",", ""), "dot") == value


@given(three_place_decimals, st.sampled_from([_argentine_style, _us_style]))
def test_auto_reads_right_or_refuses_never_wrong(value: Decimal, style: object) -> None:
    text = style(value)  # type: ignore[operator]
    with contextlib.suppress(AmbiguousNumber):
        assert parse_decimal(text) == value


@given(st.decimals(min_value=1000, max_value=Decimal("1e12"), places=2))
def test_auto_reads_grouped_amounts_with_cents_in_either_style(value: Decimal) -> None:
    us = format(value, ",.2f")
    argentine = us.translate(str.maketrans(",.", ".,"))
    assert parse_decimal(us) == value
    assert parse_decimal(argentine) == value


@given(st.text(max_size=12))
def test_parse_decimal_only_raises_invalid_number(text: str) -> None:
    try:
        result = parse_decimal(text)
    except InvalidNumber:
        return
    assert type(result) is Decimal


# --- parse_quantity -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", "3"),
        ("-3", "-3"),
        ("+2", "2"),
        ("0,350", "0.350"),
        ("0.350", "0.350"),
        ("1.500", "1.500"),
        ("1,5", "1.5"),
        (" 12 ", "12"),
        (",5", "0.5"),
        ("-0", "0"),
        ("1500", "1500"),
    ],
)
def test_quantity_arguments(text: str, expected: str) -> None:
    assert _same(parse_quantity(text), expected)


def test_a_kilo_and_a_half_is_never_1500_kilos() -> None:
    assert parse_quantity("1.500") == Decimal("1.5")


@pytest.mark.parametrize(
    "text", ["", " ", "abc", "1.234,5", "1,234.5", "1.234.567", "1.", "-", "- 3", "3kg", "1e3", "٣"]
)
def test_bad_quantities_are_invalid_numbers(text: str) -> None:
    with pytest.raises(InvalidNumber, match="not a quantity") as caught:
        parse_quantity(text)
    assert repr(text) in str(caught.value)


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=3, max_value=10**9, min_value=-(10**9)
    )
)
def test_quantity_reads_back_its_plain_text(value: Decimal) -> None:
    text = format(value, "f")
    assert parse_quantity(text) == value
    assert parse_quantity(text.replace(".", ",")) == value


# --- cents and thousandths ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (Decimal("30000.00"), 3000000),
        (Decimal("1.1"), 110),
        (Decimal("-2.50"), -250),
        (Decimal("0"), 0),
        (Decimal("1E+3"), 100000),
        (Decimal("0.010"), 1),
        (Decimal("12345678901234567890123456789.12"), 1234567890123456789012345678912),
        (7, 700),
    ],
)
def test_to_cents_is_exact(value: Decimal, cents: int) -> None:
    assert to_cents(value) == cents


@pytest.mark.parametrize("value", [Decimal("0.001"), Decimal("1.005"), Decimal("-0.125")])
def test_a_fraction_of_a_cent_is_refused(value: Decimal) -> None:
    with pytest.raises(InexactAmount, match="more than 2 decimals"):
        to_cents(value)


@pytest.mark.parametrize("value", [0.1, 1.0, True, "1.00", None])
def test_floats_and_other_types_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        to_cents(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_milli(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        round_to_cents(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_values_are_invalid(value: Decimal) -> None:
    with pytest.raises(InvalidNumber):
        to_cents(value)
    with pytest.raises(InvalidNumber):
        round_to_cents(value)


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (Decimal("1.005"), 101),
        (Decimal("1.0049"), 100),
        (Decimal("-1.005"), -101),
        (Decimal("0.125"), 13),
        (Decimal("-0.004"), 0),
        (Decimal("2.5"), 250),
        (Decimal("6300.0000001"), 630000),
    ],
)
def test_round_to_cents_rounds_halves_away_from_zero(value: Decimal, cents: int) -> None:
    assert round_to_cents(value) == cents


@given(finite_decimals)
def test_round_to_cents_agrees_with_decimal_half_up(value: Decimal) -> None:
    # round_to_cents uses integers, so it needs no context; the reference does.
    with localcontext(Context(prec=10_000, Emax=MAX_EMAX, Emin=MIN_EMIN)):
        scaled = value.scaleb(2)
        expected = int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert round_to_cents(value) == expected


@pytest.mark.parametrize(
    ("cents", "text"),
    [(3000000, "30000.00"), (0, "0.00"), (5, "0.05"), (-150, "-1.50"), (630000, "6300.00")],
)
def test_cents_to_amount_always_has_two_decimals(cents: int, text: str) -> None:
    assert str(cents_to_amount(cents)) == text


@given(st.integers())
def test_cents_round_trip(cents: int) -> None:
    amount = cents_to_amount(cents)
    assert amount.as_tuple().exponent == -2
    assert to_cents(amount) == cents
    assert round_to_cents(amount) == cents


@pytest.mark.parametrize("value", [1.5, True, "100"])
def test_cents_and_milli_must_be_ints(value: object) -> None:
    with pytest.raises(TypeError):
        cents_to_amount(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        milli_to_quantity(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "milli"),
    [(Decimal("0.350"), 350), (Decimal("1.5"), 1500), (Decimal("-3"), -3000), (12, 12000)],
)
def test_to_milli_is_exact(value: Decimal, milli: int) -> None:
    assert to_milli(value) == milli


def test_beyond_three_decimals_is_refused() -> None:
    with pytest.raises(InexactAmount, match="more than 3 decimals"):
        to_milli(Decimal("0.3505"))


@pytest.mark.parametrize(
    ("milli", "expected"),
    [
        (12000, 12),
        (0, 0),
        (-3000, -3),
        (350, Decimal("0.350")),
        (1500, Decimal("1.500")),
        (-350, Decimal("-0.350")),
    ],
)
def test_milli_to_quantity(milli: int, expected: int | Decimal) -> None:
    quantity = milli_to_quantity(milli)
    assert type(quantity) is type(expected)
    assert str(quantity) == str(expected)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_milli_round_trip(milli: int) -> None:
    quantity = milli_to_quantity(milli)
    assert to_milli(quantity) == milli
    if isinstance(quantity, Decimal):
        assert quantity.as_tuple().exponent == -3
