"""Manual intake (*Recepción manual*): a supplier document typed at the store, confirmed.

The screen keeps an :class:`IntakeDraft` while the person types the header and scans
the goods; nothing is written until :func:`confirm_intake`, which records the invoice
record, its lines and the confirmation (with its stock movements) in the caller's
transaction through :func:`shared.services.invoices.confirm_invoice`, the one path every
supplier document takes. Usage::

    draft = IntakeDraft(letter="A", point_of_sale=3, number=1234)
    with Session(store.engine) as session:
        draft.supplier = supplier_by_cuit(session, "30-50001091-2") or \\
            SupplierRef.new_provisional("30-50001091-2", "Distribuidora Sur")
        check_document(session, draft)          # as soon as the number is typed
        draft.add_line(session, "7790001000019", Decimal(12), Decimal("2500.00"))
    result = store.write(confirm_intake, draft, user_id=user.id)

Unit costs are typed as printed: net of VAT on a Factura A or M, VAT included on a B
or C (the shared service derives the net cost with each line's VAT rate: the product's
rate, or 0 on a Factura C, whose issuer charges no VAT). A credit note sends the goods
back to the supplier (negative movements); a debit note moves no stock.

A document already confirmed on this replica (same issuer CUIT, AFIP type code, point of
sale and number) is refused with :class:`DocumentAlreadyRegistered`. Two offline PCs may
still both confirm one: the ledger then counts the first and HQ flags the other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desktop.app.quantities import quantity_milli, today
from shared.db import tables as t
from shared.domain.cuit import format_cuit, normalize_cuit
from shared.domain.enums import AFIP_DOCUMENT_TYPES, DocumentKind, MovementKind, Unit, VatRate
from shared.domain.errors import DuplicateInvoice, MinimarketError, ValidationError
from shared.domain.ids import new_id
from shared.domain.invoices import (
    BP_PER_UNIT,
    MAX_NUMBER,
    MAX_POINT_OF_SALE,
    DocumentType,
    LineValues,
    Totals,
    divide_half_up,
    document_label,
    document_type,
    expected_totals,
    invoice_key,
)
from shared.domain.numbers import cents_to_amount, milli_to_quantity, to_cents
from shared.ops.recorder import Recorder
from shared.services.catalog import find_product, fold_text
from shared.services.invoices import (
    InvalidDocument,
    confirm_invoice,
    first_confirmation,
    live_lines,
)
from shared.services.stock import store_levels
from shared.settings import business_day

LETTERS = ("A", "B", "C", "M")
CURRENCY = "PES"  # AFIP's code for pesos, as central records it


class DocumentAlreadyRegistered(DuplicateInvoice):
    """The document was already confirmed: the fields say where and when."""

    def __init__(self, label: str, cuit: str, confirmed_on: date, store: str,
                 invoice_id: uuid.UUID) -> None:
        self.label, self.cuit, self.confirmed_on = label, cuit, confirmed_on
        self.store, self.invoice_id = store, invoice_id
        super().__init__(f"{label} of CUIT {format_cuit(cuit)} is already registered: "
                         f"confirmed on {confirmed_on:%Y-%m-%d} in store {store}")


def afip_code(letter: str, kind: DocumentKind) -> int:
    """The AFIP type code of a letter and kind: ``("A", CREDIT_NOTE)`` -> 3."""
    wanted = (letter.strip().upper(), DocumentKind(kind))
    for code, known in AFIP_DOCUMENT_TYPES.items():
        if known == wanted:
            return code
    raise ValidationError(f"there is no {wanted[1].value.replace('_', ' ')} {wanted[0]}")


# --- suppliers ------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierRef:
    """The document's issuer: a known supplier, or a provisional one to create."""

    supplier_id: uuid.UUID | None  # None: created (provisional) when the intake is confirmed
    cuit: str  # 11 digits
    name: str
    provisional: bool

    @classmethod
    def new_provisional(cls, cuit: str, name: str) -> SupplierRef:
        """A supplier HQ does not know yet; HQ later names, promotes or merges it."""
        digits = normalize_cuit(cuit)
        return cls(None, digits, " ".join(name.split()) or digits, True)


def _ref(row: t.Supplier) -> SupplierRef:
    return SupplierRef(row.id, row.cuit or "", row.name or row.cuit or "", bool(row.provisional))


def _resolve_supplier(session: Session, row: t.Supplier | None) -> t.Supplier | None:
    seen: set[uuid.UUID] = set()
    while row is not None and row.merged_into is not None and row.id not in seen:
        seen.add(row.id)
        row = session.get(t.Supplier, row.merged_into)
    return None if row is None or row.deleted else row


