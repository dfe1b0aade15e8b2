"""Each product's cost, derived from confirmed invoices in the ledger, with its history.

Only a document's first confirmation in operation order counts (the ledger rule); its
intake movements carry the net unit cost. A product's last cost is that of the latest
counting confirmation in operation order; several lines of the product in one document
give their quantity-weighted average. Credit notes do not set costs. The
``products.last_cost_cents`` column is the catalog's copy (kept current by confirmations
at HQ, or set by a catalog import); the derivation from the ledger is the authority.

Reads go through HQ's ``document_costs`` cache (:mod:`central.negocio.cost_cache`, brought
up to date with the ledger before each read); ``ledger_*`` derive the same from the
ledger itself, for checks.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Subquery, and_, case, func, or_, select
from sqlalchemy.orm import Session

from central.negocio import cost_cache
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
from shared.domain.invoices import divide_half_up, weighted_unit_cost
from shared.domain.numbers import milli_to_quantity
from shared.settings import business_day

M, C, Doc = t.StockMovement, t.InvoiceConfirmation, t.SupplierInvoice
D = t.DocumentCostRow
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


_ROW = (D.product_id, D.op_id, D.hlc, D.device_id, D.invoice_id, D.confirmed_at,
        D.qty_milli, D.value_milli_cents)


def _cost(row: Any) -> DocumentCost:
    return DocumentCost(row.product_id, divide_half_up(row.value_milli_cents, row.qty_milli),
                        row.qty_milli, (row.hlc, row.device_id, row.op_id), row.invoice_id,
                        row.confirmed_at)


def latest_costs(
    session: Session, product_ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, DocumentCost]:
    """Each product's last cost from confirmed invoices (only products that have one)."""
    cost_cache.refresh(session)
    query = select(*_ROW).where(D.latest)
    if product_ids is None:
        return {row.product_id: _cost(row) for row in session.execute(query)}
    wanted = sorted(set(product_ids))
    found: dict[uuid.UUID, DocumentCost] = {}
    for start in range(0, len(wanted), 500):
        found.update({row.product_id: _cost(row) for row in session.execute(
            query.where(D.product_id.in_(wanted[start:start + 500])))})
    return found


def with_latest_cost(session: Session, query: Select[Any], product_id: Any) -> Select[Any]:
    """``query`` with each product's last invoice cost joined (NULL columns without one);
    read it from each row with :func:`latest_cost_of`."""
    cost_cache.refresh(session)
    return query.outerjoin(D, and_(D.product_id == product_id, D.latest)).add_columns(
        D.value_milli_cents.label("cost_value_milli_cents"), D.qty_milli.label("cost_qty_milli"),
        D.confirmed_at.label("cost_confirmed_at"))


def has_latest_cost() -> Any:
    """True on the rows of a :func:`with_latest_cost` query whose product has one."""
    return D.qty_milli.is_not(None)


def latest_cost_of(row: Any) -> tuple[int, datetime] | None:
    """``(unit cost in cents, confirmed at)`` from a row of :func:`with_latest_cost`."""
    if row.cost_qty_milli is None:
        return None
    return (divide_half_up(row.cost_value_milli_cents, row.cost_qty_milli),
            row.cost_confirmed_at)


def document_costs(
    session: Session, *, until: date | None = None, since: date | None = None
) -> list[tuple[DocumentCost, uuid.UUID | None, date]]:
    """Every counting document cost with the invoice's supplier and date (for inflation),
    of documents issued in ``since``..``until`` when given."""
    cost_cache.refresh(session)
    query = (select(*_ROW, Doc.supplier_id, Doc.issued_on)
             .join(Doc, Doc.id == D.invoice_id))
    if until is not None:
        query = query.where(Doc.issued_on <= until)
    if since is not None:
        query = query.where(Doc.issued_on >= since)
    return [(_cost(row), row.supplier_id, row.issued_on or business_day(row.confirmed_at))
            for row in session.execute(query)]


@dataclass(frozen=True)
class ItemCost:
    """An item's latest document cost on one side of a date (:func:`item_costs`)."""

    product_id: uuid.UUID
    supplier_id: uuid.UUID | None
    day: date  # the invoice's date
    order: Order
    unit_cost_cents: int
    for_product: bool  # the product's latest on its side
    for_pair: bool  # the (supplier, product) pair's latest on its side


