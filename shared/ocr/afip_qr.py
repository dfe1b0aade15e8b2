"""The AFIP invoice QR (RG 4291) and the older CAE barcode (RG 1702), read into ``AfipQr``.

The QR holds ``https://www.afip.gob.ar/fe/qr/?p=<base64 of a JSON object>``. Billing
programs write it in many ways: ``arca.gob.ar`` or ``afip.gob.ar``, with or without
``www.`` or the ``/`` before ``?p=``, url-safe or unpadded base64, a Python ``b'...'``
leaked around it, numbers as strings, zero-padded or with invalid leading zeros, dates as
``dd/mm/yyyy``, and payloads cut off inside the QR. So the JSON is read with a small
tolerant scanner (:func:`scan_object`) that keeps every complete key/value before a
cut, and each field is then checked on its own: an invalid one becomes ``None`` and a
short reason goes into ``problems``. Nothing is guessed.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import unquote

from shared.domain.cuit import normalize_cuit
from shared.domain.errors import ValidationError
from shared.domain.invoices import check_number, check_point_of_sale, document_type
from shared.ocr.model import AfipQr, Code

#: Keys RG 4291 requires; ``tipoDocRec``/``nroDocRec`` may be left out.
REQUIRED_KEYS = ("ver", "fecha", "cuit", "ptoVta", "tipoCmp", "nroCmp", "importe", "moneda",
                 "ctz", "tipoCodAut", "codAut")
#: Receiver document type meaning "CUIT".
DOC_TYPE_CUIT = 80
CAE_LENGTH = 14
MAX_AMOUNT = Decimal("1e13")  # AFIP's amounts have 13 integer digits
CENT = Decimal("0.01")
RATE_STEP = Decimal("0.000001")  # AFIP's exchange rates have six decimals

_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:afip|arca)\.gob\.ar(?::\d+)?(?P<path>/[^?#]*)?\?(?P<query>[^#]*)",
    re.IGNORECASE,
)
_BYTES_REPR = re.compile(r"""b(['"])(?P<inner>[^'"]*)\1?""")
_BASE64_CHARS = re.compile(r"[A-Za-z0-9+/]*")
_DIGITS = re.compile(r"[0-9]+")
_INTEGRAL = re.compile(r"[0-9]+(?:\.0*)?")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_CURRENCY = re.compile(r"[A-Z0-9]{3}")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?")
_DMY_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_FIRST_YEAR, _LAST_YEAR = 2000, 2099


def parse_afip_qr(text: str) -> AfipQr | None:
    """The fields of an AFIP invoice QR, or None when ``text`` is not one.

    An AFIP QR whose payload cannot be read at all still gives an ``AfipQr`` (every field
    None, the reason in ``problems``), so the caller knows the page had one.
    """
    payload = _payload_parameter(text)
    if payload is None:
        return None
    problems: list[str] = []
    decoded = _decode_base64(payload, problems)
    if decoded is None:
        return AfipQr(problems=tuple(problems))
    scanned = scan_object(decoded)
    problems.extend(scanned.problems)
    return _fields(scanned, problems)


def parse_cae_barcode(text: str) -> AfipQr | None:
    """The RG 1702 Interleaved 2 of 5 barcode: CUIT, type, point of sale, CAE, CAE due date.

    40 digits (type in 2, point of sale in 4) or 42 (type in 3, point of sale in 5), then
    a check digit. None unless the text is all digits of one of those lengths with a right
    check digit and a real due date: anything else is another barcode or a misread.
    The due date is the CAE's, not the invoice's, so ``date`` stays None.
    """
    digits = text.strip()
    if not _DIGITS.fullmatch(digits) or len(digits) not in (40, 42):
        return None
    if _mod10_check_digit(digits[:-1]) != int(digits[-1]):
        return None
    type_width = 2 if len(digits) == 40 else 3
    body = digits[11:-1]
    if _date_or_none(body[-8:], _COMPACT_DATE, (1, 2, 3)) is None:
        return None
    problems: list[str] = []
    return AfipQr(
        cuit=_checked(lambda: normalize_cuit(digits[:11]), problems),
        afip_code=_checked(lambda: document_type(int(body[:type_width])).code, problems),
        point_of_sale=_checked(
            lambda: check_point_of_sale(int(body[type_width:-22])), problems),
        cae=body[-22:-8],
        source="barcode",
        problems=tuple(problems),
    )


def best_afip(codes: Sequence[Code]) -> AfipQr | None:
    """The page's AFIP QR if one was read, else its CAE barcode, else None.

    Among several AFIP QRs (a document of many pages) the one with most fields wins; a QR
    whose payload gave no field at all ranks below a CAE barcode.
    """
    qrs = [qr for code in codes if (qr := parse_afip_qr(code.text)) is not None]
    readable = [qr for qr in qrs if _field_count(qr) > 0]
    if readable:
        return max(readable, key=lambda qr: (_field_count(qr), -len(qr.problems)))
    for code in codes:
        barcode = parse_cae_barcode(code.text)
        if barcode is not None:
            return barcode
    return qrs[0] if qrs else None


def is_afip_qr_text(text: str) -> bool:
    """Cheap test used by the scanner to stop once the AFIP QR is in hand."""
    return _payload_parameter(text) is not None


# --- the URL and its base64 parameter ------------------------------------------------


def _payload_parameter(text: str) -> str | None:
    match = _URL.fullmatch(text.strip())
    if match is None or not (match.group("path") or "").lower().startswith("/fe/qr"):
        return None
    for pair in re.split(r"[&;]", match.group("query")):
        name, _, value = pair.partition("=")
        if name.strip().lower() == "p":
            return unquote(value)
    return None


def _decode_base64(value: str, problems: list[str]) -> str | None:
    text = value.strip()
    wrapped = _BYTES_REPR.fullmatch(text)
    if wrapped is not None:
        text = wrapped.group("inner")
    # url-safe alphabet to standard; a '+' some program turned into a space goes back
    text = text.translate(str.maketrans("-_ ", "+/+")).replace("\n", "").replace("\r", "")
    body = text.rstrip("=")
    usable = _BASE64_CHARS.match(body)
    assert usable is not None  # the pattern matches the empty string
    kept = usable.group()
    if len(kept) < len(body):
        problems.append("text after the base64 payload was ignored")
    if len(kept) % 4 == 1:  # a lone character holds no whole byte: the QR was cut
        kept = kept[:-1]
    if not kept:
        problems.append("the p parameter is empty or not base64")
        return None
    try:
        raw = base64.b64decode(kept + "=" * (-len(kept) % 4), validate=True)
    except (binascii.Error, ValueError):
        problems.append("the p parameter is not base64")
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


# --- fields ---------------------------------------------------------------------------


def _fields(scanned: ScannedObject, problems: list[str]) -> AfipQr:
    values = scanned.members
    missing = [key for key in REQUIRED_KEYS if key not in values]
    if scanned.cut_off:
        problems.append("payload cut off inside the QR" +
                        (f"; missing {', '.join(missing)}" if missing else ""))
    elif missing:
        problems.append(f"payload lacks {', '.join(missing)}")
    version = values.get("ver")
    if version is not None and _whole(version) != 1:
        problems.append(f"unknown payload version {version.text!r}")

    def read(key: str, convert: Callable[[Scalar], Any]) -> Any:
        scalar = values.get(key)
        if scalar is None:
            return None
        try:
            return convert(scalar)
        except (ValidationError, ValueError, InvalidOperation) as error:
            problems.append(f"{key}: {error}")
            return None

    currency = read("moneda", _currency)
    cae = read("codAut", _cae)
    if cae is not None:
        read("tipoCodAut", _authorization_kind)
        if "tipoCodAut" not in values:
            problems.append("tipoCodAut: missing, the code may be a CAE or a CAEA")
    return AfipQr(
        cuit=read("cuit", lambda s: normalize_cuit(_digits(s))),
        afip_code=read("tipoCmp", lambda s: document_type(_whole(s)).code),
        point_of_sale=read("ptoVta", lambda s: check_point_of_sale(_whole(s))),
        number=read("nroCmp", lambda s: check_number(_whole(s))),
        date=read("fecha", _invoice_date),
        total=read("importe", _total),
        currency=currency,
        exchange_rate=read("ctz", lambda s: _exchange_rate(s, currency)),
        cae=cae,
        receiver_cuit=_receiver_cuit(values, read),
        problems=tuple(problems),
    )


def _receiver_cuit(
    values: Mapping[str, Scalar], read: Callable[[str, Callable[[Scalar], Any]], Any],
) -> str | None:
    doc_type = values.get("tipoDocRec")
    if doc_type is None:
        # cut off before its type: an 11-digit number that passes the CUIT check is one
        number = values.get("nroDocRec")
        if number is None or len(number.text.strip()) != 11:
            return None
        return read("nroDocRec", lambda s: normalize_cuit(_digits(s)))
    if read("tipoDocRec", _whole) != DOC_TYPE_CUIT:
        return None  # a DNI, a CUIL or "consumidor final": not a CUIT
    return read("nroDocRec", lambda s: normalize_cuit(_digits(s)))


def _digits(scalar: Scalar) -> str:
    text = scalar.text.strip()
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"{scalar.text!r} is not a number")
    return text


