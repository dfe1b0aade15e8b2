"""Catalog look-ups shared by central and the store client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.barcodes import (
    DEFAULT_SCALE_LAYOUT,
    ScaleLayout,
    decode_scale_barcode,
    is_scale_barcode,
)
from shared.domain.errors import UnknownProduct


@dataclass(frozen=True)
class ProductMatch:
    """A scanned or typed code resolved to a product; a scale label adds weight or price."""

    product: t.Product
    matched_by: str  # "sku" | "barcode" | "scale"
    weight: Decimal | None = None  # kg, from a weight label
    price: Decimal | None = None  # pesos, from a price label


def _live_products():  # type: ignore[no-untyped-def]
    return t.Product.deleted.is_(False)


def _by_barcode(session: Session, code: str) -> t.Product | None:
    return session.scalars(
        select(t.Product)
        .join(t.Barcode, t.Barcode.product_id == t.Product.id)
        .where(t.Barcode.code == code, t.Barcode.deleted.is_(False), _live_products())
        .order_by(t.Barcode.id)
    ).first()


def find_product(
    session: Session, text: str, *, layout: ScaleLayout = DEFAULT_SCALE_LAYOUT
) -> ProductMatch:
    """A SKU first, then any barcode, then a scale label (EAN-13 prefix 20–29)."""
    code = text.strip()
    product = session.scalars(
        select(t.Product).where(t.Product.sku == code, _live_products()).order_by(t.Product.id)
    ).first()
    if product is not None:
        return ProductMatch(product, "sku")
    product = _by_barcode(session, code)
    if product is not None:
        return ProductMatch(product, "barcode")
    if is_scale_barcode(code, layout):
        reading = decode_scale_barcode(code, layout)
        product = _by_barcode(session, reading.lookup_code)
        if product is not None:
            return ProductMatch(product, "scale", reading.weight, reading.price)
    raise UnknownProduct(f"no product with SKU or barcode {code!r}")


def price_on(
    session: Session, product_id: uuid.UUID, store_id: uuid.UUID | None, day: date
) -> int | None:
    """The shelf price in cents on ``day`` in a store, or None when it has none.

    The entry with the latest ``effective_from`` not after ``day`` wins; on the same
    date a store's own entry beats a chain-wide one; the later operation breaks a tie.
    """
    scope: ColumnElement[bool] = t.Price.store_id.is_(None)
    if store_id is not None:
        scope = or_(scope, t.Price.store_id == store_id)
    own_store = case((t.Price.store_id.is_(None), 0), else_=1)
    return session.scalars(
        select(t.Price.price_cents)
        .where(t.Price.product_id == product_id, t.Price.effective_from <= day, scope)
        .order_by(t.Price.effective_from.desc(), own_store.desc(), t.Price.hlc.desc(),
                  t.Price.device_id.desc(), t.Price.op_id.desc())
        .limit(1)
    ).first()
