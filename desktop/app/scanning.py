"""From a scanned or typed code to a priced line: the read half of the counter.

:func:`resolve_code` only reads. A screen runs it on a worker thread with a session and
hands the resulting :class:`CartLine` to the cart on the UI thread, so the cart itself
never touches the database before it is confirmed.

Quantities are thousandths (``qty_milli``: grams for goods sold by the kilogram), money
is cents, shelf prices include VAT. Decimals and typed text are accepted at the edges.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.counter_errors import PriceMissing, UnknownCode, WeightRequired, WholeUnitsOnly
from desktop.app.provisional import PRICE_KEY_PREFIX, local_price, registered_code
from shared.db import tables as t
from shared.domain.barcodes import DEFAULT_SCALE_LAYOUT, ScaleLayout
from shared.domain.enums import Unit
from shared.domain.errors import InvalidBarcode, UnknownProduct, ValidationError
from shared.domain.numbers import (
    cents_to_amount,
    milli_to_quantity,
    parse_quantity,
    round_to_cents,
    to_cents,
    to_milli,
)
from shared.services.catalog import ProductMatch, find_product, price_on, prices_on
from shared.settings import business_day

#: A quantity as the screen has it: typed text (``"0,350"``), a Decimal or an int.
Quantity = Decimal | int | str
#: Above this a typed quantity is a mistake (a barcode scanned into the quantity field).
MAX_QUANTITY_MILLI = 10_000 * 1000
_BARCODE_LENGTHS = frozenset({8, 12, 13})


@dataclass(frozen=True)
class CartLine:
    """One line of a cart or a receipt-to-be: a product, how much, at what price."""

    product_id: uuid.UUID
    sku: str
    name: str
    unit: Unit
    qty_milli: int  # always above zero; the movement's sign comes from its kind
    unit_price_cents: int | None  # per unit or per kg, VAT included; None: no price
    code: str  # as scanned or typed
    matched_by: str  # "sku" | "barcode" | "scale" ("revert" on a revert's receipt)
    #: a price label: the customer pays exactly this, whatever the weight works out to
    label_amount_cents: int | None = None
    #: the price was typed at the counter (the product had no shelf price)
    manual_price: bool = False

    @property
    def quantity(self) -> int | Decimal:
        """``3`` for counted goods, ``Decimal("0.350")`` for weighed ones."""
        return milli_to_quantity(self.qty_milli)

    @property
    def weighed(self) -> bool:
        return self.unit is Unit.KG

    @property
    def from_label(self) -> bool:
        """Read from a scale label: a package of its own, never merged with another line."""
        return self.matched_by == "scale"

    @property
    def unit_price(self) -> Decimal | None:
        return None if self.unit_price_cents is None else cents_to_amount(self.unit_price_cents)

    @property
    def amount_cents(self) -> int | None:
        """The line total in cents (a price label's own amount), None without a price."""
        if self.label_amount_cents is not None:
            return self.label_amount_cents
        if self.unit_price_cents is None:
            return None
        return line_amount_cents(self.unit_price_cents, self.qty_milli)

    @property
    def amount(self) -> Decimal | None:
        cents = self.amount_cents
        return None if cents is None else cents_to_amount(cents)

    def with_quantity(self, qty_milli: int) -> CartLine:
        check_quantity(qty_milli, self.unit, self.sku)
        return replace(self, qty_milli=qty_milli)


def line_amount_cents(unit_price_cents: int, qty_milli: int) -> int:
    """Price times quantity in cents, halves rounded up as receipts do."""
    return round_to_cents(Decimal(unit_price_cents * qty_milli).scaleb(-5))


def quantity_milli(quantity: Quantity) -> int:
    """A typed or given quantity in thousandths; more than three decimals is an error."""
    if isinstance(quantity, str):
        quantity = parse_quantity(quantity)
    return to_milli(quantity)


def check_quantity(qty_milli: int, unit: Unit, sku: str) -> None:
    if qty_milli <= 0:
        raise ValidationError("the quantity must be above zero")
    if qty_milli > MAX_QUANTITY_MILLI:
        raise ValidationError(f"{milli_to_quantity(qty_milli)} is too much for one line:"
                              " was a barcode scanned into the quantity?")
    if unit is not Unit.KG and qty_milli % 1000:
        raise WholeUnitsOnly(sku)


def today() -> date:
    """The business day now (Buenos Aires), the day shelf prices are read for."""
    return business_day(datetime.now(UTC))


def product_unit(product: t.Product) -> Unit:
    """How a product is sold; a product whose unit has not arrived yet counts units."""
    return Unit.KG if product.unit == Unit.KG.value else Unit.UNIT


def shelf_price(session: Session, product: t.Product, store_id: uuid.UUID,
                day: date) -> int | None:
    """The store's price on ``day`` in cents; a provisional product's price typed on
    this PC while HQ has published none."""
    cents = price_on(session, product.id, store_id, day)
    if cents is None and product.provisional:
        cents = local_price(session, product.id)
    return cents


def shelf_prices(session: Session, store_id: uuid.UUID, day: date,
                 product_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    """:func:`shelf_price` for many products at once (products without one are absent)."""
    found = prices_on(session, store_id, day, product_ids)
    missing = [product_id for product_id in product_ids if product_id not in found]
    if missing:
        keys = {f"{PRICE_KEY_PREFIX}{product_id}": product_id for product_id in missing}
        for row in session.scalars(select(t.ReplicaMeta).where(t.ReplicaMeta.key.in_(keys))):
            found[keys[row.key]] = int(row.value)
    return found


def find(session: Session, code: str, layout: ScaleLayout = DEFAULT_SCALE_LAYOUT) -> ProductMatch:
    """:func:`find_product`, with a miss raised as :class:`UnknownCode`.

    A code that has a barcode's length but a wrong check digit is a misread or a typo:
    it raises InvalidBarcode rather than offering to create a product for it.
    """
    text = code.strip()
    compact = "".join(text.split())  # a barcode typed in its printed groups
    try:
        return find_product(session, text, layout=layout)
    except UnknownProduct:
        if compact != text:
            with suppress(UnknownProduct):
                return find_product(session, compact, layout=layout)
        try:
            barcode: str | None = registered_code(text)
        except InvalidBarcode:
            if compact.isascii() and compact.isdigit() and len(compact) in _BARCODE_LENGTHS:
                raise
            barcode = None
        raise UnknownCode(text, barcode) from None


def resolve_code(
    session: Session, store_id: uuid.UUID, code: str, quantity: Quantity | None = None, *,
    day: date | None = None, layout: ScaleLayout = DEFAULT_SCALE_LAYOUT,
) -> CartLine:
    """The line a scan or a typed code makes; reads only.

    - a SKU or barcode of a counted product: ``quantity`` units, 1 when none is given;
      a fraction raises WholeUnitsOnly;
    - a weighed product (sold by kg) needs its weight typed: WeightRequired without one;
    - a weight label (EAN-13 prefix 20–24): the product and the label's weight;
    - a price label (prefix 25–29): the product, the weight the label's price buys at
      today's price (PriceMissing when there is none), and the label's amount as the
      line total; a counted product's price label is one unit at the label's amount;
    - an unknown code raises UnknownCode (see there), a mistyped barcode InvalidBarcode.

    The unit price is the store's shelf price on ``day`` (today by default), or None
    when it has none: the cart can take a typed price for such a line.
    """
    match = find(session, code, layout)
    product = match.product
    unit = product_unit(product)
    sku, name = product.sku or "", product.name or ""
    price = shelf_price(session, product, store_id, day or today())
    label_amount: int | None = None
    if match.matched_by == "scale":
        if quantity is not None:
            raise ValidationError("a scale label carries its own weight or price")
        if match.weight is not None:
            milli = to_milli(match.weight)
        else:
            assert match.price is not None
            label_amount = to_cents(match.price)
            if unit is not Unit.KG:
                milli = 1000
            elif price is None:
                raise PriceMissing([sku], f"{sku} has no price today: a price label"
                                          " cannot tell its weight; type the weight instead")
            else:  # the weight the labelled amount buys, to the gram, halves up
                milli = (2 * label_amount * 1000 + price) // (2 * price)
    elif quantity is None:
        if unit is Unit.KG:
            raise WeightRequired(sku, name)
        milli = 1000
    else:
        milli = quantity_milli(quantity)
    check_quantity(milli, unit, sku)
    return CartLine(product.id, sku, name, unit, milli, price, code.strip(), match.matched_by,
                    label_amount)
