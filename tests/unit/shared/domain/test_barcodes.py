"""Barcode rules: GS1 check digits, accepted lengths and variable-weight scale labels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.barcodes import (
    DEFAULT_SCALE_LAYOUT,
    BarcodeKind,
    ScaleLayout,
    ScaleReading,
    barcode_kind,
    decode_scale_barcode,
    gtin_check_digit,
    is_scale_barcode,
    normalize_barcode,
)
from shared.domain.errors import ConfigError, InvalidBarcode

digit_strings = st.text("0123456789", min_size=1, max_size=17)


def _complete(body: str) -> str:
    return body + str(gtin_check_digit(body))


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("4006381333931", BarcodeKind.EAN13),  # GS1's textbook EAN-13
        ("5449000000996", BarcodeKind.EAN13),
        ("7790070411716", BarcodeKind.EAN13),  # 779: Argentina
        ("7790895000997", BarcodeKind.EAN13),
        ("96385074", BarcodeKind.EAN8),
        ("036000291452", BarcodeKind.UPCA),
    ],
)
def test_real_barcodes_are_accepted_with_their_kind(code: str, kind: BarcodeKind) -> None:
    assert gtin_check_digit(code[:-1]) == int(code[-1])
    assert normalize_barcode(code) == code
    assert barcode_kind(code) is kind


def test_kind_codes_are_stable() -> None:
    assert [kind.value for kind in BarcodeKind] == ["ean8", "upca", "ean13"]
    assert BarcodeKind("upca") is BarcodeKind.UPCA


def test_printed_groups_are_joined() -> None:
    assert normalize_barcode(" 4 006381 333931 ") == "4006381333931"
    assert normalize_barcode("0 36000 29145 2") == "036000291452"


def test_upca_keeps_its_twelve_digits() -> None:
    # Not padded to EAN-13 "0036000291452": it must match what a person types.
    assert normalize_barcode("036000291452") == "036000291452"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("400638133393X", "only hold digits"),
        ("4006-381333931", "only hold digits"),
        ("٤006381333931", "only hold digits"),
        ("40063813339", "11 digits"),
        ("40063813339311", "14 digits"),
        ("1234567", "7 digits"),
        ("4006381333932", "check digit 2, but its other digits need 1"),
        ("7790001000012", "check digit 2, but its other digits need 9"),
        ("96385075", "check digit 5"),
    ],
)
def test_invalid_barcode_says_what_is_wrong(code: str, reason: str) -> None:
    with pytest.raises(InvalidBarcode, match=reason):
        normalize_barcode(code)
    with pytest.raises(InvalidBarcode):
        barcode_kind(code)


@pytest.mark.parametrize("body", ["", "12a", "１２３"])
def test_check_digit_needs_ascii_digits(body: str) -> None:
    with pytest.raises(InvalidBarcode):
        gtin_check_digit(body)


@given(digit_strings)
def test_check_digit_makes_the_weighted_sum_a_multiple_of_ten(body: str) -> None:
    code = _complete(body)
    weights = [3 if i % 2 == 0 else 1 for i in range(len(body))]
    total = sum(int(d) * w for d, w in zip(reversed(body), weights, strict=True))
    assert (total + int(code[-1])) % 10 == 0


@given(
    st.sampled_from([7, 11, 12]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
)
def test_completed_codes_normalize_to_themselves(body: str) -> None:
    code = _complete(body)
    assert normalize_barcode(code) == code


@given(
    st.sampled_from([7, 11, 12]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
    st.data(),
)
def test_any_single_wrong_digit_is_caught(body: str, data: st.DataObject) -> None:
    code = _complete(body)
    position = data.draw(st.integers(0, len(code) - 1))
    wrong = str((int(code[position]) + data.draw(st.integers(1, 9))) % 10)
    with pytest.raises(InvalidBarcode, match="check digit"):
        normalize_barcode(code[:position] + wrong + code[position + 1 :])


# --- scale labels -------------------------------------------------------------------


def _label(prefix: str, item: str, value: str) -> str:
    return _complete(prefix + item + value)


def test_weight_label_reads_kilograms_from_grams() -> None:
    code = _label("20", "00123", "00350")
    reading = decode_scale_barcode(code)
    assert reading == ScaleReading(
        prefix="20",
        item_code="00123",
        lookup_code=_label("20", "00123", "00000"),
        weight=Decimal("0.350"),
        price=None,
    )
    assert str(reading.weight) == "0.350"


def test_price_label_reads_whole_pesos_by_default() -> None:
    reading = decode_scale_barcode(_label("25", "04567", "12500"))
    assert reading.prefix == "25"
    assert reading.item_code == "04567"
    assert reading.weight is None
    assert reading.price == Decimal("12500")
    assert reading.lookup_code == _label("25", "04567", "00000")


def test_lookup_code_is_itself_a_valid_scale_label_with_zero_value() -> None:
    reading = decode_scale_barcode(_label("21", "99999", "99999"))
    assert normalize_barcode(reading.lookup_code) == reading.lookup_code
    again = decode_scale_barcode(reading.lookup_code)
    assert again.item_code == "99999"
    assert again.lookup_code == reading.lookup_code
    assert again.weight == 0


def test_scale_label_with_spaces_is_read() -> None:
    code = _label("20", "00123", "01500")
    spaced = f"{code[0]} {code[1:7]} {code[7:]}"
    assert decode_scale_barcode(spaced).weight == Decimal("1.5")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("7790070411716", "prefix 77, not a scale prefix"),
        ("96385074", "not an EAN-13"),
        ("036000291452", "not an EAN-13"),
        ("2000123003500", "check digit"),
        ("20001230035", "11 digits"),
    ],
)
def test_non_scale_codes_are_refused(code: str, reason: str) -> None:
    with pytest.raises(InvalidBarcode, match=reason):
        decode_scale_barcode(code)
    assert not is_scale_barcode(code)


@pytest.mark.parametrize("prefix", [str(n) for n in range(20, 30)])
def test_every_prefix_from_20_to_29_is_a_scale_prefix_by_default(prefix: str) -> None:
    assert is_scale_barcode(_label(prefix, "00001", "00001"))


def test_custom_layout_reads_cents_and_a_shorter_item() -> None:
    layout = ScaleLayout(
        weight_prefixes=frozenset({"20"}),
        price_prefixes=frozenset({"28"}),
        item_digits=4,
        value_digits=6,
        price_decimals=2,
    )
    reading = decode_scale_barcode(_label("28", "1234", "012345"), layout)
    assert reading.item_code == "1234"
    assert reading.price == Decimal("123.45")
    assert reading.lookup_code == _label("28", "1234", "000000")
    assert not is_scale_barcode(_label("25", "1234", "012345"), layout)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"item_digits": 5, "value_digits": 6}, "must be 10"),
        ({"item_digits": 0, "value_digits": 10}, "at least 1"),
        ({"weight_decimals": 6}, "weight_decimals"),
        ({"price_decimals": -1}, "price_decimals"),
        ({"weight_prefixes": frozenset({"19"})}, "'19' is not between 20 and 29"),
        ({"price_prefixes": frozenset({"2"})}, "'2' is not between 20 and 29"),
        ({"price_prefixes": frozenset({"24", "25"})}, "24 cannot mean both"),
    ],
)
def test_impossible_layouts_are_refused(kwargs: dict[str, object], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        ScaleLayout(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=reason):
        ScaleLayout(**kwargs)  # type: ignore[arg-type]


def test_default_layout() -> None:
    assert DEFAULT_SCALE_LAYOUT.weight_prefixes == frozenset({"20", "21", "22", "23", "24"})
    assert DEFAULT_SCALE_LAYOUT.price_prefixes == frozenset({"25", "26", "27", "28", "29"})
    assert (DEFAULT_SCALE_LAYOUT.item_digits, DEFAULT_SCALE_LAYOUT.value_digits) == (5, 5)
    assert DEFAULT_SCALE_LAYOUT.weight_decimals == 3
    assert DEFAULT_SCALE_LAYOUT.price_decimals == 0


@given(
    st.integers(20, 29).map(str),
    st.text("0123456789", min_size=5, max_size=5),
    st.integers(0, 99999),
)
def test_decoding_gives_back_what_the_scale_printed(prefix: str, item: str, value: int) -> None:
    reading = decode_scale_barcode(_label(prefix, item, f"{value:05d}"))
    assert reading.prefix == prefix
    assert reading.item_code == item
    assert reading.lookup_code == _label(prefix, item, "00000")
    if int(prefix) <= 24:
        assert reading.price is None
        assert reading.weight == Decimal(value) / 1000
    else:
        assert reading.weight is None
        assert reading.price == Decimal(value)


@given(st.text("0123456789 ", max_size=15))
def test_is_scale_barcode_is_true_exactly_when_decoding_works(code: str) -> None:
    try:
        decode_scale_barcode(code)
    except InvalidBarcode:
        assert not is_scale_barcode(code)
    else:
        assert is_scale_barcode(code)


@given(st.text("0123456789", min_size=12, max_size=12))
def test_valid_ean13_is_a_scale_label_exactly_when_it_starts_with_2(body: str) -> None:
    assert is_scale_barcode(_complete(body)) == body.startswith("2")
