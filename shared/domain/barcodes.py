"""Retail barcodes (EAN-8, UPC-A, EAN-13) and variable-weight scale labels.

Barcodes arrive from scanners, spreadsheets and people typing them, so we check the
GS1 check digit before trusting one: a mistyped code must fail loudly, not create a
second product. UPC-A stays 12 digits so that it matches what is printed under the
bars when someone types it.

A scale in the store prints an EAN-13 starting with 20-29 that carries the item
(PLU) and either the weight or the price. The product is registered once under its
*lookup code* (the same label with the value zeroed), and each sale reads the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from shared.domain.errors import InvalidBarcode, InvalidScaleLayout


class BarcodeKind(StrEnum):
    """Barcode symbologies we accept; the values are stored, so never change them."""

    EAN8 = "ean8"
    UPCA = "upca"
    EAN13 = "ean13"


_KIND_BY_LENGTH = {8: BarcodeKind.EAN8, 12: BarcodeKind.UPCA, 13: BarcodeKind.EAN13}
_SCALE_LENGTH = 13
_PREFIX_LENGTH = 2
_SCALE_PREFIX = re.compile(r"2[0-9]")
_WHITESPACE = re.compile(r"\s+")


def _is_ascii_digits(text: str) -> bool:
    """True for ``0``-``9`` only: ``str.isdigit`` would also let through ``²`` or ``٣``."""
    return text.isascii() and text.isdigit()


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10 check digit of a barcode without its last digit.

    Weights alternate 3, 1, ... starting from the rightmost digit, which is what
    makes one formula serve EAN-8, UPC-A and EAN-13 alike.
    """
    if not body or not _is_ascii_digits(body):
        raise InvalidBarcode(f"a barcode body is digits only, got {body!r}")
    total = sum(
        int(digit) * (3 if position % 2 == 0 else 1)
        for position, digit in enumerate(reversed(body))
    )
    return (10 - total % 10) % 10


def normalize_barcode(code: str) -> str:
    """Return the digits of a valid EAN-8, UPC-A or EAN-13, or say what is wrong.

    Spaces are dropped because packages print ``7 790001 000012`` in groups.
    """
    digits = _WHITESPACE.sub("", code)
    if not digits:
        raise InvalidBarcode("barcode is empty")
    if not _is_ascii_digits(digits):
        raise InvalidBarcode(f"barcode {code!r} may only hold digits")
    if len(digits) not in _KIND_BY_LENGTH:
        raise InvalidBarcode(
            f"barcode {code!r} has {len(digits)} digits; expected 8 (EAN-8), "
            "12 (UPC-A) or 13 (EAN-13)"
        )
    expected = gtin_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        raise InvalidBarcode(
            f"barcode {code!r} has check digit {digits[-1]}, but its other digits need {expected}"
        )
    return digits


def barcode_kind(code: str) -> BarcodeKind:
    """Which symbology a (valid) barcode is, told by its length."""
    return _KIND_BY_LENGTH[len(normalize_barcode(code))]


def _prefix_range(first: int, last: int) -> frozenset[str]:
    return frozenset(str(number) for number in range(first, last + 1))


