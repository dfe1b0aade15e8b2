"""Exact numbers: reading Argentine and US decimals, and whole units of money and weight.

Money and weighed quantities are never floats: 0.1 + 0.2 must be 0.3 on every
receipt. We read text into ``Decimal`` and store integers (cents, thousandths of a
unit), so sums on the ledger are exact integer sums.

Argentine catalogs write ``1.234,56`` and US-style exports ``1,234.56``. Most numbers
say which style they use; ``1.500`` does not (1500 or 1.5?), and guessing wrong
multiplies a price by a thousand, so we refuse it and ask for the decimal mark.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from shared.domain.errors import AmbiguousNumber, InexactAmount, InvalidNumber

DecimalMode = Literal["auto", "comma", "dot"]

CENTS_PLACES = 2
MILLI_PLACES = 3
_MILLI_PER_UNIT = 1000

_MARKS: dict[DecimalMode, tuple[str, str]] = {"comma": (",", "."), "dot": (".", ",")}
_DIGITS = re.compile(r"[0-9]+")
# A number's first thousands group: 1-3 digits, and never a leading zero ("0.500"
# is half of something, not five hundred).
_LEAD_GROUP = re.compile(r"[1-9][0-9]{0,2}")
_GROUP = re.compile(r"[0-9]{3}")
_AMOUNT = re.compile(r"(?P<sign>[-+]?)\s*\$?\s*(?P<sign2>[-+]?)\s*(?P<body>[0-9.,]+)")
_QUANTITY = re.compile(r"(?P<sign>[-+]?)(?P<integer>[0-9]*)(?:[.,](?P<fraction>[0-9]+))?")


def _build(negative: bool, integer: str, fraction: str) -> Decimal:
    """Make the Decimal from its digit strings (exact: no float, no context rounding)."""
    text = f"{integer or '0'}.{fraction}" if fraction else integer or "0"
    value = Decimal(text)
    # "-0" is zero; a signed zero would print as "-0.00" on a receipt.
    return -value if negative and not value.is_zero() else value


def _split_digits(body: str, decimal_mark: str, group_mark: str) -> tuple[str, str] | None:
    """Integer and fraction digits of ``body`` in one style, or None if malformed."""
    integer, separator, fraction = body.partition(decimal_mark)
    if separator and not _DIGITS.fullmatch(fraction):
        return None
    if not integer:
        return ("", fraction) if separator else None
    if group_mark in integer:
        lead, *groups = integer.split(group_mark)
        if not _LEAD_GROUP.fullmatch(lead) or not all(_GROUP.fullmatch(g) for g in groups):
            return None
        return lead + "".join(groups), fraction
    return (integer, fraction) if _DIGITS.fullmatch(integer) else None


def _auto_decimal_mark(body: str) -> str | None:
    """The decimal mark ``body`` itself implies, or None when it reads two ways."""
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        # The last separator is the decimal mark: "1.234,56" and "1,234.56".
        return "." if body.rfind(".") > body.rfind(",") else ","
    if dots > 1:
        return ","  # "1.234.567": several dots can only group thousands
    if commas > 1:
        return "."
    if dots + commas == 0:
        return "."
    mark = "." if dots else ","
    before, _, after = body.partition(mark)
    if len(after) == 3 and _LEAD_GROUP.fullmatch(before):
        return None  # "1.500", "12,000"
    return mark


def _plain(value: Decimal) -> str:
    """Shortest fixed-point text of a value, for messages a person reads."""
    return format(value.normalize(), "f")


def parse_decimal(text: str, mode: DecimalMode = "auto") -> Decimal:
    """Read a price, cost or amount written Argentine- or US-style, exactly.

    Accepts surrounding spaces, a leading ``$`` and a sign. ``mode`` is ``comma``
    (``1.234,56``), ``dot`` (``1,234.56``) or ``auto``, which reads the style from
    the text and raises AmbiguousNumber when the text fits both.
    """
    stripped = text.strip()
    if not stripped:
        raise InvalidNumber("number is empty")
    match = _AMOUNT.fullmatch(stripped)
    if match is None or (match["sign"] and match["sign2"]):
        raise InvalidNumber(f"{text!r} is not a number")
    negative = "-" in (match["sign"], match["sign2"])
    body = match["body"]
    if mode == "auto":
        decimal_mark = _auto_decimal_mark(body)
        if decimal_mark is None:
            sign = "-" if negative else ""
            comma_reading = parse_decimal(sign + body, "comma")
            dot_reading = parse_decimal(sign + body, "dot")
            raise AmbiguousNumber(
                f"{text!r} reads as {_plain(comma_reading)} with --decimal comma "
                f"or as {_plain(dot_reading)} with --decimal dot; pass one of them"
            )
        group_mark = "," if decimal_mark == "." else "."
    elif mode in _MARKS:
        decimal_mark, group_mark = _MARKS[mode]
    else:
        raise ValueError(f"decimal mode must be auto, comma or dot, not {mode!r}")
    digits = _split_digits(body, decimal_mark, group_mark)
    if digits is None and mode == "auto":
        raise InvalidNumber(f"{text!r} is not a number")
    if digits is None:
        raise InvalidNumber(
            f"{text!r} is not a number with {decimal_mark!r} as the decimal mark "
            f"and {group_mark!r} between thousands"
        )
    return _build(negative, *digits)


def parse_quantity(text: str) -> Decimal:
    """Read a quantity typed as a command argument: ``3``, ``-3``, ``0,350``, ``1.5``.

    Either mark is the decimal mark and there are no thousands separators: on a
    command line ``1.500`` kg of cheese is a kilo and a half, never 1500 kg.
    """
    stripped = text.strip()
    match = _QUANTITY.fullmatch(stripped)
    if match is None or not (match["integer"] or match["fraction"]):
        raise InvalidNumber(
            f"{text!r} is not a quantity: use digits with an optional sign and one "
            "',' or '.' as the decimal mark, without thousands separators"
        )
    return _build(match["sign"] == "-", match["integer"], match["fraction"] or "")


def _checked_decimal(value: Decimal | int) -> Decimal:
    """Refuse floats (already inexact) and NaN or infinity (not amounts at all)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected a Decimal or an int, got {type(value).__name__}")
    decimal = Decimal(value)
    if not decimal.is_finite():
        raise InvalidNumber(f"{value} is not a finite number")
    return decimal


