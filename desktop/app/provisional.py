"""A provisional product made at the counter for a barcode the catalog does not know.

A store may create a product only as provisional (``sync/rules.py``): the product and
its barcode are written in the store's scope, so they reach HQ (which promotes the
product into the catalog or merges it into an existing one) and this store's other PCs,
and no other store. Fields only HQ sets (``archived``, ``merged_into``,
``last_cost_cents``) are left alone.

A store may not write prices either, so the price typed when the product is made is
kept on this PC only (``replica_meta``, never replicated) and used by the cart while
HQ has published no price for the product; a price from HQ always wins. Another PC of
the store sells the product with a price typed at its own counter.

Usage, after :class:`~desktop.app.counter_errors.UnknownCode` from a scan::

    made = store.write(create_provisional_product, error.barcode, "Alfajor triple",
                       Unit.UNIT, price=Decimal("1500"), user_id=user.id)
    cart.add(session, error.code)          # found now, priced at 1500.00
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.replica_meta import read_meta, write_meta
from shared.domain.barcodes import decode_scale_barcode, is_scale_barcode, normalize_barcode
from shared.domain.enums import Unit
from shared.domain.errors import AlreadyExists, ValidationError
from shared.domain.ids import new_id
from shared.domain.numbers import cents_to_amount, parse_decimal, to_cents
from shared.ops.recorder import Recorder

#: ``replica_meta`` key of the price typed for a provisional product on this PC.
PRICE_KEY_PREFIX = "provisional_price:"
SKU_PREFIX = "PROV-"
MAX_NAME = 300  # products.name


@dataclass(frozen=True)
class ProvisionalProduct:
    product_id: uuid.UUID
    sku: str
    name: str
    unit: Unit
    barcode: str  # as registered: a scale label's lookup code, value zeroed
    price_cents: int | None  # this PC's price until HQ publishes one

    @property
    def price(self) -> Decimal | None:
        return None if self.price_cents is None else cents_to_amount(self.price_cents)


def local_price(session: Session, product_id: uuid.UUID) -> int | None:
    """The price typed on this PC for a provisional product, in cents, or None."""
    stored = read_meta(session, f"{PRICE_KEY_PREFIX}{product_id}")
    return int(stored) if stored is not None else None


def registered_code(barcode: str) -> str:
    """The code a product is registered under: a scale label's lookup code, else the
    barcode's digits. A wrong check digit raises InvalidBarcode."""
    digits = normalize_barcode(barcode)
    return decode_scale_barcode(digits).lookup_code if is_scale_barcode(digits) else digits


def _unit(unit: Unit | str) -> Unit:
    try:
        return Unit(unit)
    except ValueError:
        raise ValidationError(f"unit must be {Unit.UNIT.value!r} or {Unit.KG.value!r},"
                              f" not {unit!r}") from None


def _price_cents(price: Decimal | int | str | None) -> int | None:
    if price is None:
        return None
    cents = to_cents(parse_decimal(price) if isinstance(price, str) else price)
    if cents <= 0:
        raise ValidationError("the price must be above zero")
    return cents


def _free_sku(session: Session, code: str) -> str:
    sku = SKU_PREFIX + code
    taken = session.scalars(select(t.Product.id).where(t.Product.sku == sku).limit(1)).first()
    if taken is None:
        return sku
    return f"{sku}-{new_id().hex[-6:]}"  # an older provisional of a code since moved away


def create_provisional_product(
    session: Session, recorder: Recorder, store_id: uuid.UUID, barcode: str, name: str,
    unit: Unit | str, price: Decimal | int | str | None = None,
    user_id: uuid.UUID | None = None,
) -> ProvisionalProduct:
    """Create a provisional product and its barcode, sellable at once on this PC.

    ``barcode`` must carry a valid check digit (InvalidBarcode otherwise); a scale label
    registers its item (value zeroed), so every later label of it is found, and a
    weight label's item is sold by weight. A barcode that already belongs to a product
    raises AlreadyExists. The sku is ``PROV-<barcode>``; HQ may change it when it
    promotes the product. ``price`` (VAT included; text is read as typed, ``1.234,50``)
    is this PC's price until HQ publishes one (see the module docstring).
    """
    code = registered_code(barcode)
    wanted_unit = _unit(unit)
    if is_scale_barcode(code) and decode_scale_barcode(code).weight is not None \
            and wanted_unit is not Unit.KG:
        raise ValidationError(f"{code} is a weight label: the product is sold by {Unit.KG.value}")
    clean_name = " ".join(name.split())
    if not clean_name:
        raise ValidationError("name the product")
    if len(clean_name) > MAX_NAME:
        raise ValidationError(f"the name is longer than {MAX_NAME} characters")
    cents = _price_cents(price)
    owner = session.execute(
        select(t.Product.sku).join(t.Barcode, t.Barcode.product_id == t.Product.id)
        .where(t.Barcode.code == code, t.Barcode.deleted.is_(False),
               t.Product.deleted.is_(False)).limit(1)
    ).first()
    if owner is not None:
        raise AlreadyExists(f"barcode {code} already belongs to {owner.sku}")
    if user_id is not None:
        recorder.user_id = user_id
    product_id, sku = new_id(), _free_sku(session, code)
    with recorder.batch():
        recorder.upsert("product", product_id, {
            "sku": sku, "name": clean_name, "unit": wanted_unit.value, "provisional": True,
        }, store_id=store_id, creates=True)
        recorder.upsert("barcode", new_id(), {"code": code, "product_id": product_id},
                        store_id=store_id, creates=True)
    if cents is not None:
        write_meta(session, f"{PRICE_KEY_PREFIX}{product_id}", str(cents))
    return ProvisionalProduct(product_id, sku, clean_name, wanted_unit, code, cents)
