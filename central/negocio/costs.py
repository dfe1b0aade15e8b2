"""Each product's cost, derived from confirmed invoices in the ledger, with its history.

Only a document's first confirmation in operation order counts (the ledger rule); its
intake movements carry the net unit cost. A product's last cost is that of the latest
counting confirmation in operation order; several lines of the product in one document
give their quantity-weighted average. Credit notes do not set costs. The
``products.last_cost_cents`` column is the catalog's copy (kept current by confirmations
at HQ, or set by a catalog import); the derivation from the ledger is the authority.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import Session

from central.negocio.common import (
    amount,
    document_of,
    product_summary,
    store_codes,
    supplier_names,
)
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.inflation import CostPoint
from shared.domain.invoices import weighted_unit_cost
from shared.domain.numbers import milli_to_quantity
from shared.settings import business_day

M, C, Doc = t.StockMovement, t.InvoiceConfirmation, t.SupplierInvoice
Order = tuple[int, uuid.UUID, uuid.UUID]


@dataclass(frozen=True)
class DocumentCost:
    """One product's net unit cost in one counting confirmation."""

    product_id: uuid.UUID
    unit_cost_cents: int
    qty_milli: int
    order: Order
    invoice_id: uuid.UUID
    confirmed_at: datetime


def _counting_confirmations() -> Subquery:
    """The first confirmation of every document key (the one that counts)."""
    ranked = select(
        C.op_id, C.invoice_id, C.confirmed_at,
        func.row_number().over(partition_by=C.invoice_key,
                               order_by=(C.hlc, C.device_id, C.op_id)).label("rn"),
    ).subquery()
    return select(ranked.c.op_id, ranked.c.invoice_id, ranked.c.confirmed_at).where(
        ranked.c.rn == 1).subquery()


def _intakes(product_ids: list[uuid.UUID] | None) -> Select[Any]:
    firsts = _counting_confirmations()
    query = (
        select(M.product_id, M.hlc, M.device_id, M.op_id, M.qty_milli, M.unit_cost_cents,
               firsts.c.invoice_id, firsts.c.confirmed_at)
        .join(firsts, firsts.c.op_id == M.op_id)
        .where(M.kind == int(MovementKind.INTAKE), M.unit_cost_cents.is_not(None),
               M.invoice_key.is_not(None), M.qty_milli > 0)
    )
    if product_ids is not None:
        query = query.where(M.product_id.in_(product_ids))
    return query


def _by_document(rows: Any) -> list[DocumentCost]:
    grouped: dict[tuple[uuid.UUID, uuid.UUID], list[Any]] = defaultdict(list)
    for row in rows:
        grouped[(row.product_id, row.op_id)].append(row)
    costs = []
    for (product_id, _), lines in grouped.items():
        first = lines[0]
        costs.append(DocumentCost(
            product_id, weighted_unit_cost((r.qty_milli, r.unit_cost_cents) for r in lines),
            sum(r.qty_milli for r in lines), (first.hlc, first.device_id, first.op_id),
            first.invoice_id, first.confirmed_at,
        ))
    return costs


def latest_costs(
    session: Session, product_ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, DocumentCost]:
    """Each product's last cost from confirmed invoices (only products that have one)."""
    intakes = _intakes(product_ids).subquery()
    rank = func.dense_rank().over(
        partition_by=intakes.c.product_id,
        order_by=(intakes.c.hlc.desc(), intakes.c.device_id.desc(), intakes.c.op_id.desc()),
    ).label("rank")
    ranked = select(intakes, rank).subquery()
    rows = session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {cost.product_id: cost for cost in _by_document(rows)}


def document_costs(
    session: Session, *, until: date | None = None, since: date | None = None
) -> list[tuple[DocumentCost, uuid.UUID | None, date]]:
    """Every counting document cost with the invoice's supplier and date (for inflation),
    of documents issued in ``since``..``until`` when given."""
    intakes = _intakes(None).subquery()
    query = (select(intakes, Doc.supplier_id, Doc.issued_on)
             .join(Doc, Doc.id == intakes.c.invoice_id))
    if until is not None:
        query = query.where(Doc.issued_on <= until)
    if since is not None:
        query = query.where(Doc.issued_on >= since)
    rows = session.execute(query).all()
    about = {(row.product_id, row.op_id): (row.supplier_id, row.issued_on) for row in rows}
    return [
        (cost, about[(cost.product_id, cost.order[2])][0],
         about[(cost.product_id, cost.order[2])][1] or business_day(cost.confirmed_at))
        for cost in _by_document(rows)
    ]


def cost_point(cost: DocumentCost, item: Any, day: date) -> CostPoint[Any]:
    return CostPoint(item, day, cost.order, cost.unit_cost_cents)


def cost_report(
    session: Session, product: t.Product, *, limit: int
) -> dict[str, Any]:
    """The product cost endpoint: the last cost, where it comes from, and its history."""
    history = sorted(_by_document(session.execute(_intakes([product.id])).all()),
                     key=lambda cost: cost.order, reverse=True)
    invoices = {i.id: i for i in session.scalars(
        select(Doc).where(Doc.id.in_({cost.invoice_id for cost in history[:limit]})))}
    suppliers = supplier_names(session, (i.supplier_id for i in invoices.values()))
    codes = store_codes(session)
    entries = []
    for cost in history[:limit]:
        invoice = invoices.get(cost.invoice_id)
        entries.append({
            "invoice_id": cost.invoice_id,
            "document": document_of(invoice),
            "issuer_cuit": invoice.issuer_cuit if invoice else None,
            "supplier": suppliers.get(invoice.supplier_id) if invoice and invoice.supplier_id
            else None,
            "store": codes.get(invoice.store_id) if invoice and invoice.store_id else None,
            "issued_on": invoice.issued_on if invoice else None,
            "confirmed_at": cost.confirmed_at,
            "quantity": milli_to_quantity(cost.qty_milli),
            "unit_cost": amount(cost.unit_cost_cents),
        })
    latest = history[0] if history else None
    last: int | None
    source: str | None
    if latest is not None:
        last, source = latest.unit_cost_cents, "invoice"
    else:
        last = product.last_cost_cents
        source = "catalog" if last is not None else None
    return {
        "product": product_summary(product), "last_cost": amount(last), "source": source,
        "catalog_last_cost": amount(product.last_cost_cents),
        "confirmations": len(history), "history": entries,
    }

