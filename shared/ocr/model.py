"""The values the OCR pipeline passes between its stages and returns.

Money is Decimal with two places, never float. A field that could not be read is
``None``: the pipeline never guesses. ``InvoiceReading.to_contract`` gives the
``ocr --json`` shape of CONTRACTS.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

#: Field names of the header, as used in ``confidence`` and ``highlights``.
HEADER_FIELDS = ("cuit", "type", "point_of_sale", "number", "date", "total", "cae")


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle in the pixels of the *prepared* page image."""

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def shared_area(self, other: Box) -> int:
        """The area the two boxes have in common (0 when they do not meet)."""
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        return max(width, 0) * max(height, 0)

    def union(self, other: Box) -> Box:
        left, top = min(self.left, other.left), min(self.top, other.top)
        right, bottom = max(self.right, other.right), max(self.bottom, other.bottom)
        return Box(left, top, right - left, bottom - top)


@dataclass(frozen=True, slots=True)
class Word:
    """One word Tesseract read, with its box and its confidence (0–100)."""

    text: str
    box: Box
    confidence: float
    block: int = 0
    line: int = 0  # Tesseract's (block, paragraph, line) flattened to one number


@dataclass(frozen=True, slots=True)
class Code:
    """A barcode found on the page: its symbology (``QRCode``, ``ITF``, ``EAN13`` …) and text."""

    kind: str
    text: str
    box: Box | None = None


@dataclass(frozen=True, slots=True)
class AfipQr:
    """The fields of an AFIP invoice QR (RG 4291) or of the older CAE barcode (RG 1702).

    Every field is optional: a payload cut off inside the QR keeps what it had.
    ``problems`` lists what was wrong with the payload (in English, for logs and notes).
    """

    cuit: str | None = None
    afip_code: int | None = None
    point_of_sale: int | None = None
    number: int | None = None
    date: date | None = None
    total: Decimal | None = None
    currency: str | None = None
    exchange_rate: Decimal | None = None
    cae: str | None = None
    receiver_cuit: str | None = None
    source: str = "qr"  # "qr" or "barcode" (the RG 1702 Interleaved 2 of 5 one)
    problems: tuple[str, ...] = ()


@dataclass(slots=True)
class ReadLine:
    """One line of the item table as printed; unreadable cells are None."""

    code: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    vat_rate: Decimal | None = None  # percent (21, 10.5 …) when the line prints one
    ean: str | None = None  # a valid EAN/GTIN printed on the line, if any
    box: Box | None = None
    confidence: float = 0.0


@dataclass(slots=True)
class InvoiceReading:
    """What the pipeline read from one image (or one document of several pages)."""

    file: str | None = None
    ok: bool = True
    error: str | None = None
    supplier_cuit: str | None = None
    supplier_name: str | None = None
    letter: str | None = None  # "A", "B", "C", "M"
    afip_code: int | None = None
    point_of_sale: int | None = None
    number: int | None = None
    date: date | None = None
    cae: str | None = None
    currency: str | None = None
    lines: list[ReadLine] = field(default_factory=list)
    net: Decimal | None = None
    vat: Decimal | None = None
    total: Decimal | None = None
    qr: AfipQr | None = None
    used_qr: bool = False  # some header field came from the QR
    confidence: dict[str, float] = field(default_factory=dict)  # per header field, 0–1
    highlights: dict[str, Box] = field(default_factory=dict)  # where a field was read
    warnings: list[str] = field(default_factory=list)  # reconciliation, in English
    needs_qr_closeup: bool = False  # a QR is on the page but too small to decode
    seconds: float = 0.0

    @property
    def overall_confidence(self) -> float:
        values = [self.confidence.get(name, 0.0) for name in HEADER_FIELDS]
        return round(sum(values) / len(values), 2)

    def to_contract(self) -> dict[str, Any]:
        """The ``ocr --json`` object of CONTRACTS.md (Decimals kept exact for jsonout)."""
        return {
            "file": self.file, "ok": self.ok, "error": self.error,
            "supplier": {"cuit": self.supplier_cuit, "name": self.supplier_name},
            "invoice": {"type": self.letter, "afip_code": self.afip_code,
                        "point_of_sale": self.point_of_sale, "number": self.number,
                        "date": self.date.isoformat() if self.date else None,
                        "cae": self.cae, "currency": self.currency},
            "lines": [{"code": line.code, "description": line.description,
                       "quantity": _quantity(line.quantity), "unit_price": _money(line.unit_price),
                       "amount": _money(line.amount)} for line in self.lines],
            "totals": {"net": _money(self.net), "vat": _money(self.vat),
                       "total": _money(self.total)},
            "sources": {"qr": self.used_qr},
            "confidence": self.overall_confidence if self.ok else 0.0,
            "seconds": round(self.seconds, 2),
        }

    @classmethod
    def failed(cls, file: str | None, reason: str, seconds: float = 0.0) -> InvoiceReading:
        return cls(file=file, ok=False, error=reason, seconds=seconds)


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


def _quantity(value: Decimal | None) -> int | Decimal | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()