@dataclass(frozen=True)
class ScaleLayout:
    """How the store's scales lay out a variable-weight EAN-13.

    Layout: 2 prefix digits, ``item_digits`` of PLU, ``value_digits`` of weight or
    price, 1 check digit. Prices default to whole pesos because five digits with
    cents top out at $999.99, far too little with Argentine prices; a store whose
    scale prints cents sets ``price_decimals=2``.
    """

    weight_prefixes: frozenset[str] = field(default_factory=lambda: _prefix_range(20, 24))
    price_prefixes: frozenset[str] = field(default_factory=lambda: _prefix_range(25, 29))
    item_digits: int = 5
    value_digits: int = 5
    weight_decimals: int = 3
    price_decimals: int = 0

    def __post_init__(self) -> None:
        """Refuse a layout that cannot describe an EAN-13, at start-up not at the till."""
        if self.item_digits < 1 or self.value_digits < 1:
            raise InvalidScaleLayout("item_digits and value_digits must be at least 1")
        if self.item_digits + self.value_digits != _SCALE_LENGTH - _PREFIX_LENGTH - 1:
            raise InvalidScaleLayout("item_digits + value_digits must be 10 in an EAN-13")
        if not 0 <= self.weight_decimals <= self.value_digits:
            raise InvalidScaleLayout("weight_decimals must be between 0 and value_digits")
        if not 0 <= self.price_decimals <= self.value_digits:
            raise InvalidScaleLayout("price_decimals must be between 0 and value_digits")
        for prefix in self.weight_prefixes | self.price_prefixes:
            if not isinstance(prefix, str) or not _SCALE_PREFIX.fullmatch(prefix):
                raise InvalidScaleLayout(f"scale prefix {prefix!r} is not between 20 and 29")
        if self.weight_prefixes & self.price_prefixes:
            shared = ", ".join(sorted(self.weight_prefixes & self.price_prefixes))
            raise InvalidScaleLayout(f"prefixes {shared} cannot mean both weight and price")

    @property
    def prefixes(self) -> frozenset[str]:
        """Every prefix this layout reads as a scale label."""
        return self.weight_prefixes | self.price_prefixes


DEFAULT_SCALE_LAYOUT = ScaleLayout()


@dataclass(frozen=True)
class ScaleReading:
    """What a scale label says: which item, and its weight (kg) or price (pesos)."""

    prefix: str
    item_code: str
    lookup_code: str
    weight: Decimal | None
    price: Decimal | None


def _scale_digits(code: str, layout: ScaleLayout) -> str:
    """The digits of a valid EAN-13 whose prefix the layout reads, or InvalidBarcode."""
    digits = normalize_barcode(code)
    if len(digits) != _SCALE_LENGTH:
        raise InvalidBarcode(f"barcode {code!r} is not an EAN-13, so it is not a scale label")
    prefix = digits[:_PREFIX_LENGTH]
    if prefix not in layout.prefixes:
        raise InvalidBarcode(f"barcode {code!r} has prefix {prefix}, not a scale prefix")
    return digits


def is_scale_barcode(code: str, layout: ScaleLayout = DEFAULT_SCALE_LAYOUT) -> bool:
    """True exactly when ``decode_scale_barcode`` would read the code.

    A label with a wrong check digit is not a scale label: it falls through to the
    ordinary lookup, which reports it as a bad barcode.
    """
    try:
        _scale_digits(code, layout)
    except InvalidBarcode:
        return False
    return True


def decode_scale_barcode(code: str, layout: ScaleLayout = DEFAULT_SCALE_LAYOUT) -> ScaleReading:
    """Split a scale label into item, lookup code and weight or price.

    Decimal values are built from the digits with ``scaleb``, so 00350 with three
    decimals is exactly ``Decimal("0.350")`` kg.
    """
    digits = _scale_digits(code, layout)
    prefix = digits[:_PREFIX_LENGTH]
    value_start = _PREFIX_LENGTH + layout.item_digits
    value_digits = digits[value_start : value_start + layout.value_digits]
    lookup_body = digits[:value_start] + "0" * layout.value_digits
    lookup_code = lookup_body + str(gtin_check_digit(lookup_body))
    weight: Decimal | None = None
    price: Decimal | None = None
    if prefix in layout.weight_prefixes:
        weight = Decimal(value_digits).scaleb(-layout.weight_decimals)
    else:
        price = Decimal(value_digits).scaleb(-layout.price_decimals)
    return ScaleReading(
        prefix=prefix,
        item_code=digits[_PREFIX_LENGTH:value_start],
        lookup_code=lookup_code,
        weight=weight,
        price=price,
    )