def item_costs(
    session: Session, *, split: date, until: date, since: date | None = None,
    pairs: bool = True,
) -> list[ItemCost]:
    """What a cost increase over ``split``..``until`` needs from :func:`document_costs`.

    An item's increase compares its latest cost dated after ``split`` (up to ``until``)
    with its latest dated on or before it (from ``since``), latest by invoice date then
    operation order; items without a cost on both sides say nothing. So the database
    keeps, for each product with costs on both sides (and, with ``pairs``, each supplier
    and product pair with costs on both sides), only the latest cost on each side: two
    per item instead of every document of the period.
    """
    cost_cache.refresh(session)
    after = case((Doc.issued_on > split, 1), else_=0)
    newest = (Doc.issued_on.desc(), D.hlc.desc(), D.device_id.desc(), D.op_id.desc())
    columns = [
        D.product_id, Doc.supplier_id, Doc.issued_on, D.hlc, D.device_id, D.op_id,
        D.qty_milli, D.value_milli_cents,
        func.max(after).over(partition_by=D.product_id).label("product_bought"),
        func.min(after).over(partition_by=D.product_id).label("product_known"),
        func.row_number().over(partition_by=(D.product_id, after),
                               order_by=newest).label("product_rank"),
    ]
    if pairs:
        pair = (Doc.supplier_id, D.product_id)
        columns += [func.max(after).over(partition_by=pair).label("pair_bought"),
                    func.min(after).over(partition_by=pair).label("pair_known"),
                    func.row_number().over(partition_by=(*pair, after),
                                           order_by=newest).label("pair_rank")]
    query = select(*columns).join(Doc, Doc.id == D.invoice_id).where(Doc.issued_on <= until)
    if since is not None:
        query = query.where(Doc.issued_on >= since)
    ranked = query.subquery()
    for_product = and_(ranked.c.product_bought == 1, ranked.c.product_known == 0,
                       ranked.c.product_rank == 1)
    wanted: Any = for_product
    flags = [case((for_product, 1), else_=0).label("for_product")]
    if pairs:
        for_pair = and_(ranked.c.supplier_id.is_not(None), ranked.c.pair_bought == 1,
                        ranked.c.pair_known == 0, ranked.c.pair_rank == 1)
        wanted = or_(for_product, for_pair)
        flags.append(case((for_pair, 1), else_=0).label("for_pair"))
    rows = session.execute(
        select(ranked.c.product_id, ranked.c.supplier_id, ranked.c.issued_on, ranked.c.hlc,
               ranked.c.device_id, ranked.c.op_id, ranked.c.qty_milli,
               ranked.c.value_milli_cents, *flags).where(wanted))
    return [ItemCost(row.product_id, row.supplier_id, row.issued_on,
                     (row.hlc, row.device_id, row.op_id),
                     divide_half_up(row.value_milli_cents, row.qty_milli),
                     bool(row.for_product), pairs and bool(row.for_pair))
            for row in rows]


def ledger_latest_costs(
    session: Session, product_ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, DocumentCost]:
    """``latest_costs`` derived from the ledger itself (the authority; for checks)."""
    intakes = _intakes(product_ids).subquery()
    rank = func.dense_rank().over(
        partition_by=intakes.c.product_id,
        order_by=(intakes.c.hlc.desc(), intakes.c.device_id.desc(), intakes.c.op_id.desc()),
    ).label("rank")
    ranked = select(intakes, rank).subquery()
    rows = session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {cost.product_id: cost for cost in _by_document(rows)}


def ledger_document_costs(
    session: Session, *, until: date | None = None, since: date | None = None
) -> list[tuple[DocumentCost, uuid.UUID | None, date]]:
    """``document_costs`` derived from the ledger itself (the authority; for checks)."""
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


def cost_point(cost: DocumentCost | ItemCost, item: Any, day: date) -> CostPoint[Any]:
    return CostPoint(item, day, cost.order, cost.unit_cost_cents)


def cost_report(
    session: Session, product: t.Product, *, limit: int
) -> dict[str, Any]:
    """The product cost endpoint: the last cost, where it comes from, and its history."""
    cost_cache.refresh(session)
    history = sorted((_cost(row) for row in session.scalars(
        select(D).where(D.product_id == product.id))), key=lambda cost: cost.order, reverse=True)
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

