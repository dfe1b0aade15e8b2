"""Catalog look-ups shared by central and the store client."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

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
    """A SKU first, then any barcode, then a scale label (EAN-13 prefix 20–29).

    A product merged into another resolves to the one it was merged into.
    """
    code = text.strip()
    product = session.scalars(
        select(t.Product).where(t.Product.sku == code, _live_products()).order_by(t.Product.id)
    ).first()
    if product is not None:
        return ProductMatch(resolve_merged(session, product), "sku")
    product = _by_barcode(session, code)
    if product is not None:
        return ProductMatch(resolve_merged(session, product), "barcode")
    if is_scale_barcode(code, layout):
        reading = decode_scale_barcode(code, layout)
        product = _by_barcode(session, reading.lookup_code)
        if product is not None:
            return ProductMatch(
                resolve_merged(session, product), "scale", reading.weight, reading.price
            )
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


# --- merged products ----------------------------------------------------------

MAX_MERGE_DEPTH = 16  # a chain longer than this is a data error, not a real merge history


def resolve_merged(session: Session, product: t.Product) -> t.Product:
    """The product a merged one now lives on (following ``merged_into``), else itself.

    A provisional product merged into another keeps its rows (the ledger refers to it);
    looking it up by its sku or id must land on the product it was merged into.
    """
    seen = {product.id}
    current = product
    for _ in range(MAX_MERGE_DEPTH):
        if current.merged_into is None:
            return current
        target = session.get(t.Product, current.merged_into)
        if target is None or target.deleted or target.id in seen:
            return current  # a dangling or circular merge: stop where the data is whole
        seen.add(target.id)
        current = target
    return current


# --- prices of many products at once ------------------------------------------


def prices_on(
    session: Session, store_id: uuid.UUID | None, day: date,
    product_ids: Collection[uuid.UUID] | None = None,
) -> dict[uuid.UUID, int]:
    """:func:`price_on` for many products in one query: {product id: cents}.

    Same rule (latest ``effective_from`` not after ``day``, a store's own entry before
    a chain-wide one on the same date, the later operation on a tie); products with no
    price are absent.
    """
    scope: ColumnElement[bool] = t.Price.store_id.is_(None)
    if store_id is not None:
        scope = or_(scope, t.Price.store_id == store_id)
    own_store = case((t.Price.store_id.is_(None), 0), else_=1)
    rank = func.row_number().over(
        partition_by=t.Price.product_id,
        order_by=(t.Price.effective_from.desc(), own_store.desc(), t.Price.hlc.desc(),
                  t.Price.device_id.desc(), t.Price.op_id.desc()),
    )
    ranked = (
        select(t.Price.product_id, t.Price.price_cents, rank.label("rank"))
        .where(t.Price.effective_from <= day, scope)
    )
    found: dict[uuid.UUID, int] = {}
    parts: list[list[uuid.UUID] | None] = [None]
    if product_ids is not None:
        ids = list(product_ids)
        parts = [ids[start : start + 500] for start in range(0, len(ids), 500)]
    for part in parts:
        statement = ranked if part is None else ranked.where(t.Price.product_id.in_(part))
        inner = statement.subquery()
        rows = session.execute(
            select(inner.c.product_id, inner.c.price_cents).where(inner.c.rank == 1)
        )
        found.update({row.product_id: row.price_cents for row in rows})
    return found


# --- accent-insensitive search ---------------------------------------------------

# SQLite's lower() folds ASCII only, so both cases of each accented letter are listed;
# the same nested replace() runs unchanged on PostgreSQL. Spanish letters only: SQLite's
# parser refuses much deeper nesting (about 25 calls).
_ACCENTS = {"a": "áÁ", "e": "éÉ", "i": "íÍ", "o": "óÓ", "u": "úÚüÜ", "n": "ñÑ"}


def fold_text(text: str) -> str:
    """Lower case without accents: ``Azúcar`` and ``AZUCAR`` both read ``azucar``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def folded(expression: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[str]:
    """The SQL twin of :func:`fold_text` for the letters Spanish text uses."""
    result: ColumnElement[Any] = expression.expression if isinstance(
        expression, QueryableAttribute) else expression
    for plain, accented in _ACCENTS.items():
        for letter in accented:
            result = func.replace(result, letter, plain)
    return func.lower(result)


def search_terms(q: str | None) -> list[str]:
    """The words of a search box, folded; every word must match (``yerba 1kg``)."""
    return [word for word in fold_text(q or "").split() if word][:8]


def product_search(q: str | None) -> ColumnElement[bool] | None:
    """Products whose name, sku or one of whose barcodes holds every word of ``q``."""
    words = search_terms(q)
    if not words:
        return None
    clauses = []
    for word in words:
        barcode = exists(
            select(t.Barcode.id).where(
                t.Barcode.product_id == t.Product.id, t.Barcode.deleted.is_(False),
                t.Barcode.code.contains(word, autoescape=True),
            )
        )
        clauses.append(or_(
            folded(func.coalesce(t.Product.name, "")).contains(word, autoescape=True),
            folded(func.coalesce(t.Product.sku, "")).contains(word, autoescape=True),
            barcode,
        ))
    return and_(*clauses)
