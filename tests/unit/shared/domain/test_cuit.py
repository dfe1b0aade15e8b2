"""CUIT/CUIL rules: the check digit, the spellings we accept and the reasons we refuse."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shared.domain.cuit import (
    VALID_PREFIXES,
    cuit_check_digit,
    format_cuit,
    is_valid_cuit,
    normalize_cuit,
)
from shared.domain.errors import InvalidCuit, ValidationError

# Public CUITs: two people, YPF S.A., AFIP's own test CUIT, the example in CONTRACTS.md
# and large companies' CUITs as printed on their invoices.
REAL_CUITS = [
    "20-17254359-7",
    "30-50001091-2",
    "20-26756539-3",
    "30-71234567-1",
    "30-54668997-9",
    "33-69345023-9",
]


def _with_check_digit(body: str) -> str:
    return body + str(cuit_check_digit(body))


@st.composite
def valid_cuits(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(sorted(VALID_PREFIXES)))
    number = draw(st.text("0123456789", min_size=8, max_size=8))
    body = prefix + number
    try:
        return _with_check_digit(body)
    except InvalidCuit:
        assume(False)
        raise


@pytest.mark.parametrize("cuit", REAL_CUITS)
def test_real_cuits_are_valid(cuit: str) -> None:
    digits = cuit.replace("-", "")
    assert cuit_check_digit(digits[:10]) == int(digits[10])
    assert normalize_cuit(cuit) == digits
    assert is_valid_cuit(cuit)
    assert format_cuit(digits) == cuit


@pytest.mark.parametrize(
    "text",
    [
        "30-71234567-1",
        "30.71234567.1",
        "30 71234567 1",
        "30712345671",
        "  30-71234567-1\n",
        "3071234567-1",
        "30-712345671",
    ],
)
def test_usual_spellings_normalize_to_eleven_digits(text: str) -> None:
    assert normalize_cuit(text) == "30712345671"


def test_remainder_zero_gives_check_digit_zero() -> None:
    # 11 - sum % 11 == 11 is written as 0.
    assert cuit_check_digit("2020000003") == 0
    assert normalize_cuit("20-20000003-0") == "20200000030"


def test_body_whose_check_digit_would_be_ten_is_refused() -> None:
    with pytest.raises(InvalidCuit, match="would be 10"):
        cuit_check_digit("2020000009")


@pytest.mark.parametrize("body", ["", "123", "30712345678", "30-7123456", "３０７１２３４５６７"])
def test_check_digit_needs_ten_ascii_digits(body: str) -> None:
    with pytest.raises(InvalidCuit, match="10 digits"):
        cuit_check_digit(body)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("3071234567", "has 10 digits"),
        ("307123456712", "has 12 digits"),
        ("30/71234567/1", "may only hold digits"),
        ("CUIT 30712345671", "may only hold digits"),
        ("3०712345671", "may only hold digits"),
        ("307-1234567-1", "grouped as XX-XXXXXXXX-X"),
        ("30--71234567-1", "grouped as XX-XXXXXXXX-X"),
        ("99-71234567-1", "starts with 99"),
        ("21-17254359-7", "starts with 21"),
        ("30-71234567-2", "check digit 2, but its first ten digits need 1"),
    ],
)
def test_invalid_cuit_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(InvalidCuit, match=reason):
        normalize_cuit(text)
    assert not is_valid_cuit(text)


def test_invalid_cuit_is_a_validation_error_with_status_422() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_cuit("30-71234567-2")
    assert caught.value.status_code == 422


def test_format_refuses_an_invalid_cuit() -> None:
    with pytest.raises(InvalidCuit):
        format_cuit("30712345672")


@given(valid_cuits())
def test_generated_cuits_survive_formatting(cuit: str) -> None:
    assert normalize_cuit(cuit) == cuit
    formatted = format_cuit(cuit)
    assert formatted == f"{cuit[:2]}-{cuit[2:10]}-{cuit[10]}"
    assert normalize_cuit(formatted) == cuit
    assert normalize_cuit(formatted.replace("-", ".")) == cuit


@given(valid_cuits(), st.integers(0, 10), st.integers(1, 9))
def test_any_single_wrong_digit_is_caught(cuit: str, position: int, shift: int) -> None:
    wrong = str((int(cuit[position]) + shift) % 10)
    mistyped = cuit[:position] + wrong + cuit[position + 1 :]
    assert not is_valid_cuit(mistyped)


@given(st.text("0123456789", min_size=10, max_size=10))
def test_check_digit_is_a_single_digit_or_refused(body: str) -> None:
    try:
        digit = cuit_check_digit(body)
    except InvalidCuit:
        return
    assert 0 <= digit <= 9


@given(st.text(max_size=20))
def test_is_valid_cuit_never_raises(text: str) -> None:
    assert is_valid_cuit(text) in (True, False)