def _whole(scalar: Scalar) -> int:
    """An integer written as a number or a string, zero-padded or with a ``.0`` tail."""
    text = scalar.text.strip()
    if not _INTEGRAL.fullmatch(text):
        raise ValueError(f"{scalar.text!r} is not a whole number")
    return int(text.split(".")[0])


def _decimal(scalar: Scalar) -> Decimal:
    text = scalar.text.strip()
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{scalar.text!r} is not a number")
    if len(text) > 1 and text[0] == "0" and text[1] != ".":
        # "000000000000100" may be 100 or 1.00 (fixed width, implied decimals)
        raise ValueError(f"{scalar.text!r} is zero-padded: its decimals are ambiguous")
    return Decimal(text)


def _total(scalar: Scalar) -> Decimal:
    value = _decimal(scalar)
    if value < 0 or value >= MAX_AMOUNT:
        raise ValueError(f"{scalar.text!r} is out of range")
    if value != value.quantize(CENT):
        raise ValueError(f"{scalar.text!r} has more than two decimals")
    return value.quantize(CENT)


def _exchange_rate(scalar: Scalar, currency: str | None) -> Decimal:
    value = _decimal(scalar)
    if value <= 0 or value >= MAX_AMOUNT:
        raise ValueError(f"{scalar.text!r} is out of range")
    if value != value.quantize(RATE_STEP):
        raise ValueError(f"{scalar.text!r} has more than six decimals")
    if currency == "PES" and value != 1:
        raise ValueError(f"{scalar.text!r} for pesos, which are always 1")
    return value


