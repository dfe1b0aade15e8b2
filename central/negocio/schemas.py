"""Request bodies of the negocio agent.

Amounts are exact Decimals with at most two decimals (JSON numbers or strings), never
floats in our arithmetic; quantities have at most three decimals. Bounds keep every
product of quantity and price inside a 64-bit integer of cents.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from shared.domain.cuit import normalize_cuit
from shared.domain.enums import VatRate
from shared.domain.errors import MinimarketError
from shared.domain.invoices import MAX_NUMBER, MAX_POINT_OF_SALE, document_type
from shared.domain.pricing import RuleScope

MAX_AMOUNT = Decimal("1000000000.00")  # a thousand million pesos
MAX_QUANTITY = Decimal("1000000")


def _vat_rate(value: Any) -> Any:
    if value is None or isinstance(value, VatRate):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("VAT rate must be 0, 10.5, 21 or 27")
    return VatRate.parse(str(value))


Money = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, decimal_places=2)]
PositiveMoney = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, decimal_places=2)]
Quantity = Annotated[Decimal, Field(gt=0, le=MAX_QUANTITY, decimal_places=3)]
Rate = Annotated[VatRate, BeforeValidator(_vat_rate)]
Ref = Annotated[str, Field(min_length=1, max_length=64)]
StoreCode = Annotated[str, Field(min_length=1, max_length=32)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- invoices -----------------------------------------------------------------------


class InvoiceLineIn(Body):
    description: str = Field(min_length=1, max_length=300)
    supplier_code: str | None = Field(None, max_length=64)
    product: Ref | None = Field(None, description="Product id, SKU or barcode; null = unmatched")
    quantity: Quantity
    unit_price: Money = Field(description="As printed: net on A and M, VAT included on B and C")
    amount: Money | None = Field(None, description="The line amount as printed, if any")
    vat_rate: Rate | None = Field(None, description="0, 10.5, 21 or 27; the product's if null")


class TotalsIn(Body):
    net: Money | None = None
    vat: Money | None = None
    total: Money | None = None


class InvoiceIn(Body):
    store: StoreCode
    issuer_cuit: str = Field(min_length=1, max_length=20)
    supplier_name: str | None = Field(None, max_length=200)
    afip_code: int = Field(description="AFIP voucher type: 1 Factura A, 3 Nota de crédito A, …")
    point_of_sale: int = Field(ge=1, le=MAX_POINT_OF_SALE)
    number: int = Field(ge=1, le=MAX_NUMBER)
    issued_on: date
    currency: Literal["PES"] = "PES"
    cae: str | None = Field(None, pattern=r"^[0-9]{14}$")
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=500)
    totals: TotalsIn = Field(default_factory=TotalsIn)

    @field_validator("issuer_cuit")
    @classmethod
    def _cuit(cls, value: str) -> str:
        try:
            return normalize_cuit(value)
        except MinimarketError as error:
            raise ValueError(str(error)) from None

    @field_validator("afip_code")
    @classmethod
    def _code(cls, value: int) -> int:
        try:
            document_type(value)
        except MinimarketError as error:
            raise ValueError(str(error)) from None
        return value


class LineMatchIn(Body):
    product: Ref | None = Field(description="Product id, SKU or barcode; null to unmatch")


# --- pricing --------------------------------------------------------------------------


class RuleFields(Body):
    @field_validator("ending", check_fields=False)
    @classmethod
    def _ending_below_step(cls, ending: Decimal | None, info: ValidationInfo) -> Decimal | None:
        step = info.data.get("rounding_step")
        if step is not None and ending is not None and ending >= step:
            raise ValueError("ending must be less than rounding_step")
        return ending


class RuleIn(RuleFields):
    name: str = Field(min_length=1, max_length=120)
    scope: RuleScope = RuleScope.DEFAULT
    scope_value: str | None = Field(
        None, max_length=120, description="The category, or the supplier's id or CUIT"
    )
    markup_pct: Decimal = Field(ge=0, le=1000, decimal_places=2)
    rounding_step: PositiveMoney = Decimal("10.00")
    ending: Money = Decimal("9.00")
    priority: int = Field(0, ge=-1000, le=1000)
    active: bool = True


class RulePatch(RuleFields):
    name: str | None = Field(None, min_length=1, max_length=120)
    scope: RuleScope | None = None
    scope_value: str | None = Field(None, max_length=120)
    markup_pct: Decimal | None = Field(None, ge=0, le=1000, decimal_places=2)
    rounding_step: PositiveMoney | None = None
    ending: Money | None = None
    priority: int | None = Field(None, ge=-1000, le=1000)
    active: bool | None = None


class ApplyItem(Body):
    product: Ref
    price: PositiveMoney | None = Field(None, description="Overrides the suggestion")


class ApplyIn(Body):
    effective_from: date | None = Field(None, description="Today when omitted")
    items: list[ApplyItem] = Field(min_length=1, max_length=5000)


# --- inflation ----------------------------------------------------------------------------


class IndexValueIn(Body):
    value: Decimal = Field(gt=0, le=Decimal("1000000000"), decimal_places=4)
    source: str | None = Field(None, max_length=120)


# --- purchase orders --------------------------------------------------------------------


class OrderLineIn(Body):
    product: Ref
    quantity: Quantity
    unit_cost: Money | None = Field(None, description="Expected net unit cost")


class OrderIn(Body):
    supplier: Ref = Field(description="Supplier id or CUIT")
    store: StoreCode
    notes: str | None = Field(None, max_length=2000)
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=500)


class ReceivedLineIn(Body):
    product: Ref
    quantity: Annotated[Decimal, Field(ge=0, le=MAX_QUANTITY, decimal_places=3)]


class ReceiveIn(Body):
    create_movements: bool = Field(
        False, description="Take the received quantities into stock (when no invoice will)"
    )
    lines: list[ReceivedLineIn] | None = Field(
        None, max_length=500, description="Quantities received; the ordered ones when omitted"
    )
