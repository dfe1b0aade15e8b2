"""Suppliers: create, read, list, update, archive (never purge)."""

from __future__ import annotations

import re
import uuid
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from central.deposito import views
from central.deposito.errors import Duplicate, WrongState
from central.deposito.schemas import SupplierCreate, SupplierUpdate
from central.deposito.service.lookups import cuit_owner, lock_catalog, supplier_by_id
from central.deposito.service.paging import Page, page_of
from shared.db import tables as t
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder
from shared.services.catalog import folded, search_terms


def _check_cuit(session: Session, cuit: str, supplier_id: uuid.UUID | None = None) -> None:
    lock_catalog(session)
    owner = cuit_owner(session, cuit)
    if owner is not None and owner.id != supplier_id:
        raise Duplicate(f"CUIT {cuit} already belongs to supplier {owner.name!r} ({owner.id})")


def create_supplier(session: Session, recorder: Recorder, body: SupplierCreate) -> uuid.UUID:
    _check_cuit(session, body.cuit)
    supplier_id = new_id()
    recorder.upsert("supplier", supplier_id, {
        "cuit": body.cuit, "name": body.name, "provisional": body.provisional,
        "archived": False, "merged_into": None,
    })
    return supplier_id


def supplier_changes(
    session: Session, supplier: t.Supplier, body: SupplierUpdate
) -> dict[str, Any]:
    given = body.model_fields_set
    wanted: dict[str, Any] = {n: getattr(body, n) for n in ("cuit", "name") if n in given}
    changes = {k: v for k, v in wanted.items() if getattr(supplier, k) != v}
    if "cuit" in changes:
        _check_cuit(session, changes["cuit"], supplier.id)
    return changes


def update_supplier(
    session: Session, recorder: Recorder, supplier_id: uuid.UUID, body: SupplierUpdate
) -> None:
    supplier = supplier_by_id(session, supplier_id)
    changes = supplier_changes(session, supplier, body)
    if changes:
        recorder.upsert("supplier", supplier.id, changes)


def set_archived(
    session: Session, recorder: Recorder, supplier_id: uuid.UUID, archived: bool
) -> None:
    supplier = supplier_by_id(session, supplier_id)
    if not archived and supplier.merged_into is not None:
        raise WrongState(f"supplier {supplier.id} was merged into {supplier.merged_into}")
    if not archived and supplier.cuit:
        _check_cuit(session, supplier.cuit, supplier.id)
    if bool(supplier.archived) != archived:
        recorder.upsert("supplier", supplier.id, {"archived": archived})


def supplier_detail(session: Session, supplier_id: uuid.UUID) -> dict[str, Any]:
    supplier = supplier_by_id(session, supplier_id)
    body = views.supplier(supplier)
    body["products"] = session.scalar(
        select(func.count()).select_from(t.Product)
        .where(t.Product.supplier_id == supplier.id, t.Product.deleted.is_(False))
    )
    return body


def _search(q: str | None) -> ColumnElement[bool] | None:
    clauses = []
    for word in search_terms(q):
        digits = re.sub(r"[^0-9]", "", word)
        options = [folded(func.coalesce(t.Supplier.name, "")).contains(word, autoescape=True)]
        if digits and len(digits) == len(word.replace("-", "").replace(".", "")):
            options.append(t.Supplier.cuit.contains(digits, autoescape=True))
        clauses.append(or_(*options))
    return and_(*clauses) if clauses else None


def list_suppliers(
    session: Session, page: Page, *, q: str | None = None, provisional: bool | None = None,
    archived: Literal["no", "yes", "all"] = "no",
) -> dict[str, Any]:
    statement = select(t.Supplier).where(t.Supplier.deleted.is_(False))
    search = _search(q)
    if search is not None:
        statement = statement.where(search)
    if provisional is not None:
        statement = statement.where(
            t.Supplier.provisional.is_(True) if provisional
            else or_(t.Supplier.provisional.is_(None), t.Supplier.provisional.is_(False))
        )
    if archived == "no":
        statement = statement.where(
            or_(t.Supplier.archived.is_(None), t.Supplier.archived.is_(False)))
    elif archived == "yes":
        statement = statement.where(t.Supplier.archived.is_(True))
    statement = statement.order_by(t.Supplier.name, t.Supplier.id)
    return page_of(session, statement, page, views.supplier)