def _currency(scalar: Scalar) -> str:
    text = scalar.text.strip().upper()
    if not _CURRENCY.fullmatch(text):
        raise ValueError(f"{scalar.text!r} is not an AFIP currency code")
    return text


def _cae(scalar: Scalar) -> str:
    text = _digits(scalar)
    if len(text) != CAE_LENGTH:
        raise ValueError(f"{scalar.text!r} is not {CAE_LENGTH} digits")
    return text


def _authorization_kind(scalar: Scalar) -> str:
    text = scalar.text.strip().upper()
    if text not in ("E", "A"):
        raise ValueError(f"{scalar.text!r} is neither E (CAE) nor A (CAEA)")
    return text


def _invoice_date(scalar: Scalar) -> date:
    text = scalar.text.strip()
    for pattern, order in ((_ISO_DATE, (1, 2, 3)), (_DMY_DATE, (3, 2, 1)),
                           (_COMPACT_DATE, (1, 2, 3))):
        if pattern.fullmatch(text):
            found = _date_or_none(text, pattern, order)
            if found is None:
                break
            return found
    raise ValueError(f"{scalar.text!r} is not a date")


def _date_or_none(text: str, pattern: re.Pattern[str], order: tuple[int, int, int]) -> date | None:
    match = pattern.fullmatch(text)
    if match is None:
        return None
    year, month, day = (int(match.group(index)) for index in order)
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _checked(make: Callable[[], Any], problems: list[str]) -> Any:
    try:
        return make()
    except (ValidationError, ValueError) as error:
        problems.append(str(error))
        return None


def _mod10_check_digit(digits: str) -> int:
    """RG 1702: three times the digits in odd places plus those in even places, to ten."""
    odd = sum(int(digit) for digit in digits[0::2])
    even = sum(int(digit) for digit in digits[1::2])
    return (10 - (3 * odd + even) % 10) % 10


def _field_count(qr: AfipQr) -> int:
    return sum(value is not None for value in (
        qr.cuit, qr.afip_code, qr.point_of_sale, qr.number, qr.date, qr.total, qr.cae))


# --- a tolerant scanner for the flat JSON object --------------------------------------

_WHITESPACE = " \t\r\n\f\v\u00a0\ufeff"
_NUMBER = re.compile(r"[-+]?[0-9]*\.?[0-9]*(?:[eE][-+]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_]+")
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True, slots=True)
class Scalar:
    """One value as written: a string's content, or a number's or word's own characters."""

    kind: Literal["string", "number", "word", "nested"]
    text: str