def supplier_by_cuit(session: Session, cuit: str) -> SupplierRef | None:
    """The supplier with this CUIT (written any usual way); a merged one leads to its target."""
    digits = normalize_cuit(cuit)
    row = session.scalars(select(t.Supplier).where(
        t.Supplier.cuit == digits, t.Supplier.deleted.is_(False)).order_by(t.Supplier.id)).first()
    found = _resolve_supplier(session, row)
    return _ref(found) if found is not None else None


def find_suppliers(session: Session, text: str, limit: int = 20) -> list[SupplierRef]:
    """Suppliers whose CUIT holds the typed digits or whose name holds every typed word."""
    words = fold_text(text).split()
    if not words:
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    rows = session.scalars(select(t.Supplier).where(
        t.Supplier.deleted.is_(False), t.Supplier.merged_into.is_(None),
        or_(t.Supplier.archived.is_(None), t.Supplier.archived.is_(False)))).all()
    found = [
        row for row in rows
        if (len(digits) >= 3 and digits in (row.cuit or ""))
        or all(word in fold_text(row.name or "") for word in words)
    ]
    found.sort(key=lambda row: (fold_text(row.name or ""), row.id))
    return [_ref(row) for row in found[:limit]]


# --- the draft ----------------------------------------------------------------------


@dataclass
class IntakeLine:
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    qty_milli: int  # always positive: the document's kind gives the sign
    unit_cost_cents: int | None  # as printed (see the module doc); None: not typed yet
    vat_rate: VatRate | None = None  # None: the product's rate (0 on a Factura C)
    product_vat_rate: VatRate = VatRate.GENERAL
    supplier_code: str | None = None
    description: str | None = None

    @property
    def quantity(self) -> int | Decimal:
        return milli_to_quantity(self.qty_milli)

    @property
    def unit_cost(self) -> Decimal | None:
        return None if self.unit_cost_cents is None else cents_to_amount(self.unit_cost_cents)

    def rate_on(self, letter: str) -> VatRate:
        if self.vat_rate is not None:
            return self.vat_rate
        return VatRate.ZERO if letter == "C" else self.product_vat_rate


