"""Supplier invoices and credit notes at HQ: enter, correct, match, list, show.

Confirming is :func:`shared.services.invoices.confirm_invoice`, the use case the store
client runs offline too. A document is one record chain-wide: entering a document whose
key (issuer CUIT, AFIP type code, point of sale, number) another live record already has
is refused. A confirmed document is immutable.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.kit.auth import check_store
from central.negocio.common import find_supplier, product_for, store_codes, store_for
from central.negocio.schemas import InvoiceIn, LineMatchIn
from shared.db import tables as t
from shared.domain.enums import VatRate
from shared.domain.errors import AlreadyExists, NotFound
from shared.domain.ids import new_id
from shared.domain.invoices import document_label, invoice_key
from shared.domain.numbers import to_cents, to_milli
from shared.ops.recorder import Recorder
from shared.security.tokens import Principal
from shared.services.catalog import resolve_merged
from shared.services.invoices import (
    AlreadyConfirmed,
    ConfirmedInvoice,
    confirm_invoice,
    first_confirmation,
    live_lines,
    lock_document,
    supplier_codes,
)


def get_invoice(
    session: Session, principal: Principal, invoice_id: uuid.UUID
) -> t.SupplierInvoice:
    """The live record, checked against the caller's store scope."""
    invoice = session.get(t.SupplierInvoice, invoice_id)
    if invoice is None or invoice.deleted:
        raise NotFound(f"unknown invoice {invoice_id}")
    if invoice.store_id is not None:
        check_store(principal, invoice.store_id)
    return invoice


def _editable(session: Session, principal: Principal, invoice_id: uuid.UUID) -> t.SupplierInvoice:
    invoice = get_invoice(session, principal, invoice_id)
    lock_document(session, invoice, None)  # a confirmation running now finishes first
    if first_confirmation(session, invoice_id=invoice.id) is not None:
        raise AlreadyConfirmed(f"invoice {invoice.id} is confirmed: a confirmed document "
                               "cannot change (record a credit note instead)")
    return invoice


def _write(
    session: Session, recorder: Recorder, principal: Principal, invoice_id: uuid.UUID,
    body: InvoiceIn, old_lines: list[t.InvoiceLine],
) -> None:
    store = store_for(session, principal, body.store, field="store")
    key = invoice_key(body.issuer_cuit, body.afip_code, body.point_of_sale, body.number)
    other = session.scalars(
        select(t.SupplierInvoice.id).where(
            t.SupplierInvoice.invoice_key == key, t.SupplierInvoice.deleted.is_(False),
            t.SupplierInvoice.id != invoice_id)
    ).first()
    label = document_label(body.afip_code, body.point_of_sale, body.number)
    if other is not None:
        raise AlreadyExists(f"{label} of CUIT {body.issuer_cuit} is already registered "
                            f"as invoice {other}")
    supplier = find_supplier(session, body.issuer_cuit)
    supplier_id = supplier.id if supplier is not None else new_id()
    if supplier is None:  # HQ names suppliers; until then the CUIT names it
        recorder.upsert("supplier", supplier_id, {
            "cuit": body.issuer_cuit, "name": body.supplier_name or body.issuer_cuit,
            "provisional": False, "archived": False,
        })
    codes = [(line.supplier_code or "").strip() for line in body.lines]
    remembered = supplier_codes(session, supplier_id, codes) if supplier else {}
    lines: list[dict[str, Any]] = []
    for index, (line, code) in enumerate(zip(body.lines, codes, strict=True)):
        product: t.Product | None
        if line.product:
            product = product_for(session, line.product, field=f"lines.{index}.product")
        else:  # matched by the supplier's own code, as learnt from earlier documents
            product = _remembered(session, remembered.get(code))
        rate = line.vat_rate or _product_rate(product)
        lines.append({
            "invoice_id": invoice_id, "line_no": index + 1,
            "product_id": product.id if product else None,
            "supplier_code": code or None,
            "description": " ".join(line.description.split()),
            "qty_milli": to_milli(line.quantity), "unit_cost_cents": to_cents(line.unit_price),
            "amount_cents": None if line.amount is None else to_cents(line.amount),
            "vat_rate": rate.value,
        })
    totals = body.totals
    recorder.upsert("supplier_invoice", invoice_id, {
        "store_id": store.id, "supplier_id": supplier_id, "issuer_cuit": body.issuer_cuit,
        "afip_code": body.afip_code, "point_of_sale": body.point_of_sale, "number": body.number,
        "invoice_key": key, "issued_on": body.issued_on, "currency": body.currency,
        "net_cents": None if totals.net is None else to_cents(totals.net),
        "vat_cents": None if totals.vat is None else to_cents(totals.vat),
        "total_cents": None if totals.total is None else to_cents(totals.total),
        "cae": body.cae,
    }, store_id=store.id)
    reusable = {line.line_no: line.id for line in old_lines}
    for values in lines:
        line_id = reusable.pop(values["line_no"], None) or new_id()
        recorder.upsert("invoice_line", line_id, values, store_id=store.id)
    for line_id in reusable.values():
        recorder.delete("invoice_line", line_id, store_id=store.id)


def _remembered(session: Session, mapping: t.SupplierProductCode | None) -> t.Product | None:
    if mapping is None or mapping.product_id is None:
        return None
    product = session.get(t.Product, mapping.product_id)
    return None if product is None or product.deleted else resolve_merged(session, product)


def _product_rate(product: t.Product | None) -> VatRate:
    try:
        return VatRate(product.vat_rate) if product and product.vat_rate else VatRate.GENERAL
    except ValueError:
        return VatRate.GENERAL


def create_invoice(
    session: Session, recorder: Recorder, principal: Principal, body: InvoiceIn
) -> uuid.UUID:
    invoice_id = new_id()
    _write(session, recorder, principal, invoice_id, body, [])
    return invoice_id


def replace_invoice(
    session: Session, recorder: Recorder, principal: Principal, invoice_id: uuid.UUID,
    body: InvoiceIn,
) -> uuid.UUID:
    invoice = _editable(session, principal, invoice_id)
    _write(session, recorder, principal, invoice.id, body, live_lines(session, invoice.id))
    return invoice.id


def match_line(
    session: Session, recorder: Recorder, principal: Principal, invoice_id: uuid.UUID,
    line_no: int, body: LineMatchIn,
) -> uuid.UUID:
    invoice = _editable(session, principal, invoice_id)
    line = next((line for line in live_lines(session, invoice.id) if line.line_no == line_no), None)
    if line is None:
        raise NotFound(f"invoice {invoice.id} has no line {line_no}")
    product = product_for(session, body.product, field="product") if body.product else None
    recorder.upsert("invoice_line", line.id, {"product_id": product.id if product else None},
                    store_id=invoice.store_id)
    return invoice.id


def delete_invoice(
    session: Session, recorder: Recorder, principal: Principal, invoice_id: uuid.UUID
) -> None:
    invoice = _editable(session, principal, invoice_id)
    for line in live_lines(session, invoice.id):
        recorder.delete("invoice_line", line.id, store_id=invoice.store_id)
    recorder.delete("supplier_invoice", invoice.id, store_id=invoice.store_id)


def confirm(
    session: Session, recorder: Recorder, principal: Principal, invoice_id: uuid.UUID
) -> tuple[ConfirmedInvoice, str | None]:
    """Confirm as ``principal`` (store scope checked); also returns the store's code."""
    invoice = get_invoice(session, principal, invoice_id)
    result = confirm_invoice(session, recorder, invoice.id)
    return result, store_codes(session).get(result.store_id)
