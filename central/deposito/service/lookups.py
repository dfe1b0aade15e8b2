"""Finding what a request names: stores, products (by id, sku or barcode), suppliers."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from central.deposito.errors import FieldError, NotFoundError
from central.deposito.schemas import ProductRef
from central.identity import find_store
from shared.db import tables as t
from shared.domain.enums import Unit
from shared.domain.errors import Forbidden, UnknownProduct, UnknownStore
from shared.domain.numbers import to_milli
from shared.services.catalog import find_product, resolve_merged

_CATALOG_LOCK = 0x4D4D_0001  # PostgreSQL advisory lock key for catalog uniqueness checks


def lock_catalog(session: Session) -> None:
    """Serialise catalog writes that check uniqueness (sku, barcode, CUIT) then write.

    Replicated tables have no unique constraints (docs/architecture.md), so two
    concurrent requests could both pass the check; on PostgreSQL a transaction-scoped
    advisory lock orders them. SQLite already allows one writer at a time.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CATALOG_LOCK})


def store_in_body(session: Session, code: str, field: str = "store") -> t.Store:
    """A store named in a request body: unknown is a 422 naming the field."""
    try:
        return find_store(session, code)
    except UnknownStore as error:
        raise FieldError(field, str(error)) from None


def store_codes(session: Session) -> dict[uuid.UUID, str | None]:
    rows = session.execute(select(t.Store.id, t.Store.code).where(t.Store.deleted.is_(False)))
    return {row.id: row.code for row in rows}


def product_by_id(session: Session, product_id: uuid.UUID) -> t.Product:
    product = session.get(t.Product, product_id)
    if product is None or product.deleted:
        raise NotFoundError(f"no product {product_id}")
    return product


def supplier_by_id(session: Session, supplier_id: uuid.UUID) -> t.Supplier:
    supplier = session.get(t.Supplier, supplier_id)
    if supplier is None or supplier.deleted:
        raise NotFoundError(f"no supplier {supplier_id}")
    return supplier


def resolve_product(
    session: Session, ref: ProductRef, field: str = "product"
) -> tuple[t.Product, Decimal | None]:
    """The product a body names and, for a weight label, the weight it carries.

    A merged product resolves to the product it was merged into, so new movements land
    on the product that is still in the catalog.
    """
    if ref.product_id is not None:
        product = session.get(t.Product, ref.product_id)
        if product is None or product.deleted:
            raise FieldError(f"{field}_id", f"no product {ref.product_id}")
        return resolve_merged(session, product), None
    if ref.product is None:
        raise FieldError(field, "name the product by sku or barcode, or give product_id")
    try:
        match = find_product(session, ref.product)
    except UnknownProduct as error:
        raise FieldError(field, str(error)) from None
    return match.product, match.weight


def barcodes_of(session: Session, product_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Each product's live barcodes, in the order they were attached to it.

    That order is the version stamp of each record's ``product_id`` (operation order),
    not the record id: ids made in the same millisecond do not sort by creation.
    """
    rows: list[tuple[str, uuid.UUID, uuid.UUID, str]] = []
    ids = sorted(product_ids)
    for start in range(0, len(ids), 500):
        rows.extend(
            (str((row.field_versions or {}).get("product_id", "")), row.id, row.product_id,
             row.code)
            for row in session.execute(
                select(t.Barcode.id, t.Barcode.product_id, t.Barcode.code,
                       t.Barcode.field_versions)
                .where(t.Barcode.product_id.in_(ids[start : start + 500]),
                       t.Barcode.deleted.is_(False))
            )
            if row.code is not None
        )
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for _, _, product_id, code in sorted(rows):
        if code not in found[product_id]:
            found[product_id].append(code)
    return found


def barcode_owner(session: Session, code: str) -> t.Product | None:
    """The live product that holds ``code``, if any."""
    return session.scalars(
        select(t.Product)
        .join(t.Barcode, t.Barcode.product_id == t.Product.id)
        .where(t.Barcode.code == code, t.Barcode.deleted.is_(False), t.Product.deleted.is_(False))
        .order_by(t.Barcode.id)
    ).first()


def sku_owner(session: Session, sku: str) -> t.Product | None:
    return session.scalars(
        select(t.Product).where(t.Product.sku == sku, t.Product.deleted.is_(False))
        .order_by(t.Product.id)
    ).first()


def cuit_owner(session: Session, cuit: str) -> t.Supplier | None:
    """The live supplier with this CUIT (a merged one has handed it on to its target)."""
    return session.scalars(
        select(t.Supplier)
        .where(t.Supplier.cuit == cuit, t.Supplier.deleted.is_(False),
               t.Supplier.merged_into.is_(None))
        .order_by(t.Supplier.id)
    ).first()


def check_scope(scope: uuid.UUID | None, store_id: uuid.UUID) -> None:
    """Store-scoped callers (cashiers, devices) act on their own store only."""
    if scope is not None and scope != store_id:
        raise Forbidden("this credential is scoped to another store")


def quantity_milli(product: t.Product, value: Decimal, field: str = "quantity") -> int:
    """A validated quantity in thousandths; products sold by unit take whole numbers."""
    milli = to_milli(value)
    if product.unit == Unit.UNIT.value and milli % 1000:
        raise FieldError(field, f"{value} is not a whole number; {product.sku!r} is counted "
                                "in units")
    return milli
