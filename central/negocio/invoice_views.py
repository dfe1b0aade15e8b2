"""Reading supplier documents: the filtered list and one document in full."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from central.negocio.common import (
    amount,
    document_of,
    find_supplier,
    page_of,
    product_summary,
    store_codes,
    store_filter,
)
from central.negocio.invoices import get_invoice
from shared.db import tables as t
from shared.domain.enums import AFIP_DOCUMENT_TYPES, DocumentKind, InvoiceStatus
from shared.domain.errors import NotFound
from shared.domain.invoices import LineValues, document_type, net_unit_cost_cents, reconcile
from shared.domain.numbers import milli_to_quantity
from shared.security.tokens import Principal
from shared.services.invoices import first_confirmation, line_rate, live_lines

_CONFIRMED = (
    select(t.InvoiceConfirmation.id)
    .where(t.InvoiceConfirmation.invoice_id == t.SupplierInvoice.id)
    .exists()
)


def list_invoices(
    session: Session, principal: Principal, *, supplier: str | None, store: str | None,
    status: InvoiceStatus | None, kind: DocumentKind | None, date_from: date | None,
    date_to: date | None, search: str | None, page: int, size: int,
) -> dict[str, Any]:
    query = select(t.SupplierInvoice).where(t.SupplierInvoice.deleted.is_(False))
    store_id = store_filter(session, principal, store)
    if store_id is not None:
        query = query.where(t.SupplierInvoice.store_id == store_id)
    if supplier:
        found = find_supplier(session, supplier)
        if found is None:
            raise NotFound(f"unknown supplier {supplier!r}")
        query = query.where(t.SupplierInvoice.supplier_id == found.id)
    if status is not None:
        query = query.where(_CONFIRMED if status is InvoiceStatus.CONFIRMED else ~_CONFIRMED)
    if kind is not None:
        type_codes = [code for code, (_, each) in AFIP_DOCUMENT_TYPES.items() if each is kind]
        query = query.where(t.SupplierInvoice.afip_code.in_(type_codes))
    if date_from is not None:
        query = query.where(t.SupplierInvoice.issued_on >= date_from)
    if date_to is not None:
        query = query.where(t.SupplierInvoice.issued_on <= date_to)
    if search and search.strip():
        text = search.strip()
        names = select(t.Supplier.id).where(t.Supplier.name.icontains(text, autoescape=True))
        conditions = [t.SupplierInvoice.supplier_id.in_(names),
                      t.SupplierInvoice.issuer_cuit.contains(text.replace("-", ""),
                                                             autoescape=True)]
        if text.isdigit() and len(text) <= 8:
            conditions.append(t.SupplierInvoice.number == int(text))
        query = query.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    invoices = list(session.scalars(
        query.order_by(t.SupplierInvoice.issued_on.desc(), t.SupplierInvoice.id.desc())
        .offset((page - 1) * size).limit(size)
    ))
    ids = [invoice.id for invoice in invoices]
    confirmed = set(session.scalars(
        select(t.InvoiceConfirmation.invoice_id).where(t.InvoiceConfirmation.invoice_id.in_(ids))
    )) if ids else set()
    suppliers = _suppliers(session, {i.supplier_id for i in invoices if i.supplier_id})
    codes = store_codes(session)
    return page_of([_summary(i, i.id in confirmed, suppliers, codes) for i in invoices],
                   total, page, size)


def _suppliers(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, t.Supplier]:
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(t.Supplier).where(t.Supplier.id.in_(ids)))}


def _type(code: int | None) -> dict[str, Any] | None:
    if code is None:
        return None
    kind = document_type(code)
    return {"code": code, "letter": kind.letter, "kind": kind.kind}


def _summary(
    invoice: t.SupplierInvoice, confirmed: bool, suppliers: dict[uuid.UUID, t.Supplier],
    codes: dict[uuid.UUID, str | None],
) -> dict[str, Any]:
    supplier = suppliers.get(invoice.supplier_id) if invoice.supplier_id else None
    return {
        "id": invoice.id, "document": document_of(invoice),
        "type": _type(invoice.afip_code), "invoice_key": invoice.invoice_key,
        "issuer_cuit": invoice.issuer_cuit,
        "supplier": {"id": supplier.id, "name": supplier.name} if supplier else None,
        "store": codes.get(invoice.store_id) if invoice.store_id else None,
        "point_of_sale": invoice.point_of_sale, "number": invoice.number,
        "issued_on": invoice.issued_on, "currency": invoice.currency,
        "total": amount(invoice.total_cents),
        "status": InvoiceStatus.CONFIRMED if confirmed else InvoiceStatus.DRAFT,
    }


def invoice_detail(session: Session, principal: Principal, invoice_id: uuid.UUID) -> dict[str, Any]:
    invoice = get_invoice(session, principal, invoice_id)
    mine = first_confirmation(session, invoice_id=invoice.id)
    out = _summary(invoice, mine is not None, _suppliers(session, {invoice.supplier_id}
                   if invoice.supplier_id else set()), store_codes(session))
    lines = live_lines(session, invoice.id)
    products = {p.id: p for p in session.scalars(select(t.Product).where(
        t.Product.id.in_({line.product_id for line in lines if line.product_id})))}
    include_vat = bool(invoice.afip_code) and document_type(
        invoice.afip_code or 0).prices_include_vat
    values = [LineValues(line.qty_milli or 0, line.unit_cost_cents or 0,
                         line_rate(line.vat_rate), line.amount_cents)
              for line in lines]
    out["lines"] = [
        {"line_no": line.line_no, "description": line.description,
         "supplier_code": line.supplier_code,
         "product": product_summary(products.get(line.product_id) if line.product_id else None),
         "quantity": milli_to_quantity(line.qty_milli or 0),
         "unit_price": amount(line.unit_cost_cents), "amount": amount(value.effective_amount_cents),
         "vat_rate": line.vat_rate,
         "net_unit_cost": amount(net_unit_cost_cents(
             value.unit_price_cents, value.vat_rate, prices_include_vat=include_vat))}
        for line, value in zip(lines, values, strict=True)
    ]
    out["totals"] = {"net": amount(invoice.net_cents), "vat": amount(invoice.vat_cents),
                     "total": amount(invoice.total_cents)}
    out["cae"] = invoice.cae
    out["warnings"] = [
        {"check": m.check, "line_no": m.line_no, "expected": amount(m.expected_cents),
         "found": amount(m.found_cents), "difference": amount(m.difference_cents)}
        for m in reconcile(values, prices_include_vat=include_vat, net_cents=invoice.net_cents,
                           vat_cents=invoice.vat_cents, total_cents=invoice.total_cents)
    ]
    out["unmatched_lines"] = [line.line_no for line in lines if line.product_id is None]
    first = first_confirmation(session, invoice_key=invoice.invoice_key) if mine else None
    out["confirmation"] = None if mine is None else {
        "id": mine.id, "confirmed_at": mine.confirmed_at,
        "counts_toward_stock": first is not None and first.id == mine.id,
    }
    return out
