"""Provisional products and suppliers made at a store's counter: promote or merge.

Promoting clears ``provisional`` (and may fix fields) and sends the record whole to
every store: made at a counter, it had reached that store only (see ``publishing``).
Merging a provisional X into an existing Y archives X with ``merged_into = Y`` and
moves X's barcodes (and supplier codes) to Y, so every later look-up of X's codes finds
Y. Ledger rows recorded against X are never rewritten: stock queries report them on Y
(shared.services.stock).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.deposito.errors import FieldError, WrongState
from central.deposito.schemas import ProductUpdate, SupplierUpdate
from central.deposito.service.lookups import lock_catalog, product_by_id, supplier_by_id
from central.deposito.service.products import product_changes
from central.deposito.service.publishing import (
    CHAIN_WIDE,
    reach,
    record,
    record_fields,
    scopes_of,
    spread,
    union,
    whole,
)
from central.deposito.service.suppliers import supplier_changes
from shared.db import tables as t
from shared.domain.errors import NotFound
from shared.ops.recorder import Recorder


def _merge_target(session: Session, find: Any, member_id: uuid.UUID, into: uuid.UUID) -> Any:
    if into == member_id:
        raise FieldError("into", "a record cannot be merged into itself")
    try:
        target = find(session, into)
    except NotFound as error:
        raise FieldError("into", str(error)) from None
    if target.merged_into is not None or target.archived:
        raise WrongState(f"{into} is archived or merged; merge into a live record")
    return target


def _check_provisional(record: Any, what: str) -> None:
    if record.merged_into is not None:
        raise WrongState(f"{what} {record.id} was already merged into {record.merged_into}")
    if not record.provisional:
        raise WrongState(f"{what} {record.id} is not provisional")


def promote_product(
    session: Session, recorder: Recorder, product_id: uuid.UUID, body: ProductUpdate
) -> None:
    """The product joins the catalog: re-emitted whole, chain-wide, with its barcodes."""
    product = product_by_id(session, product_id)
    _check_provisional(product, "product")
    changes = product_changes(session, product, body)
    record(recorder, whole(session, "product", product, CHAIN_WIDE,
                           {**changes, "provisional": False}))


def merge_product(
    session: Session, recorder: Recorder, member_id: uuid.UUID, into: uuid.UUID
) -> None:
    """Merge provisional ``member_id`` into ``into``.

    The member's changes go only where it went (a store that never saw it gets no
    half-record of it); its barcodes now belong to the target and go wherever the
    target is known; the target is sent whole wherever the member or its supplier codes
    are known and it is not, so ``merged_into`` never points at nothing.
    """
    member = product_by_id(session, member_id)
    _check_provisional(member, "product")
    target = _merge_target(session, product_by_id, member.id, into)
    lock_catalog(session)
    kept = set(session.scalars(
        select(t.Barcode.code).where(t.Barcode.product_id == target.id,
                                     t.Barcode.deleted.is_(False))
    ))
    moving = session.scalars(
        select(t.Barcode).where(t.Barcode.product_id == member.id, t.Barcode.deleted.is_(False))
        .order_by(t.Barcode.id)
    ).all()
    codes = session.scalars(
        select(t.SupplierProductCode.id).where(
            t.SupplierProductCode.product_id == member.id,
            t.SupplierProductCode.deleted.is_(False)).order_by(t.SupplierProductCode.id)
    ).all()
    member_scopes = scopes_of(session, "product", member.id)
    code_scopes = {code_id: scopes_of(session, "supplier_product_code", code_id)
                   for code_id in codes}
    needed = union(member_scopes, *code_scopes.values())
    target_scopes = union(needed, scopes_of(session, "product", target.id))
    emits = reach(session, "product", target, needed)
    emits += spread("product", member.id, {"archived": True, "merged_into": target.id},
                    member_scopes)
    for barcode in moving:
        if barcode.code in kept:
            emits += spread("barcode", barcode.id, {"deleted": True},
                            scopes_of(session, "barcode", barcode.id))
        else:
            emits += spread("barcode", barcode.id, {**record_fields("barcode", barcode),
                                                    "product_id": target.id}, target_scopes)
            kept.add(barcode.code)
    for code_id, where in code_scopes.items():
        emits += spread("supplier_product_code", code_id, {"product_id": target.id}, where)
    record(recorder, emits)


def promote_supplier(
    session: Session, recorder: Recorder, supplier_id: uuid.UUID, body: SupplierUpdate
) -> None:
    """The supplier joins the catalog: re-emitted whole, chain-wide."""
    supplier = supplier_by_id(session, supplier_id)
    _check_provisional(supplier, "supplier")
    changes = supplier_changes(session, supplier, body)
    record(recorder, whole(session, "supplier", supplier, CHAIN_WIDE,
                           {**changes, "provisional": False}))


def merge_supplier(
    session: Session, recorder: Recorder, member_id: uuid.UUID, into: uuid.UUID
) -> None:
    """Merge provisional ``member_id`` into ``into``: its products and codes move over.

    Each change goes where the record it changes went; the target is sent whole
    wherever one of them now refers to it and it is not known.
    """
    member = supplier_by_id(session, member_id)
    _check_provisional(member, "supplier")
    target = _merge_target(session, supplier_by_id, member.id, into)
    lock_catalog(session)
    products = session.scalars(
        select(t.Product.id).where(t.Product.supplier_id == member.id,
                                   t.Product.deleted.is_(False)).order_by(t.Product.id)
    ).all()
    taken = set(session.scalars(
        select(t.SupplierProductCode.supplier_code).where(
            t.SupplierProductCode.supplier_id == target.id,
            t.SupplierProductCode.deleted.is_(False))
    ))
    codes = session.scalars(
        select(t.SupplierProductCode).where(t.SupplierProductCode.supplier_id == member.id,
                                            t.SupplierProductCode.deleted.is_(False))
        .order_by(t.SupplierProductCode.id)
    ).all()
    member_scopes = scopes_of(session, "supplier", member.id)
    product_scopes = {product_id: scopes_of(session, "product", product_id)
                      for product_id in products}
    code_scopes = {code.id: scopes_of(session, "supplier_product_code", code.id)
                   for code in codes}
    needed = union(member_scopes, *product_scopes.values(), *code_scopes.values())
    emits = reach(session, "supplier", target, needed)
    emits += spread("supplier", member.id, {"archived": True, "merged_into": target.id},
                    member_scopes)
    for product_id, where in product_scopes.items():
        emits += spread("product", product_id, {"supplier_id": target.id}, where)
    for code in codes:
        if code.supplier_code in taken:
            emits += spread("supplier_product_code", code.id, {"deleted": True},
                            code_scopes[code.id])
        else:
            emits += spread("supplier_product_code", code.id, {"supplier_id": target.id},
                            code_scopes[code.id])
            taken.add(code.supplier_code)
    record(recorder, emits)
