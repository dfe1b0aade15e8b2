"""Request bodies of the deposito agent (pydantic); a bad value is a 422 naming its field.

Amounts and quantities arrive as JSON numbers (or strings) and are read as Decimal,
never float; the digit limits keep them inside what a JSON number carries exactly.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shared.domain.barcodes import normalize_barcode
from shared.domain.cuit import normalize_cuit
from shared.domain.enums import MovementKind, Unit, VatRate
from shared.domain.numbers import to_cents, to_milli


def _printable(text: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValueError("may not hold control characters")
    return text


def _length(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Printable = AfterValidator(_printable)
def _cents(value: Decimal) -> Decimal:
    to_cents(value)  # more than two decimals is refused, never rounded
    return value


def _milli(value: Decimal) -> Decimal:
    to_milli(value)
    return value


def _vat(value: Any) -> VatRate:
    return value if isinstance(value, VatRate) else VatRate.parse(str(value))


Sku = Annotated[str, _length(64), Printable]
Name = Annotated[str, _length(300), Printable]
Category = Annotated[str, _length(120), Printable]
StoreCode = Annotated[str, _length(32), Printable]
Reason = Annotated[str, _length(200), Printable]
Reference = Annotated[str, _length(120), Printable]
ProductCode = Annotated[str, _length(64), Printable]
Barcode = Annotated[str, StringConstraints(max_length=32), AfterValidator(normalize_barcode)]
Cuit = Annotated[str, StringConstraints(max_length=20), AfterValidator(normalize_cuit)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=14), AfterValidator(_cents)]
Cost = Annotated[Decimal, Field(ge=0, max_digits=14), AfterValidator(_cents)]
Quantity = Annotated[Decimal, Field(max_digits=13), AfterValidator(_milli)]
MinStock = Annotated[Decimal, Field(ge=0, max_digits=13), AfterValidator(_milli)]
Vat = Annotated[VatRate, BeforeValidator(_vat)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- catalog ------------------------------------------------------------------------


class ProductCreate(Body):
    sku: Sku
    name: Name
    category: Category | None = None
    unit: Unit = Unit.UNIT
    vat_rate: Vat = VatRate.GENERAL
    min_stock: MinStock | None = None
    last_cost: Cost | None = None
    supplier_id: uuid.UUID | None = None
    barcodes: list[Barcode] = Field(default_factory=list, max_length=20)
    price: Amount | None = Field(None, description="chain-wide shelf price from today (VAT in)")
    provisional: bool = False


class ProductUpdate(Body):
    """Only the fields sent change; ``null`` clears an optional field."""

    sku: Sku | None = None
    name: Name | None = None
    category: Category | None = None
    unit: Unit | None = None
    vat_rate: Vat | None = None
    min_stock: MinStock | None = None
    last_cost: Cost | None = None
    supplier_id: uuid.UUID | None = None

    @field_validator("sku", "name", "unit", "vat_rate")
    @classmethod
    def _required(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared")
        return value


class BarcodeIn(Body):
    code: Barcode


class ProductMerge(Body):
    into: uuid.UUID = Field(description="the existing product that absorbs this one")


class SupplierCreate(Body):
    cuit: Cuit
    name: Name
    provisional: bool = False


class SupplierUpdate(Body):
    cuit: Cuit | None = None
    name: Name | None = None

    @field_validator("cuit", "name")
    @classmethod
    def _required(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared")
        return value


class SupplierMerge(Body):
    into: uuid.UUID


class PriceCreate(Body):
    price: Amount = Field(description="shelf price, VAT included")
    store: StoreCode | None = Field(None, description="a store code; absent for chain-wide")
    effective_from: date | None = Field(None, description="defaults to today (Buenos Aires)")


# --- stock ------------------------------------------------------------------------------

MovementKindName = Literal[
    "intake", "sale", "customer_return", "supplier_return", "adjustment", "waste"
]
REASON_REQUIRED = frozenset({"customer_return", "adjustment", "waste"})


def movement_kind(name: str) -> MovementKind:
    return MovementKind[name.upper()]


class ProductRef(Body):
    """A product by ``product`` (sku, barcode or scale label) or by ``product_id``."""

    product: ProductCode | None = None
    product_id: uuid.UUID | None = None


def signed_quantity_check(kind: MovementKind, value: Decimal) -> None:
    if kind.sign == 0 and value == 0:
        raise ValueError("an adjustment cannot be zero")
    if kind.sign != 0 and value <= 0:
        raise ValueError(f"must be positive for {kind.name.lower()} (the kind gives the sign)")


class MovementIn(ProductRef):
    store: StoreCode
    kind: MovementKindName
    quantity: Quantity | None = Field(
        None, description="signed for an adjustment; optional for a weight label"
    )
    reason: Reason | None = Field(None, validate_default=True)
    reference: Reference | None = None
    unit_cost: Cost | None = Field(None, description="net unit cost of an intake")
    occurred_at: datetime | None = None

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        kind = info.data.get("kind")
        if value is not None and kind is not None:
            signed_quantity_check(movement_kind(kind), value)
        return value

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("kind") in REASON_REQUIRED:
            raise ValueError(f"a {info.data['kind']} needs a reason")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("needs a time zone (2026-11-28T10:00:00-03:00)")
        return value


class CountOpen(Body):
    store: StoreCode
    notes: Annotated[str, StringConstraints(max_length=2000)] | None = None


class CountItem(ProductRef):
    quantity: Annotated[Quantity, Field(ge=0)]


class TransferLine(ProductRef):
    quantity: Annotated[Quantity, Field(gt=0)]


class TransferIn(Body):
    from_store: StoreCode
    to_store: StoreCode
    lines: list[TransferLine] = Field(min_length=1, max_length=500)
    reference: Reference | None = None

    @field_validator("to_store")
    @classmethod
    def _other_store(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("from_store"):
            raise ValueError("a transfer goes to another store")
        return value
