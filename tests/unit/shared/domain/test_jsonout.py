"""JSON output: exact Decimals, UTC datetimes and the domain's value types."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.jsonout import dumps
from shared.domain.numbers import cents_to_amount


class Color(StrEnum):
    RED = "red"


class Kind(IntEnum):
    SALE = 1


class Plain(Enum):
    ONE = "one"


@dataclass(frozen=True)
class Line:
    code: str
    quantity: int
    unit_price: Decimal
    tags: tuple[str, ...] = field(default=())


plain_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


def test_amount_is_written_with_its_two_decimals() -> None:
    assert dumps({"a": cents_to_amount(3000000)}) == '{"a": 30000.00}'


def test_amount_reads_back_exactly_with_parse_float_decimal() -> None:
    amount = cents_to_amount(630000)
    loaded = json.loads(dumps({"vat": amount}), parse_float=Decimal)
    assert str(loaded["vat"]) == "6300.00"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.1"), "0.1"),
        (Decimal("-1.50"), "-1.50"),
        (Decimal("0.00"), "0.00"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1.5E-7"), "0.00000015"),
        (
            Decimal("12345678901234567890123456789012345.678901"),
            "12345678901234567890123456789012345.678901",
        ),
    ],
)
def test_decimals_keep_every_digit(value: Decimal, text: str) -> None:
    assert dumps(value) == text


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2))
def test_any_amount_round_trips_exactly(value: Decimal) -> None:
    loaded = json.loads(dumps([value]), parse_float=Decimal)[0]
    assert loaded == value
    assert str(loaded) == format(value, "f")


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_any_decimal_reads_back_equal(value: Decimal) -> None:
    assert json.loads(dumps(value), parse_float=Decimal) == value


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), float("nan"), float("inf")])
def test_non_numbers_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        dumps({"x": value})


def test_datetime_is_utc_with_z() -> None:
    buenos_aires = timezone(timedelta(hours=-3))
    moment = datetime(2026, 11, 28, 7, 0, tzinfo=buenos_aires)
    assert dumps({"last_sync": moment}) == '{"last_sync": "2026-11-28T10:00:00Z"}'
    with_micros = datetime(2026, 11, 28, 10, 0, 0, 1500, tzinfo=UTC)
    assert dumps(with_micros) == '"2026-11-28T10:00:00.001500Z"'


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        dumps({"at": datetime(2026, 11, 28, 10, 0)})


def test_date_uuid_and_enums() -> None:
    device = UUID("12345678-1234-5678-1234-567812345678")
    obj = {
        "date": date(2026, 11, 20),
        "device_id": device,
        "color": Color.RED,
        "kind": Kind.SALE,
        "plain": Plain.ONE,
    }
    assert dumps(obj) == (
        '{"date": "2026-11-20", "device_id": "12345678-1234-5678-1234-567812345678", '
        '"color": "red", "kind": 1, "plain": "one"}'
    )


def test_dataclasses_become_objects_and_tuples_become_lists() -> None:
    line = Line("A-100", 12, cents_to_amount(250000), ("yerba",))
    assert (
        dumps(line) == '{"code": "A-100", "quantity": 12, "unit_price": 2500.00, "tags": ["yerba"]}'
    )


def test_dataclass_classes_are_not_serialized() -> None:
    with pytest.raises(TypeError, match="type"):
        dumps(Line)


def test_keys_keep_insertion_order() -> None:
    assert dumps({"z": 1, "a": 2, "m": 3}) == '{"z": 1, "a": 2, "m": 3}'


def test_key_types_with_one_obvious_text() -> None:
    device = UUID(int=1)
    assert dumps({7: "a", Color.RED: "b", Kind.SALE: "c", device: "d"}) == (
        f'{{"7": "a", "red": "b", "1": "c", "{device}": "d"}}'
    )


@pytest.mark.parametrize("key", [1.5, None, True, (1, 2)])
def test_other_key_types_are_refused(key: object) -> None:
    with pytest.raises(TypeError, match="key"):
        dumps({key: 1})


def test_text_is_not_escaped_to_ascii() -> None:
    assert dumps({"name": "Distribuidora Ñandú"}) == '{"name": "Distribuidora Ñandú"}'
    assert dumps('say "hi"\n') == '"say \\"hi\\"\\n"'


@pytest.mark.parametrize("value", [{1, 2}, object(), b"bytes", 1j])
def test_unknown_types_are_refused(value: object) -> None:
    with pytest.raises(TypeError, match="cannot write"):
        dumps(value)


def test_ocr_shape_from_the_contract() -> None:
    obj: dict[str, Any] = {
        "file": "a.jpg",
        "ok": True,
        "error": None,
        "lines": [
            {
                "quantity": 12,
                "unit_price": cents_to_amount(250000),
                "amount": cents_to_amount(3000000),
            }
        ],
        "totals": {"net": cents_to_amount(3000000), "vat": cents_to_amount(630000)},
        "confidence": 0.97,
    }
    assert dumps(obj) == (
        '{"file": "a.jpg", "ok": true, "error": null, "lines": [{"quantity": 12, '
        '"unit_price": 2500.00, "amount": 30000.00}], "totals": {"net": 30000.00, '
        '"vat": 6300.00}, "confidence": 0.97}'
    )


def test_indent_lays_out_like_json_dumps() -> None:
    obj = {"store": "S1", "items": [{"sku": "1", "quantity": 2}], "empty": [], "none": {}}
    assert dumps(obj, indent=2) == json.dumps(obj, indent=2)


@given(plain_json, st.sampled_from([None, 0, 1, 4]))
def test_plain_values_match_json_dumps(value: object, indent: int | None) -> None:
    assert dumps(value, indent=indent) == json.dumps(value, indent=indent, ensure_ascii=False)