@dataclass(slots=True)
class ScannedObject:
    members: dict[str, Scalar] = field(default_factory=dict)
    cut_off: bool = False  # the text ended before the closing brace
    problems: list[str] = field(default_factory=list)


class _Cut(Exception):
    """The text ended inside a token."""


class _Malformed(Exception):
    """A character that cannot continue the object."""


def scan_object(text: str) -> ScannedObject:
    """Every complete ``key: value`` of a flat JSON object, in spite of what breaks JSON.

    Tolerates leading zeros, single quotes, trailing commas and any whitespace. At a cut
    (the text ends inside the object) it keeps what came before; a number or word is only
    kept once a ``,`` or ``}`` shows it ended. Stops at the first malformed character.
    Never raises.
    """
    result = ScannedObject()
    start = text.find("{")
    if start < 0:
        result.problems.append("payload is not a JSON object")
        return result
    scanner = _Scanner(text, start + 1)
    try:
        scanner.members(result)
    except _Cut:
        result.cut_off = True
    except _Malformed as error:
        result.problems.append(f"payload is not valid JSON ({error}); kept what came before")
    return result


class _Scanner:
    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position

    def members(self, result: ScannedObject) -> None:
        while True:
            char = self._next_char()
            if char == "}":
                return
            if char == ",":  # an empty member (",,", or a comma right after "{")
                self.position += 1
                continue
            if char not in "\"'":
                raise _Malformed(f"expected a key at character {self.position}")
            key = self._string()
            if self._next_char() != ":":
                raise _Malformed(f"expected ':' after {key!r}")
            self.position += 1
            value = self._value()
            try:
                ended = self._end_of_member()
            except _Cut:
                # a closed string is whole even at the cut; a number or word may be short
                if value.kind in ("string", "nested"):
                    self._store(result, key, value)
                raise
            self._store(result, key, value)
            if ended:
                return

    @staticmethod
    def _store(result: ScannedObject, key: str, value: Scalar) -> None:
        known = result.members.get(key)
        if known is not None and known != value:
            result.problems.append(f"{key} appears twice with different values")
        result.members[key] = value

    def _end_of_member(self) -> bool:
        """True at the closing brace, False after a comma."""
        char = self._next_char()
        if char == "}":
            return True
        if char != ",":
            raise _Malformed(f"unexpected {char!r} at character {self.position}")
        self.position += 1
        return False

    def _value(self) -> Scalar:
        char = self._next_char()
        if char in "\"'":
            return Scalar("string", self._string())
        if char in "{[":
            return Scalar("nested", self._nested())
        for kind, pattern in (("number", _NUMBER), ("word", _WORD)):
            match = pattern.match(self.text, self.position)
            if match is not None and match.group():
                self.position = match.end()
                return Scalar(kind, match.group())  # type: ignore[arg-type]
        raise _Malformed(f"unexpected {char!r} at character {self.position}")

    def _string(self) -> str:
        quote = self.text[self.position]
        out: list[str] = []
        position = self.position + 1
        while position < len(self.text):
            char = self.text[position]
            if char == quote:
                self.position = position + 1
                return "".join(out)
            if char == "\\":
                position += 1
                if position >= len(self.text):
                    break
                escaped = self.text[position]
                if escaped == "u":
                    digits = self.text[position + 1:position + 5]
                    if len(digits) < 4:
                        break
                    try:
                        out.append(chr(int(digits, 16)))
                    except ValueError:
                        raise _Malformed(f"bad escape \\u{digits}") from None
                    position += 4
                else:
                    out.append(_ESCAPES.get(escaped, escaped))
            else:
                out.append(char)
            position += 1
        raise _Cut

    def _nested(self) -> str:
        """Skip a nested object or array (AFIP's payload has none), keeping its text."""
        begin, depth, position = self.position, 0, self.position
        while position < len(self.text):
            char = self.text[position]
            if char in "\"'":
                self.position = position
                self._string()
                position = self.position
                continue
            if char in "{[":
                depth += 1
            elif char in "}]":
                depth -= 1
                if depth == 0:
                    self.position = position + 1
                    return self.text[begin:self.position]
            position += 1
        raise _Cut

    def _next_char(self) -> str:
        """The next character that is not whitespace, without taking it."""
        while self.position < len(self.text) and self.text[self.position] in _WHITESPACE:
            self.position += 1
        if self.position >= len(self.text):
            raise _Cut
        return self.text[self.position]
