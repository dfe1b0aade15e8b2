"""Argentine CUIT/CUIL numbers: check digit, normalization and display.

A CUIT identifies a supplier on every invoice, so it is the key we match suppliers
by. Invoices, spreadsheets and OCR write it in several ways (``30-71234567-1``,
``30.71234567.1``, ``30712345671``); we store and compare the 11 digits alone and
only add the dashes back for people to read.
"""

from __future__ import annotations

import re

from shared.domain.errors import InvalidCuit

CUIT_LENGTH = 11

# AFIP's published weights for the first ten digits.
_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# Type prefixes AFIP assigns: people (20, 23, 24, 25, 26, 27), companies (30, 33, 34)
# and foreign or special entities (50, 51, 55).
VALID_PREFIXES = frozenset({"20", "23", "24", "25", "26", "27", "30", "33", "34", "50", "51", "55"})

# Two digits, eight digits, one digit; separated by one dash, dot or space, or nothing.
_GROUPED = re.compile(r"([0-9]{2})[-. ]?([0-9]{8})[-. ]?([0-9])")
_ALLOWED_CHARS = re.compile(r"[0-9. -]+")


def _is_ascii_digits(text: str) -> bool:
    """True for ``0``-``9`` only: ``str.isdigit`` would also let through ``²`` or ``٣``."""
    return text.isascii() and text.isdigit()


def cuit_check_digit(first10: str) -> int:
    """Compute the check digit AFIP appends to the first ten digits of a CUIT.

    A remainder that gives 10 has no valid check digit: AFIP never issues such a
    body (it changes the prefix to 23 or 24 instead), so we refuse it.
    """
    if len(first10) != 10 or not _is_ascii_digits(first10):
        raise InvalidCuit(f"a CUIT body is 10 digits, got {first10!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first10, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        raise InvalidCuit(f"no CUIT can start with {first10}: its check digit would be 10")
    return digit


def normalize_cuit(text: str) -> str:
    """Return the 11 digits of a CUIT written in any usual way, or say what is wrong.

    Raises InvalidCuit naming the problem (characters, length, grouping, prefix or
    check digit), so a person fixing a spreadsheet row knows what to look at.
    """
    stripped = text.strip()
    if not stripped:
        raise InvalidCuit("CUIT is empty")
    if not _ALLOWED_CHARS.fullmatch(stripped):
        raise InvalidCuit(f"CUIT {text!r} may only hold digits, dashes, dots or spaces")
    digits = re.sub(r"[^0-9]", "", stripped)
    if len(digits) != CUIT_LENGTH:
        raise InvalidCuit(f"CUIT {text!r} has {len(digits)} digits; a CUIT has {CUIT_LENGTH}")
    if not _GROUPED.fullmatch(stripped):
        raise InvalidCuit(f"CUIT {text!r} is not grouped as XX-XXXXXXXX-X")
    prefix = digits[:2]
    if prefix not in VALID_PREFIXES:
        allowed = ", ".join(sorted(VALID_PREFIXES))
        raise InvalidCuit(f"CUIT {text!r} starts with {prefix}; valid prefixes are {allowed}")
    expected = cuit_check_digit(digits[:10])
    if int(digits[10]) != expected:
        raise InvalidCuit(
            f"CUIT {text!r} has check digit {digits[10]}, but its first ten digits need {expected}"
        )
    return digits


def is_valid_cuit(text: str) -> bool:
    """Answer yes or no, for filters and form hints that must not raise."""
    try:
        normalize_cuit(text)
    except InvalidCuit:
        return False
    return True


def format_cuit(cuit: str) -> str:
    """Write a CUIT the way it is printed on invoices: ``30-71234567-1``.

    Validates first, so a wrong CUIT is never shown to a person as if it were right.
    """
    digits = normalize_cuit(cuit)
    return f"{digits[:2]}-{digits[2:10]}-{digits[10]}"
