"""Products and their barcodes: create, read, list, update, archive (never purge)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from central.deposito import views
from central.deposito.errors import Duplicate, FieldError, NotFoundError, WrongState
from central.deposito.schemas import ProductCreate, ProductUpdate
from central.deposito.service.lookups import (
    barcode_owner,
    barcodes_of,
    lock_catalog,
    product_by_id,
    sku_owner,
    supplier_by_id,
)
from central.deposito.service.paging import Page
from shared.db import tables as t
from shared.domain.enums import Unit
from shared.domain.errors import NotFound
from shared.domain.ids import new_id
from shared.domain.numbers import cents_to_amount, to_cents, to_milli
from shared.ops.recorder import Recorder
from shared.services.catalog import find_product, fold_text, folded, prices_on, product_search

ArchivedFilter = Literal["no", "yes", "all"]


def _check_sku(session: Session, sku: str, product_id: uuid.UUID | None = None) -> None:
    owner = sku_owner(session, sku)
    if owner is not None and owner.id != product_id:
        raise Duplicate(f"sku {sku!r} already belongs to product {owner.id}")


def _check_barcode(session: Session, code: str, product_id: uuid.UUID | None) -> bool:
    """True when ``code`` is free, False when the product already holds it; 409 otherwise."""
    owner = barcode_owner(session, code)
    if owner is None:
        return True
    if owner.id == product_id:
        return False
    raise Duplicate(f"barcode {code} already belongs to sku {owner.sku!r} ({owner.id})")


def _check_supplier(session: Session, supplier_id: uuid.UUID | None) -> None:
    if supplier_id is None:
        return
    try:
        supplier_by_id(session, supplier_id)
    except NotFound:
        raise FieldError("supplier_id", f"no supplier {supplier_id}") from None


def _check_whole(unit: str | None, min_stock: Decimal | None) -> None:
    if unit == Unit.UNIT.value and min_stock is not None and min_stock % 1:
        raise FieldError("min_stock", f"{min_stock} is not a whole number of units")


def create_product(
    session: Session, recorder: Recorder, body: ProductCreate, *, today: date
) -> uuid.UUID:
    lock_catalog(session)
    _check_sku(session, body.sku)
    codes = list(dict.fromkeys(body.barcodes))
    for code in codes:
        _check_barcode(session, code, None)
    _check_supplier(session, body.supplier_id)
    _check_whole(body.unit.value, body.min_stock)
    product_id = new_id()
    with recorder.batch():
        recorder.upsert("product", product_id, {
            "sku": body.sku, "name": body.name, "category": body.category,
            "unit": body.unit.value, "vat_rate": body.vat_rate.value,
            "min_stock_milli": None if body.min_stock is None else to_milli(body.min_stock),
            "last_cost_cents": None if body.last_cost is None else to_cents(body.last_cost),
            "supplier_id": body.supplier_id, "provisional": body.provisional,
            "archived": False, "merged_into": None,
        })
        for code in codes:
            recorder.upsert("barcode", new_id(), {"code": code, "product_id": product_id})
        if body.price is not None:
            recorder.append("price", {
                "product_id": product_id, "store_id": None,
                "price_cents": to_cents(body.price), "effective_from": today,
            })
    return product_id


def product_changes(session: Session, product: t.Product, body: ProductUpdate) -> dict[str, Any]:
    """The fields of ``body`` that differ from ``product``, as column values (validated)."""
    given = body.model_fields_set
    wanted: dict[str, Any] = {}
    if "sku" in given:
        wanted["sku"] = body.sku
    for name in ("name", "category", "supplier_id"):
        if name in given:
            wanted[name] = getattr(body, name)
    if "unit" in given and body.unit is not None:
        wanted["unit"] = body.unit.value
    if "vat_rate" in given and body.vat_rate is not None:
        wanted["vat_rate"] = body.vat_rate.value
    if "min_stock" in given:
        wanted["min_stock_milli"] = None if body.min_stock is None else to_milli(body.min_stock)
    if "last_cost" in given:
        wanted["last_cost_cents"] = None if body.last_cost is None else to_cents(body.last_cost)
    changes = {k: v for k, v in wanted.items() if getattr(product, k) != v}
    if "sku" in changes:
        lock_catalog(session)
        _check_sku(session, changes["sku"], product.id)
    if "supplier_id" in changes:
        _check_supplier(session, changes["supplier_id"])
    minimum = changes.get("min_stock_milli", product.min_stock_milli)
    _check_whole(changes.get("unit", product.unit),
                 None if minimum is None else Decimal(minimum) / 1000)
    return changes


def update_product(
    session: Session, recorder: Recorder, product_id: uuid.UUID, body: ProductUpdate
) -> None:
    product = product_by_id(session, product_id)
    changes = product_changes(session, product, body)
    if changes:
        recorder.upsert("product", product.id, changes)


def set_archived(
    session: Session, recorder: Recorder, product_id: uuid.UUID, archived: bool
) -> None:
    """Archive (hide from the catalog and stock lists) or restore; never purge."""
    product = product_by_id(session, product_id)
    if not archived and product.merged_into is not None:
        raise WrongState(f"product {product.id} was merged into {product.merged_into}")
    if bool(product.archived) != archived:
        recorder.upsert("product", product.id, {"archived": archived})


def product_detail(session: Session, product_id: uuid.UUID, *, today: date) -> dict[str, Any]:
    product = product_by_id(session, product_id)
    body = views.product(product, barcodes_of(session, [product.id]).get(product.id, []))
    price = prices_on(session, None, today, [product.id]).get(product.id)
    body["price"] = views.amount(price)
    body["merged_from"] = list(session.scalars(
        select(t.Product.id).where(t.Product.merged_into == product.id,
                                   t.Product.deleted.is_(False)).order_by(t.Product.id)
    ))
    return body


def archived_clause(archived: ArchivedFilter) -> ColumnElement[bool] | None:
    hidden = t.Product.archived.is_(True)
    if archived == "no":
        return or_(t.Product.archived.is_(None), t.Product.archived.is_(False))
    return hidden if archived == "yes" else None


def product_filters(
    *, q: str | None = None, provisional: bool | None = None, category: str | None = None,
    supplier_id: uuid.UUID | None = None, archived: ArchivedFilter = "no",
) -> list[ColumnElement[bool]]:
    """The WHERE clauses the product lists share."""
    clauses: list[ColumnElement[bool]] = [t.Product.deleted.is_(False)]
    for clause in (product_search(q), archived_clause(archived)):
        if clause is not None:
            clauses.append(clause)
    if provisional is not None:
        clauses.append(t.Product.provisional.is_(True) if provisional
                       else or_(t.Product.provisional.is_(None), t.Product.provisional.is_(False)))
    if category:
        clauses.append(folded(t.Product.category) == fold_text(category.strip()))
    if supplier_id is not None:
        clauses.append(t.Product.supplier_id == supplier_id)
    return clauses


def list_products(session: Session, page: Page, **filters: Any) -> dict[str, Any]:
    clauses = product_filters(**filters)
    total = session.scalar(select(func.count()).select_from(t.Product).where(*clauses)) or 0
    rows = session.scalars(
        select(t.Product).where(*clauses).order_by(t.Product.sku, t.Product.id)
        .offset(page.offset).limit(page.size)
    ).all()
    codes = barcodes_of(session, [row.id for row in rows])
    return page.body([views.product(row, codes.get(row.id, [])) for row in rows], int(total))


def lookup(session: Session, code: str) -> dict[str, Any]:
    """What a scanner or a person typed: a sku, a barcode or a scale label (404 if none)."""
    match = find_product(session, code)
    product = match.product
    return {
        "matched_by": match.matched_by,
        "weight": match.weight,
        "price": None if match.price is None else cents_to_amount(to_cents(match.price)),
        "product": views.product(product, barcodes_of(session, [product.id]).get(product.id, [])),
    }


def add_barcode(session: Session, recorder: Recorder, product_id: uuid.UUID, code: str) -> bool:
    """Register ``code`` on a product; False when it already had it (nothing written)."""
    product = product_by_id(session, product_id)
    if product.merged_into is not None:
        raise WrongState(f"product {product.id} was merged into {product.merged_into}")
    lock_catalog(session)
    if not _check_barcode(session, code, product.id):
        return False
    recorder.upsert("barcode", new_id(), {"code": code, "product_id": product.id})
    return True


def remove_barcode(session: Session, recorder: Recorder, product_id: uuid.UUID, code: str) -> None:
    product = product_by_id(session, product_id)
    records = session.scalars(
        select(t.Barcode.id).where(t.Barcode.product_id == product.id, t.Barcode.code == code,
                                   t.Barcode.deleted.is_(False))
    ).all()
    if not records:
        raise NotFoundError(f"product {product.sku!r} has no barcode {code}")
    for record_id in records:
        recorder.delete("barcode", record_id)
