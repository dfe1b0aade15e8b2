"""Confirming a supplier document: the use case central and the store client share.

A confirmation is ONE append operation of entity ``invoice_confirmation`` that carries
all the document's stock movements, so the document moves stock all at once or not at
all: an invoice takes goods in (``INTAKE``), a credit note sends them back
(``SUPPLIER_RETURN``, negative quantities), a debit note moves nothing. In the same
transaction the products' last cost is updated (invoices only: a credit note refunds at
an old price and says nothing about today's cost) and the supplier's own product codes
are remembered, so the next document from that supplier matches by itself.

``invoice_lines.unit_cost_cents`` holds the unit price *as printed* (VAT included on a
Factura B or C); a movement's ``unit_cost_cents`` is the net cost derived from it
(:func:`shared.domain.invoices.net_unit_cost_cents`).

The same document (issuer CUIT, AFIP type code, point of sale, number) is confirmed
once per replica: a second confirmation is refused with :class:`DuplicateInvoice`. Two
offline replicas may still both confirm it; the ledger then counts the first in
operation order (shared/domain/ledger.py) and the other is flagged for review.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.cuit import format_cuit
from shared.domain.enums import MovementKind, VatRate
from shared.domain.errors import Conflict, DuplicateInvoice, NotFound, ValidationError
from shared.domain.ids import new_id
from shared.domain.invoices import (
    DocumentType,
    document_label,
    document_type,
    invoice_key,
    net_unit_cost_cents,
    weighted_unit_cost,
)
from shared.ops.recorder import Recorder
from shared.settings import business_day


class InvoiceNotFound(NotFound):
    pass


class AlreadyConfirmed(Conflict):
    pass


class InvalidDocument(ValidationError):
    """A document that cannot be confirmed as it stands; ``problems`` names each field."""

    def __init__(self, summary: str, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        details = "; ".join(message for _, message in self.problems)
        super().__init__(f"{summary}: {details}" if details else summary)


class UnmatchedLines(InvalidDocument):
    """Lines not matched to a product: the goods would not know where to go."""


@dataclass(frozen=True)
class ConfirmedInvoice:
    confirmation_id: uuid.UUID
    invoice_id: uuid.UUID
    invoice_key: str
    store_id: uuid.UUID
    document: DocumentType
    confirmed_at: datetime
    movements: list[dict[str, Any]] = field(default_factory=list)
    last_costs: dict[uuid.UUID, int] = field(default_factory=dict)

    @property
    def units_received_milli(self) -> int:
        return sum(m["qty_milli"] for m in self.movements if m["kind"] == MovementKind.INTAKE)


_RATES = frozenset(rate.value for rate in VatRate)


def line_rate(text: str | None) -> VatRate:
    """A stored line's VAT rate (the general rate where none was recorded)."""
    return VatRate(text) if text in _RATES else VatRate.GENERAL


def live_lines(session: Session, invoice_id: uuid.UUID) -> list[t.InvoiceLine]:
    return list(session.scalars(
        select(t.InvoiceLine)
        .where(t.InvoiceLine.invoice_id == invoice_id, t.InvoiceLine.deleted.is_(False))
        .order_by(t.InvoiceLine.line_no, t.InvoiceLine.id)
    ))


def first_confirmation(
    session: Session, *, invoice_id: uuid.UUID | None = None, invoice_key: str | None = None
) -> t.InvoiceConfirmation | None:
    """The first confirmation (in operation order) of an invoice record or a document key."""
    query = select(t.InvoiceConfirmation)
    if invoice_id is not None:
        query = query.where(t.InvoiceConfirmation.invoice_id == invoice_id)
    if invoice_key is not None:
        query = query.where(t.InvoiceConfirmation.invoice_key == invoice_key)
    ordered = query.order_by(t.InvoiceConfirmation.hlc, t.InvoiceConfirmation.device_id,
                             t.InvoiceConfirmation.op_id)
    return session.scalars(ordered.limit(1)).first()


def key_of(invoice: t.SupplierInvoice) -> str:
    """The document's key from its fields (never trust a stored copy of it)."""
    parts = (invoice.issuer_cuit, invoice.afip_code, invoice.point_of_sale, invoice.number)
    if any(part is None for part in parts):
        raise InvalidDocument("the document is incomplete", [
            (name, f"{name} is missing")
            for name, part in zip(("issuer_cuit", "afip_code", "point_of_sale", "number"), parts,
                                  strict=True)
            if part is None
        ])
    cuit, code, point_of_sale, number = parts
    assert cuit is not None and code is not None and point_of_sale is not None
    assert number is not None
    return invoice_key(cuit, code, point_of_sale, number)