def _scaled(value: Decimal, places: int) -> tuple[bool, int, int, int]:
    """``|value| * 10**places`` as (negative, whole part, remainder, divisor).

    Integer arithmetic, because Decimal arithmetic rounds to the context precision.
    """
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise InvalidNumber(f"{value} is not a finite number")
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + places
    if shift >= 0:
        return bool(sign), coefficient * 10**shift, 0, 1
    divisor = 10**-shift
    whole, remainder = divmod(coefficient, divisor)
    return bool(sign), whole, remainder, divisor


def _exact_units(value: Decimal | int, places: int, unit: str) -> int:
    negative, whole, remainder, _ = _scaled(_checked_decimal(value), places)
    if remainder:
        raise InexactAmount(f"{value} has more than {places} decimals; it is not a whole {unit}")
    return -whole if negative else whole


def to_cents(value: Decimal | int) -> int:
    """Exact amount in cents; a fraction of a cent is an error, not a rounding."""
    return _exact_units(value, CENTS_PLACES, "number of cents")


def round_to_cents(value: Decimal | int) -> int:
    """Cents of a computed amount (a discount, VAT), rounding halves away from zero.

    ROUND_HALF_UP is how Argentine receipts and AFIP round; banker's rounding would
    disagree with the printed invoice by a cent.
    """
    negative, whole, remainder, divisor = _scaled(_checked_decimal(value), CENTS_PLACES)
    if 2 * remainder >= divisor:
        whole += 1
    return -whole if negative else whole


def cents_to_amount(cents: int) -> Decimal:
    """Cents as a Decimal with exactly two decimals: 3000000 -> ``Decimal("30000.00")``."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be an int, got {type(cents).__name__}")
    return Decimal(f"{cents}E-{CENTS_PLACES}")


def to_milli(value: Decimal | int) -> int:
    """Exact quantity in thousandths (grams for kg); beyond three decimals is an error."""
    return _exact_units(value, MILLI_PLACES, "number of thousandths")


def milli_to_quantity(milli: int) -> int | Decimal:
    """Thousandths back to a quantity: an int for whole units, else three decimals.

    Counted goods then print as ``12`` and weighed goods as ``0.350``.
    """
    if isinstance(milli, bool) or not isinstance(milli, int):
        raise TypeError(f"milli must be an int, got {type(milli).__name__}")
    if milli % _MILLI_PER_UNIT == 0:
        return milli // _MILLI_PER_UNIT
    return Decimal(f"{milli}E-{MILLI_PLACES}")
