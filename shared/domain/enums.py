"""Stable codes for anything that is stored or crosses the wire.

Integer and string values here are part of the data format: never renumber them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import IntEnum, StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DEPOSITO = "deposito"
    NEGOCIO = "negocio"
    ML_SERVICE = "ml_service"
    CAJERO = "cajero"
    DEVICE = "device"


#: Roles a person can hold (``device`` is for enrolled machines only).
PERSON_ROLES = frozenset(r for r in Role if r is not Role.DEVICE)
#: Roles that are scoped to one store.
STORE_ROLES = frozenset({Role.CAJERO})


class Unit(StrEnum):
    """How a product is measured: counted units or weighed kilograms."""

    UNIT = "unidad"
    KG = "kg"


class MovementKind(IntEnum):
    """Kinds of stock movement. The sign of a movement's quantity is the kind's sign."""

    INTAKE = 1
    SALE = 2
    CUSTOMER_RETURN = 3
    SUPPLIER_RETURN = 4
    ADJUSTMENT = 5
    TRANSFER_OUT = 6
    TRANSFER_IN = 7
    WASTE = 8

    @property
    def sign(self) -> int:
        """+1 adds stock, -1 removes it, 0 means the quantity carries its own sign."""
        return _SIGNS[self]


_SIGNS = {
    MovementKind.INTAKE: 1,
    MovementKind.SALE: -1,
    MovementKind.CUSTOMER_RETURN: 1,
    MovementKind.SUPPLIER_RETURN: -1,
    MovementKind.ADJUSTMENT: 0,
    MovementKind.TRANSFER_OUT: -1,
    MovementKind.TRANSFER_IN: 1,
    MovementKind.WASTE: -1,
}


class VatRate(StrEnum):
    """Argentine VAT rates, as their printed percentage."""

    ZERO = "0"
    REDUCED = "10.5"
    GENERAL = "21"
    INCREASED = "27"

    @property
    def basis_points(self) -> int:
        return {"0": 0, "10.5": 1050, "21": 2100, "27": 2700}[self.value]

    @classmethod
    def parse(cls, text: str) -> VatRate:
        cleaned = text.strip().rstrip("%").strip().replace(",", ".")
        try:
            wanted = Decimal(cleaned)
        except InvalidOperation:
            wanted = None
        for rate in cls:
            if wanted is not None and wanted == Decimal(rate.value):
                return rate
        raise ValueError(f"VAT rate must be 0, 10.5, 21 or 27, not {text!r}")


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    DEBIT_NOTE = "debit_note"


#: AFIP voucher type codes (``tipoCmp``) we handle, with their letter and kind.
AFIP_DOCUMENT_TYPES: dict[int, tuple[str, DocumentKind]] = {
    1: ("A", DocumentKind.INVOICE),
    2: ("A", DocumentKind.DEBIT_NOTE),
    3: ("A", DocumentKind.CREDIT_NOTE),
    6: ("B", DocumentKind.INVOICE),
    7: ("B", DocumentKind.DEBIT_NOTE),
    8: ("B", DocumentKind.CREDIT_NOTE),
    11: ("C", DocumentKind.INVOICE),
    12: ("C", DocumentKind.DEBIT_NOTE),
    13: ("C", DocumentKind.CREDIT_NOTE),
    51: ("M", DocumentKind.INVOICE),
    53: ("M", DocumentKind.CREDIT_NOTE),
    # Factura de Crédito Electrónica MiPyME (Ley 27.440): a large buyer's suppliers must
    # issue these instead; for stock and costs they are invoices and notes like the rest.
    # Listed after the plain codes, so a letter and kind typed by hand mean the plain one.
    201: ("A", DocumentKind.INVOICE),
    202: ("A", DocumentKind.DEBIT_NOTE),
    203: ("A", DocumentKind.CREDIT_NOTE),
    206: ("B", DocumentKind.INVOICE),
    207: ("B", DocumentKind.DEBIT_NOTE),
    208: ("B", DocumentKind.CREDIT_NOTE),
    211: ("C", DocumentKind.INVOICE),
    212: ("C", DocumentKind.DEBIT_NOTE),
    213: ("C", DocumentKind.CREDIT_NOTE),
}


class PurchaseOrderStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