@dataclass
class IntakeDraft:
    """What the person has typed so far; edit freely, then :func:`confirm_intake`."""

    supplier: SupplierRef | None = None
    letter: str = "A"  # A | B | C | M
    kind: DocumentKind = DocumentKind.INVOICE
    point_of_sale: int | None = None
    number: int | None = None
    issued_on: date | None = None  # the date printed; today when left empty
    total_cents: int | None = None  # the total printed, when typed (kept for review)
    lines: list[IntakeLine] = field(default_factory=list)
    #: The type code printed on the document (a Factura de Crédito Electrónica is 201,
    #: not 1); it counts while letter and kind still agree with it.
    read_code: int | None = None

    @property
    def afip_code(self) -> int:
        if self.read_code is not None:
            known = AFIP_DOCUMENT_TYPES.get(self.read_code)
            if known == (self.letter, DocumentKind(self.kind)):
                return self.read_code
        return afip_code(self.letter, self.kind)

    @property
    def document(self) -> DocumentType:
        return document_type(self.afip_code)

    @property
    def label(self) -> str:
        """``"Factura A 00003-00001234"`` once the type, point of sale and number are set."""
        if self.point_of_sale is None or self.number is None:
            return ""
        return document_label(self.afip_code, self.point_of_sale, self.number)

    def key(self) -> str:
        """The chain-wide document key; raises InvalidDocument naming what is missing."""
        problems = self._header_problems()
        if problems:
            raise InvalidDocument("the document is incomplete", problems)
        assert self.supplier is not None and self.point_of_sale is not None
        assert self.number is not None
        return invoice_key(self.supplier.cuit, self.afip_code, self.point_of_sale, self.number)

    def add_line(
        self, session: Session, code: str, quantity: Decimal | int | None = None,
        unit_cost: Decimal | int | None = None, *, vat_rate: VatRate | None = None,
        supplier_code: str | None = None, description: str | None = None,
    ) -> IntakeLine:
        """Add goods by a scanned or typed code (sku, barcode, scale label).

        Without a quantity a scan is one unit (a scale label: its weight). Scanning the
        same product again at the same cost adds to its line. Without a cost, the
        product's last net cost is proposed (grossed up with VAT on a B or C).
        """
        match = find_product(session, code)
        product = match.product
        if quantity is None and match.weight is None and product.unit != Unit.KG.value:
            quantity = 1  # a scan without a quantity is one unit
        milli = quantity_milli(product.sku, product.unit, quantity, match.weight)
        if milli <= 0:
            raise ValidationError("the quantity must be above zero")
        rate = _rate_of(product.vat_rate)
        cents = to_cents(unit_cost) if unit_cost is not None else self._proposed_cost(
            product.last_cost_cents, vat_rate or (VatRate.ZERO if self.letter == "C" else rate))
        if cents is not None and cents < 0:
            raise ValidationError("a unit cost cannot be negative")
        code_text = supplier_code.strip() if supplier_code and supplier_code.strip() else None
        for line in self.lines:
            if (line.product_id, line.unit_cost_cents, line.vat_rate, line.supplier_code) == (
                    product.id, cents, vat_rate, code_text):
                line.qty_milli += milli
                return line
        line = IntakeLine(product.id, product.sku or "", product.name or "",
                          product.unit or "unidad", milli, cents, vat_rate, rate, code_text,
                          description)
        self.lines.append(line)
        return line

    def _proposed_cost(self, last_cost: int | None, rate: VatRate) -> int | None:
        if last_cost is None:
            return None
        if self.document.prices_include_vat:
            return divide_half_up(last_cost * (BP_PER_UNIT + rate.basis_points), BP_PER_UNIT)
        return last_cost

    def set_quantity(self, index: int, quantity: Decimal | int) -> None:
        line = self.lines[index]
        milli = quantity_milli(line.sku, line.unit, quantity)
        if milli <= 0:
            raise ValidationError("the quantity must be above zero")
        line.qty_milli = milli

    def set_unit_cost(self, index: int, unit_cost: Decimal | int) -> None:
        cents = to_cents(unit_cost)
        if cents < 0:
            raise ValidationError("a unit cost cannot be negative")
        self.lines[index].unit_cost_cents = cents

    def remove_line(self, index: int) -> IntakeLine:
        return self.lines.pop(index)

    def totals(self) -> Totals:
        """Net, VAT and total the lines add up to (lines without a cost left out)."""
        values = [LineValues(line.qty_milli, line.unit_cost_cents, line.rate_on(self.letter))
                  for line in self.lines if line.unit_cost_cents is not None]
        return expected_totals(values, prices_include_vat=self.document.prices_include_vat)

    def problems(self) -> list[tuple[str, str]]:
        """Every field still wrong or missing, as ``(field, message)``; empty when ready."""
        found = self._header_problems()
        if not self.lines:
            found.append(("lines", "add at least one line"))
        for index, line in enumerate(self.lines):
            if line.unit_cost_cents is None:
                found.append((f"lines.{index}.unit_cost",
                              f"line {index + 1} ({line.name}): type the unit cost"))
        return found

    def _header_problems(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if self.supplier is None:
            found.append(("supplier", "choose the supplier or type its CUIT"))
        try:
            self.afip_code  # noqa: B018 - validates letter and kind
        except (MinimarketError, ValueError) as error:
            found.append(("letter", str(error)))
        if self.point_of_sale is None or not 1 <= self.point_of_sale <= MAX_POINT_OF_SALE:
            found.append(("point_of_sale", f"point of sale must be 1 to {MAX_POINT_OF_SALE}"))
        if self.number is None or not 1 <= self.number <= MAX_NUMBER:
            found.append(("number", f"document number must be 1 to {MAX_NUMBER}"))
        return found


def _rate_of(text: str | None) -> VatRate:
    try:
        return VatRate(text) if text else VatRate.GENERAL
    except ValueError:
        return VatRate.GENERAL


# --- checking and confirming ----------------------------------------------------------


def check_document(session: Session, draft: IntakeDraft) -> str:
    """The draft's document key; raises DocumentAlreadyRegistered if it was confirmed.

    Call it as soon as the header is typed, to warn before the goods are scanned.
    """
    key = draft.key()
    earlier = first_confirmation(session, invoice_key=key)
    if earlier is not None:
        store = session.get(t.Store, earlier.store_id)
        assert draft.supplier is not None
        raise DocumentAlreadyRegistered(
            draft.label, draft.supplier.cuit, business_day(earlier.confirmed_at),
            store.code or str(earlier.store_id) if store else str(earlier.store_id),
            earlier.invoice_id)
    return key


@dataclass(frozen=True)
class ReceivedLine:
    product_id: uuid.UUID
    sku: str
    name: str
    quantity: int | Decimal  # signed: negative for goods sent back on a credit note
    unit_cost_cents: int | None  # net of VAT
    level: int | Decimal  # this store's level after the intake


@dataclass(frozen=True)
class IntakeResult:
    invoice_id: uuid.UUID
    confirmation_id: uuid.UUID
    invoice_key: str
    label: str  # "Factura A 00003-00001234"
    supplier_id: uuid.UUID
    supplier_created: bool  # a provisional supplier was created for this document
    movement_kind: MovementKind | None  # INTAKE, SUPPLIER_RETURN, or None (debit note)
    lines: list[ReceivedLine]


def confirm_intake(
    session: Session, recorder: Recorder, store_id: uuid.UUID, draft: IntakeDraft,
    user_id: uuid.UUID | None = None,
) -> IntakeResult:
    """Record the document and confirm it, in the caller's transaction (``StoreData.write``).

    Raises InvalidDocument (with ``problems``) for an incomplete draft and
    DocumentAlreadyRegistered for a document already confirmed. An unconfirmed record of
    the same document for this store (registered by HQ, say) is completed and confirmed
    instead of making a second record of one document.
    """
    if user_id is not None:
        recorder.user_id = user_id
    problems = draft.problems()
    if problems:
        raise InvalidDocument("the document cannot be confirmed", problems)
    key = check_document(session, draft)
    supplier, created = _supplier_for(session, recorder, store_id, draft)
    invoice_id = _record_document(session, recorder, store_id, draft, key, supplier.supplier_id)
    confirmed = confirm_invoice(session, recorder, invoice_id, set_last_costs=False)
    by_product = {line.product_id: line for line in draft.lines}
    levels = store_levels(session, [store_id], list(by_product))
    lines = [
        ReceivedLine(m["product_id"], by_product[m["product_id"]].sku,
                     by_product[m["product_id"]].name, milli_to_quantity(m["qty_milli"]),
                     m["unit_cost_cents"],
                     milli_to_quantity(levels.get((store_id, m["product_id"]), 0)))
        for m in confirmed.movements
    ]
    assert supplier.supplier_id is not None
    return IntakeResult(invoice_id, confirmed.confirmation_id, key, draft.label,
                        supplier.supplier_id, created, confirmed.document.movement_kind, lines)


def _supplier_for(
    session: Session, recorder: Recorder, store_id: uuid.UUID, draft: IntakeDraft
) -> tuple[SupplierRef, bool]:
    chosen = draft.supplier
    assert chosen is not None
    if chosen.supplier_id is not None:
        return chosen, False
    known = supplier_by_cuit(session, chosen.cuit)  # typed as new, but known after all
    if known is not None:
        return known, False
    supplier_id = new_id()
    recorder.upsert("supplier", supplier_id, {
        "cuit": chosen.cuit, "name": chosen.name, "provisional": True,
    }, store_id=store_id, creates=True)
    return SupplierRef(supplier_id, chosen.cuit, chosen.name, True), True


def _record_document(
    session: Session, recorder: Recorder, store_id: uuid.UUID, draft: IntakeDraft, key: str,
    supplier_id: uuid.UUID | None,
) -> uuid.UUID:
    assert draft.supplier is not None
    existing = session.scalars(select(t.SupplierInvoice.id).where(
        t.SupplierInvoice.invoice_key == key, t.SupplierInvoice.store_id == store_id,
        t.SupplierInvoice.deleted.is_(False)).order_by(t.SupplierInvoice.id)).first()
    invoice_id = existing or new_id()
    recorder.upsert("supplier_invoice", invoice_id, {
        "store_id": store_id, "supplier_id": supplier_id, "issuer_cuit": draft.supplier.cuit,
        "afip_code": draft.afip_code, "point_of_sale": draft.point_of_sale,
        "number": draft.number, "invoice_key": key, "issued_on": draft.issued_on or today(),
        "currency": CURRENCY, "total_cents": draft.total_cents,
    }, store_id=store_id, creates=existing is None)
    for old in live_lines(session, invoice_id) if existing else []:
        recorder.delete("invoice_line", old.id, store_id=store_id)
    for number, line in enumerate(draft.lines, start=1):
        assert line.unit_cost_cents is not None
        recorder.upsert("invoice_line", new_id(), {
            "invoice_id": invoice_id, "line_no": number, "product_id": line.product_id,
            "supplier_code": line.supplier_code,
            "description": (line.description or line.name)[:300],
            "qty_milli": line.qty_milli, "unit_cost_cents": line.unit_cost_cents,
            "vat_rate": line.rate_on(draft.letter).value,
        }, store_id=store_id, creates=True)
    return invoice_id
