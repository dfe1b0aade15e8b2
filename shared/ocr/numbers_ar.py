"""Argentine number formats as printed on invoices, parsed from OCR text (pure).

Amounts ``1.234,56``, ``$ 1.234,56`` and the malformed ``$2.460.00`` (the last separator
followed by exactly two digits is the decimal mark), quantities ``1,000``/``0,350``,
dates ``dd/mm/yyyy``, ``d/m/yyyy``, ``dd-mm-yy``, ``dd.mm.yyyy``, CUITs with or without
dashes (check digit validated). OCR confusions (O/0, l/1, S/5, B/8) are fixed only inside
tokens that are otherwise numeric (``digitize``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from shared.domain.cuit import is_valid_cuit
from shared.domain.errors import InvalidNumber
from shared.domain.numbers import parse_decimal

_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1",
                                   "|": "1", "i": "1", "S": "5", "s": "5", "B": "8", "Z": "2",
                                   "z": "2"})
_LOOKALIKE_CHARS = "OoDQlI|iSsBZz"
_NUMERIC_PUNCTUATION = ".,-/:$%()"


def fold(text: str) -> str:
    """Upper case without accents, to match labels whose accents OCR may have dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def digitize(token: str) -> str:
    """Fix letters OCR reads for digits, only in a token that is mostly digits already.

    ``"2O23"`` becomes ``"2023"`` and ``"0l"`` ``"01"``; ``"SOL"`` stays a word.
    """
    digits = sum(c.isdigit() for c in token)
    lookalikes = sum(c in _LOOKALIKE_CHARS for c in token)
    if digits == 0 or lookalikes == 0 or digits < lookalikes:
        return token
    if not all(c.isdigit() or c in _LOOKALIKE_CHARS or c in _NUMERIC_PUNCTUATION for c in token):
        return token  # a product code such as "CHI569" is not a misread number
    return token.translate(_DIGIT_LOOKALIKES)


# --- numbers ------------------------------------------------------------------------------

_MONEY = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_GROUPS = re.compile(r"[1-9][0-9]{0,2}(?:[.,][0-9]{3})*|0")


def parse_amount(text: str) -> Decimal | None:
    """An amount of money as printed on an Argentine invoice, or None.

    ``1.234,56`` and ``1,234.56`` and ``$2.460.00`` (dots on both sides) all give the
    same kind of value: the last separator followed by exactly two digits is the decimal
    mark, the others group thousands. ``1.500`` is 1500 (money has two decimals, so three
    digits after a dot are a thousands group); ``1,500`` is ambiguous and gives None.
    """
    body = digitize(text.strip().replace(" ", ""))
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1]
    body = body.lstrip("$S").lstrip()
    if body.startswith("-"):
        negative, body = True, body[1:].lstrip("$")
    elif body.endswith("-"):
        negative, body = True, body[:-1]
    body = body.rstrip(":;")
    if body.endswith((".", ",")) and body[:-1] and body[-2].isdigit():
        body = body[:-1]
    if not _MONEY.fullmatch(body):
        return None
    last = max(body.rfind("."), body.rfind(","))
    integer, fraction = (body, "") if last < 0 else (body[:last], body[last + 1:])
    if last >= 0 and len(fraction) == 3 and "," not in body and _GROUPS.fullmatch(body):
        integer, fraction = body, ""  # "1.500": a thousands group, not three decimals
    elif last >= 0 and len(fraction) not in (1, 2):
        return None
    if integer and not (integer.isdigit() or _GROUPS.fullmatch(integer)):
        return None
    digits = re.sub(r"[.,]", "", integer) or "0"
    try:
        value = parse_decimal(f"{digits}.{fraction}" if fraction else digits, "dot")
    except InvalidNumber:
        return None
    return -value if negative and value else value


def parse_quantity(text: str) -> Decimal | None:
    """A quantity cell: ``12``, ``1,00``, ``1,0000``, ``0,350`` (kg), ``1.000,500``.

    One separator is the decimal mark whatever its number of digits (a quantity column
    prints ``12.000`` kg, not twelve thousand units); with both, the last one is.
    """
    body = digitize(text.strip().replace(" ", "")).rstrip(".,")
    if not _MONEY.fullmatch(body):
        return None
    marks = [c for c in body if c in ".,"]
    if not marks:
        return Decimal(body)
    last = max(body.rfind("."), body.rfind(","))
    integer, fraction = body[:last], body[last + 1:]
    if len(set(marks)) == 1 and len(marks) > 1:
        return None  # "1.000.000" as a quantity: not something a line ships
    integer = re.sub(r"[.,]", "", integer) or "0"
    return Decimal(f"{integer}.{fraction}")


DATE_PATTERN = re.compile(r"(?<![0-9])([0-3]?[0-9])\s?([/.-])\s?([01]?[0-9])\s?\2\s?"
                   r"((?:19|20)?[0-9]{2})(?![0-9])")


def parse_date(text: str) -> date | None:
    """The first valid ``dd/mm/yyyy`` date in ``text`` (also ``-`` and ``.``, and ``yy``)."""
    for match in DATE_PATTERN.finditer(digitize_words(text)):
        found = date_of(match)
        if found is not None:
            return found
    return None


def date_of(match: re.Match[str]) -> date | None:
    """The date of a ``DATE_PATTERN`` match, or None when it is not a real 20xx date."""
    day, month, year = int(match[1]), int(match[3]), match[4]
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    if not 2000 <= full_year <= 2099:
        return None
    try:
        return date(full_year, month, day)
    except ValueError:
        return None


def digitize_words(text: str) -> str:
    return " ".join(digitize(token) for token in text.split(" "))


_CUIT = re.compile(r"(?<![0-9])([0-9]{2})\s?[-.]?\s?([0-9]{8})\s?[-.]?\s?([0-9])(?![0-9])")


def find_cuits(text: str) -> list[tuple[str, int, int]]:
    """Every valid CUIT in ``text`` as (11 digits, start, end); invalid check digits skipped."""
    found = []
    for match in _CUIT.finditer(text):
        digits = match[1] + match[2] + match[3]
        if is_valid_cuit(digits):
            found.append((digits, match.start(), match.end()))
    return found