def _lock_number(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def lock_document(session: Session, invoice: t.SupplierInvoice, key: str | None) -> None:
    """Serialise writers of one document until the transaction ends, then re-read it.

    PostgreSQL: an advisory lock on the document key (two stores' records of the same
    document collide too) and a row lock on the record (edits wait for a confirmation).
    SQLite: a no-op write as the first statement takes the database's write lock, so
    the checks that follow see every confirmation committed before ours.
    """
    if session.get_bind().dialect.name == "postgresql":
        if key is not None:
            session.execute(select(func.pg_advisory_xact_lock(_lock_number(key))))
        session.refresh(invoice, with_for_update=True)
        return
    session.execute(
        update(t.SupplierInvoice)
        .where(t.SupplierInvoice.id == invoice.id)
        .values(deleted=t.SupplierInvoice.deleted)
    )
    session.refresh(invoice)


def _refuse_duplicates(session: Session, invoice: t.SupplierInvoice, key: str) -> None:
    if first_confirmation(session, invoice_id=invoice.id) is not None:
        raise AlreadyConfirmed(f"invoice {invoice.id} is already confirmed; it cannot change")
    earlier = first_confirmation(session, invoice_key=key)
    if earlier is not None:
        store = session.get(t.Store, earlier.store_id)
        assert invoice.afip_code is not None and invoice.point_of_sale is not None
        assert invoice.number is not None and invoice.issuer_cuit is not None
        label = document_label(invoice.afip_code, invoice.point_of_sale, invoice.number)
        raise DuplicateInvoice(
            f"{label} of CUIT {format_cuit(invoice.issuer_cuit)} is already registered: "
            f"confirmed on {business_day(earlier.confirmed_at):%Y-%m-%d} in store "
            f"{store.code if store else earlier.store_id} (invoice {earlier.invoice_id})"
        )


def _check_lines(
    session: Session, lines: list[t.InvoiceLine], document: DocumentType
) -> dict[uuid.UUID, t.Product]:
    if not lines:
        raise InvalidDocument("the document has no lines", [("lines", "add at least one line")])
    problems: list[tuple[str, str]] = []
    unmatched: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        where = f"line {line.line_no or index + 1}"
        if line.qty_milli is None or line.qty_milli <= 0:
            problems.append((f"lines.{index}.quantity", f"{where}: quantity must be above zero"))
        if line.unit_cost_cents is None or line.unit_cost_cents < 0:
            problems.append((f"lines.{index}.unit_price", f"{where}: unit price is missing"))
        if line.vat_rate is not None and line.vat_rate not in _RATES:
            problems.append((f"lines.{index}.vat_rate",
                             f"{where}: VAT rate {line.vat_rate!r} is not 0, 10.5, 21 or 27"))
        elif line.vat_rate is None and document.prices_include_vat:
            problems.append((f"lines.{index}.vat_rate", f"{where}: VAT rate is missing"))
        if line.product_id is None and document.movement_kind is not None:
            code = f", code {line.supplier_code}" if line.supplier_code else ""
            unmatched.append((f"lines.{index}.product",
                              f"{where} ({line.description!r}{code}) is not matched to a product"))
    ids = {line.product_id for line in lines if line.product_id is not None}
    products = {p.id: p for p in session.scalars(
        select(t.Product).where(t.Product.id.in_(ids), t.Product.deleted.is_(False))
    )} if ids else {}
    for index, line in enumerate(lines):
        if line.product_id is not None and line.product_id not in products:
            unmatched.append((f"lines.{index}.product",
                              f"line {line.line_no}: product {line.product_id} does not exist"))
    if unmatched:
        raise UnmatchedLines("match every line to a product before confirming", unmatched)
    if problems:
        raise InvalidDocument("the document cannot be confirmed", problems)
    return products


def supplier_codes(
    session: Session, supplier_id: uuid.UUID, codes: Iterable[str]
) -> dict[str, t.SupplierProductCode]:
    """The remembered mapping of each of a supplier's own codes (the oldest record wins)."""
    wanted = sorted({code for code in codes if code})
    known: dict[str, t.SupplierProductCode] = {}
    if not wanted:
        return known
    for row in session.scalars(
        select(t.SupplierProductCode)
        .where(t.SupplierProductCode.supplier_id == supplier_id,
               t.SupplierProductCode.supplier_code.in_(wanted),
               t.SupplierProductCode.deleted.is_(False))
        .order_by(t.SupplierProductCode.id)
    ):
        if row.supplier_code is not None and row.product_id is not None:
            known.setdefault(row.supplier_code, row)
    return known


def remember_supplier_codes(
    session: Session, recorder: Recorder, supplier_id: uuid.UUID, lines: Sequence[t.InvoiceLine],
    *, store_id: uuid.UUID | None = None,
) -> None:
    """The supplier's own code of each matched line now points at that product.

    ``store_id`` scopes the mappings a store PC writes (a store may only write in its own
    scope); HQ's are chain-wide.
    """
    wanted = {
        line.supplier_code.strip(): line.product_id for line in lines
        if line.supplier_code and line.supplier_code.strip() and line.product_id is not None
    }
    known = supplier_codes(session, supplier_id, wanted)
    for code, product_id in wanted.items():
        mapping = known.get(code)
        if mapping is None:
            recorder.upsert("supplier_product_code", new_id(), {
                "supplier_id": supplier_id, "supplier_code": code, "product_id": product_id,
            }, store_id=store_id)
        elif mapping.product_id != product_id:
            recorder.upsert("supplier_product_code", mapping.id, {"product_id": product_id},
                            store_id=store_id)


def confirm_invoice(
    session: Session, recorder: Recorder, invoice_id: uuid.UUID, *,
    confirmed_at: datetime | None = None, set_last_costs: bool = True,
) -> ConfirmedInvoice:
    """Record the document's confirmation, its movements, last costs and supplier codes.

    ``set_last_costs`` writes each product's new cost into the catalog (HQ). A store
    passes False: the catalog is HQ's to write, and HQ derives last costs from the
    confirmations the store syncs (the movements carry the net unit costs).

    Raises InvoiceNotFound, AlreadyConfirmed or DuplicateInvoice (409 at central),
    UnmatchedLines or InvalidDocument (422). Never commits: the caller owns the transaction.
    """
    invoice = session.get(t.SupplierInvoice, invoice_id)
    if invoice is None or invoice.deleted:
        raise InvoiceNotFound(f"unknown invoice {invoice_id}")
    key = key_of(invoice)
    lock_document(session, invoice, key)
    if key_of(invoice) != key:  # edited while we waited: lock the document it is now
        key = key_of(invoice)
        lock_document(session, invoice, key)
    if invoice.store_id is None:
        raise InvalidDocument("the document is incomplete", [("store", "store is missing")])
    _refuse_duplicates(session, invoice, key)
    assert invoice.afip_code is not None and invoice.point_of_sale is not None
    assert invoice.number is not None
    document = document_type(invoice.afip_code)
    lines = live_lines(session, invoice.id)
    _check_lines(session, lines, document)
    moment = confirmed_at or datetime.now(UTC)
    reference = document_label(invoice.afip_code, invoice.point_of_sale, invoice.number)
    movements: list[dict[str, Any]] = []
    costs: dict[uuid.UUID, list[tuple[int, int]]] = defaultdict(list)
    kind = document.movement_kind
    for line in lines if kind is not None else []:
        assert line.qty_milli is not None and line.unit_cost_cents is not None
        assert line.product_id is not None and kind is not None
        unit_cost = net_unit_cost_cents(line.unit_cost_cents, line_rate(line.vat_rate),
                                        prices_include_vat=document.prices_include_vat)
        movements.append({
            "id": new_id(), "product_id": line.product_id, "kind": kind,
            "qty_milli": kind.sign * line.qty_milli, "unit_cost_cents": unit_cost,
            "reference": reference[:120], "occurred_at": moment,
        })
        if kind is MovementKind.INTAKE:
            costs[line.product_id].append((line.qty_milli, unit_cost))
    last_costs = {product_id: weighted_unit_cost(pairs) for product_id, pairs in costs.items()}
    confirmation_id = new_id()
    with recorder.batch():
        recorder.append("invoice_confirmation", {
            "invoice_id": invoice.id, "invoice_key": key, "store_id": invoice.store_id,
            "confirmed_at": moment, "movements": movements,
        }, row_id=confirmation_id, store_id=invoice.store_id)
        current = dict(session.execute(
            select(t.Product.id, t.Product.last_cost_cents).where(t.Product.id.in_(last_costs))
        ).all()) if last_costs and set_last_costs else {}
        for product_id, cost in last_costs.items() if set_last_costs else ():
            if current.get(product_id) != cost:
                recorder.upsert("product", product_id, {"last_cost_cents": cost})
        if invoice.supplier_id is not None and kind is not None:
            scope = invoice.store_id if recorder.replica.keeps_outbox else None
            remember_supplier_codes(session, recorder, invoice.supplier_id, lines, store_id=scope)
    return ConfirmedInvoice(confirmation_id, invoice.id, key, invoice.store_id, document, moment,
                            movements, last_costs)
