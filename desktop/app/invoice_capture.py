"""Invoice capture (*Recepción por foto*): an OCR reading turned into a confirmed intake.

The camera screen hands a photo to the OCR pipeline (``shared.ocr``) and the
:class:`~shared.ocr.model.InvoiceReading` it returns to :func:`review_reading`, which
builds a :class:`CaptureReview`: an :class:`~desktop.app.intake.IntakeDraft` prefilled
from the reading (supplier by CUIT, or a provisional one named as printed; type, point
of sale, number, date, total) and one :class:`CaptureLine` per printed line with its
:class:`~shared.domain.invoice_matching.LineMatch` (supplier code, EAN, description).
The person resolves what did not match and confirms with :func:`confirm_capture`::

    with store.transaction() as session:             # a worker thread, no Qt
        review = review_reading(session, reading)
    review.duplicate                                 # DocumentAlreadyRegistered or None
    review.warnings                                  # [CaptureWarning(code, text)], Spanish text
    review.unmatched                                 # indexes of lines still to resolve
    with store.transaction() as session:
        review.choose_product(session, 2, product_id)     # a candidate, or any product
    review.new_product(3, name="Alfajor triple")     # provisional, made at confirm
    review.remove_line(4)                            # not received / not ours
    review.set_quantity(0, Decimal(10)); review.set_unit_cost(0, Decimal("2500"))
    result = confirm_capture(store, review, photo_bytes, "factura.jpg", user_id=user.id)

Line indexes are positions in ``review.lines`` (the reading's order) throughout.
``review.draft`` holds the header and the lines that are resolved, in that order; edit
the header there (``review.draft.number = …``), lines through the review.

Quantities and unit costs are taken as printed: net of VAT on a Factura A or M, VAT
included on a B or C — the intake path derives the net cost (``shared.services.invoices``).
A credit note (AFIP codes 3, 8, 13, 53) becomes a return to the supplier; a debit note
moves no stock.

:func:`confirm_capture` writes the photo into the store folder's attachment store
(content-addressed, offline), then in ONE transaction records the document, its
movements and line costs, sets ``photo_sha256`` and ``extracted`` (the reading's
``ocr --json`` object, amounts as text) on the invoice, remembers the supplier's codes
and queues the photo for upload with the next sync (``sync.attachment_outbox``). A line
left unresolved raises :class:`LinesNotResolved`; an already registered document
raises :class:`~desktop.app.intake.DocumentAlreadyRegistered`. Error messages are
English, for logs; the screen shows Spanish text by type.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from desktop.app.intake import (
    LETTERS,
    DocumentAlreadyRegistered,
    IntakeDraft,
    IntakeLine,
    IntakeResult,
    SupplierRef,
    check_document,
    confirm_intake,
    supplier_by_cuit,
)
from desktop.app.provisional import SKU_PREFIX, registered_code
from desktop.app.reading_notes import spanish_notes
from desktop.app.store import StoreData
from shared.db import tables as t
from shared.domain.barcodes import InvalidBarcode
from shared.domain.cuit import InvalidCuit, format_cuit, normalize_cuit
from shared.domain.enums import DocumentKind, Unit, VatRate
from shared.domain.errors import MinimarketError, ValidationError
from shared.domain.ids import new_id
from shared.domain.invoice_matching import LineMatch, MatchCandidate
from shared.domain.invoices import LineValues, UnknownDocumentType, document_type, reconcile
from shared.domain.numbers import round_to_cents, to_milli
from shared.ocr.model import InvoiceReading, ReadLine
from shared.ops.recorder import Recorder
from shared.services.invoice_matching import match_lines
from shared.services.invoices import UnmatchedLines
from sync.attachment_outbox import queue_attachment
from sync.attachments import AttachmentStore

_RATES = {Decimal(rate.value): rate for rate in VatRate}


class LinesNotResolved(UnmatchedLines):
    """Lines still unmatched: choose a product, create a provisional one, or remove them."""

    def __init__(self, indexes: list[int], review: CaptureReview) -> None:
        self.indexes = indexes
        problems = [(f"lines.{i}.product",
                     f"line {i + 1} ({review.lines[i].read.description or 'no description'!r})"
                     " is not matched to a product") for i in indexes]
        super().__init__("match, create or remove every line before confirming", problems)


@dataclass(frozen=True)
class CaptureWarning:
    """Something the person should look at before confirming; ``text`` is es-AR."""

    code: str  # reading | supplier_unknown | document_type | line_amount | lines_vs_net |
    #            lines_vs_total | vat | net_plus_vat_vs_total | quantity | unit_price
    text: str
    line: int | None = None  # index in CaptureReview.lines


@dataclass(frozen=True)
class NewProduct:
    """A provisional product to create at confirm for a line nobody could match."""

    product_id: uuid.UUID
    name: str
    unit: Unit
    barcode: str | None  # the line's EAN when valid: the product is found by it later


@dataclass
class CaptureLine:
    """One printed line: what was read, what it matched, and the draft line once resolved."""

    read: ReadLine
    match: LineMatch
    line: IntakeLine | None = None  # in ``review.draft.lines`` unless removed
    new_product: NewProduct | None = None
    removed: bool = False

    @property
    def resolved(self) -> bool:
        return self.removed or self.line is not None


@dataclass
class CaptureReview:
    reading: InvoiceReading
    draft: IntakeDraft
    lines: list[CaptureLine]
    warnings: list[CaptureWarning] = field(default_factory=list)
    duplicate: DocumentAlreadyRegistered | None = None  # already confirmed somewhere

    @property
    def unmatched(self) -> list[int]:
        """Indexes of lines still to resolve before confirming."""
        return [i for i, line in enumerate(self.lines) if not line.resolved]

    def choose_product(self, session: Session, index: int, product_id: uuid.UUID) -> IntakeLine:
        """Match line ``index`` to a product (a candidate or one found by search)."""
        product = session.get(t.Product, product_id)
        if product is None or product.deleted:
            raise ValidationError(f"unknown product {product_id}")
        capture = self.lines[index]
        candidate = MatchCandidate(product.id, product.sku or "", product.name or "", 100.0)
        capture.new_product, capture.removed = None, False
        capture.line = _intake_line(capture.read, candidate, product.unit, product.vat_rate,
                                    self.draft.letter)
        self._sync_draft()
        return capture.line

    def new_product(self, index: int, name: str | None = None,
                    unit: Unit | str = Unit.UNIT) -> NewProduct:
        """Create a provisional product for line ``index`` when confirming (named as
        printed unless ``name`` says otherwise; found later by the line's EAN, if any)."""
        capture = self.lines[index]
        clean = " ".join((name or capture.read.description or "").split())
        if not clean:
            raise ValidationError("name the product")
        barcode = None
        if capture.read.ean:
            try:
                barcode = registered_code(capture.read.ean)
            except InvalidBarcode:
                barcode = None
        made = NewProduct(new_id(), clean[:300], Unit(unit), barcode)
        sku = SKU_PREFIX + (barcode or made.product_id.hex[-12:])
        candidate = MatchCandidate(made.product_id, sku, made.name, 100.0)
        capture.new_product, capture.removed = made, False
        capture.line = _intake_line(capture.read, candidate, made.unit.value, None,
                                    self.draft.letter)
        self._sync_draft()
        return made

    def remove_line(self, index: int) -> None:
        """Leave line ``index`` out of the intake (goods not delivered, or not for stock)."""
        capture = self.lines[index]
        capture.removed, capture.line, capture.new_product = True, None, None
        self._sync_draft()

    def set_quantity(self, index: int, quantity: Decimal | int) -> None:
        line = self._line(index)
        milli = to_milli(quantity)
        if milli <= 0:
            raise ValidationError("the quantity must be above zero")
        if line.unit != Unit.KG.value and milli % 1000:
            raise ValidationError(f"{line.sku} is sold by the unit: no fractions")
        line.qty_milli = milli

    def set_unit_cost(self, index: int, unit_cost: Decimal | int) -> None:
        cents = round_to_cents(unit_cost)
        if cents < 0:
            raise ValidationError("a unit cost cannot be negative")
        self._line(index).unit_cost_cents = cents

    def _line(self, index: int) -> IntakeLine:
        line = self.lines[index].line
        if line is None:
            raise ValidationError(f"line {index + 1} is not matched to a product yet")
        return line

    def _sync_draft(self) -> None:
        self.draft.lines = [c.line for c in self.lines if c.line is not None and not c.removed]


# --- review -------------------------------------------------------------------------------


def review_reading(session: Session, reading: InvoiceReading) -> CaptureReview:
    """The reading as a draft to check: header, matched lines, warnings, a duplicate."""
    warnings = [CaptureWarning("reading", text) for text in spanish_notes(reading.warnings)]
    draft = IntakeDraft(point_of_sale=reading.point_of_sale, number=reading.number,
                        issued_on=reading.date,
                        total_cents=_cents(reading.total))
    _set_type(draft, reading, warnings)
    draft.supplier = _supplier(session, reading, warnings)
    supplier_id = draft.supplier.supplier_id if draft.supplier else None
    matches = match_lines(session, reading.lines, supplier_id)
    products = _products(session, [m.chosen.product_id for m in matches if m.chosen])
    lines: list[CaptureLine] = []
    for index, (read, found) in enumerate(zip(reading.lines, matches, strict=True)):
        capture = CaptureLine(read, found)
        if found.chosen is not None:
            product = products.get(found.chosen.product_id)
            try:
                capture.line = _intake_line(read, found.chosen, product.unit if product else None,
                                            product.vat_rate if product else None, draft.letter)
            except ValidationError:
                warnings.append(CaptureWarning(
                    "quantity", f"Línea {index + 1}: la cantidad leída no sirve para"
                    f" {found.chosen.name}; revisala.", index))
                capture.line = None
                capture.match = LineMatch(None, found.candidates, None)
        lines.append(capture)
    review = CaptureReview(reading, draft, lines, warnings)
    review._sync_draft()
    warnings.extend(_reconciliation(reading, draft.letter))
    warnings.extend(_line_gaps(reading))
    review.duplicate = _duplicate(session, draft)
    return review


def _set_type(draft: IntakeDraft, reading: InvoiceReading,
              warnings: list[CaptureWarning]) -> None:
    if reading.afip_code is not None:
        try:
            kind = document_type(reading.afip_code)
        except UnknownDocumentType:
            warnings.append(CaptureWarning(
                "document_type", f"El código de comprobante {reading.afip_code} no es una"
                " factura ni una nota de crédito o débito que conozcamos; elegí el tipo."))
        else:
            draft.letter, draft.kind = kind.letter, kind.kind
            draft.read_code = kind.code
            return
    if reading.letter in LETTERS:
        draft.letter, draft.kind = reading.letter, DocumentKind.INVOICE
    else:
        warnings.append(CaptureWarning("document_type",
                                       "No se pudo leer la letra del comprobante; elegila."))


def _supplier(session: Session, reading: InvoiceReading,
              warnings: list[CaptureWarning]) -> SupplierRef | None:
    if not reading.supplier_cuit:
        warnings.append(CaptureWarning("supplier_unknown",
                                       "No se pudo leer el CUIT del proveedor; elegilo."))
        return None
    try:
        cuit = normalize_cuit(reading.supplier_cuit)
    except InvalidCuit:
        warnings.append(CaptureWarning(
            "supplier_unknown", f"El CUIT leído ({reading.supplier_cuit}) no es válido;"
            " elegí el proveedor."))
        return None
    known = supplier_by_cuit(session, cuit)
    if known is not None:
        return known
    warnings.append(CaptureWarning(
        "supplier_unknown", "Proveedor nuevo: se crea como provisorio con el nombre leído"
        " y la central lo revisa."))
    return SupplierRef.new_provisional(cuit, reading.supplier_name or cuit)


def _products(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, t.Product]:
    from sqlalchemy import select

    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(t.Product).where(t.Product.id.in_(ids)))}


def _rate(printed: Decimal | None) -> VatRate | None:
    return None if printed is None else _RATES.get(printed.normalize())


def _rate_of(text: str | None) -> VatRate:
    try:
        return VatRate(text) if text else VatRate.GENERAL
    except ValueError:
        return VatRate.GENERAL


def _unit_price(read: ReadLine) -> Decimal | None:
    if read.unit_price is not None:
        return read.unit_price
    if read.amount is not None and read.quantity:
        return (read.amount / read.quantity).quantize(Decimal("0.01"))
    return None


def _intake_line(read: ReadLine, product: MatchCandidate, unit: str | None,
                 product_rate: str | None, letter: str) -> IntakeLine:
    """A draft line from a printed line and the product it is: quantity and unit cost as
    printed (the intake derives the net cost), the line's VAT rate when printed."""
    unit = unit or Unit.UNIT.value
    quantity = read.quantity if read.quantity is not None and read.quantity > 0 else Decimal(1)
    milli = to_milli(quantity)
    if unit != Unit.KG.value and milli % 1000:
        raise ValidationError(f"{product.sku} is sold by the unit: no fractions")
    price = _unit_price(read)
    return IntakeLine(
        product.product_id, product.sku, product.name, unit, milli,
        _cents(price), _rate(read.vat_rate),
        _rate_of(product_rate), (read.code or "").strip()[:64] or None,
        (read.description or product.name)[:300])


def _reconciliation(reading: InvoiceReading, letter: str) -> list[CaptureWarning]:
    """The printed figures against what the printed lines add up to (in Spanish)."""
    values: list[LineValues] = []
    try:
        for read in reading.lines:
            price = _unit_price(read)
            if read.quantity is None or price is None:
                return []  # a line without figures: the totals cannot be checked
            rate = _rate(read.vat_rate) or (VatRate.ZERO if letter == "C" else VatRate.GENERAL)
            values.append(LineValues(to_milli(read.quantity), round_to_cents(price), rate,
                                     _cents(read.amount)))
        found = reconcile(values, prices_include_vat=letter in ("B", "C"),
                          net_cents=_cents(reading.net), vat_cents=_cents(reading.vat),
                          total_cents=_cents(reading.total)) if values else []
    except MinimarketError:  # a figure that is not an amount: the line warnings say so
        return []
    texts = {
        "line_amount": "el importe impreso no es cantidad × precio",
        "lines_vs_net": "las líneas no suman el subtotal neto impreso",
        "lines_vs_total": "las líneas no suman el total impreso",
        "vat": "el IVA impreso no corresponde al neto",
        "net_plus_vat_vs_total": "neto + IVA no da el total impreso",
    }
    warnings = []
    for mismatch in found:
        text = texts.get(mismatch.check, mismatch.check)
        text = f"Línea {mismatch.line_no}: {text}" if mismatch.line_no else text.capitalize()
        warnings.append(CaptureWarning(
            mismatch.check, f"{text} (esperado {_money(mismatch.expected_cents)}, impreso"
            f" {_money(mismatch.found_cents)}).",
            mismatch.line_no - 1 if mismatch.line_no else None))
    return warnings


def _line_gaps(reading: InvoiceReading) -> list[CaptureWarning]:
    found = []
    for index, read in enumerate(reading.lines):
        if read.quantity is None:
            found.append(CaptureWarning("quantity", f"Línea {index + 1}: no se leyó la"
                                        " cantidad; se propone 1.", index))
        if _unit_price(read) is None:
            found.append(CaptureWarning("unit_price", f"Línea {index + 1}: no se leyó el"
                                        " precio unitario; escribilo.", index))
    return found


def _cents(value: Decimal | None) -> int | None:
    """Cents of a printed amount (a unit price may print more decimals: rounded)."""
    return None if value is None else round_to_cents(value)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}$ {whole:,}".replace(",", ".") + f",{part:02d}"


def _duplicate(session: Session, draft: IntakeDraft) -> DocumentAlreadyRegistered | None:
    if draft.supplier is None or draft.point_of_sale is None or draft.number is None:
        return None
    try:
        check_document(session, draft)
    except DocumentAlreadyRegistered as error:
        return error
    except MinimarketError:  # incomplete or invalid header: the screen asks for it
        return None
    return None


# --- confirm --------------------------------------------------------------------------------


def extracted_json(reading: InvoiceReading, file: str | None = None) -> dict[str, Any]:
    """The reading's ``ocr --json`` object with amounts and quantities as text (exact)."""
    data = reading.to_contract()
    if file is not None:
        data["file"] = file
    return _plain(data)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def record_capture(
    session: Session, recorder: Recorder, store_id: uuid.UUID, review: CaptureReview,
    photo_sha256: str | None, photo_name: str | None = None, user_id: uuid.UUID | None = None,
) -> IntakeResult:
    """Everything :func:`confirm_capture` writes to the database, in the caller's
    transaction (``store.write(record_capture, review, sha256, name, user_id)``); the
    photo must already be in the store folder's attachment store."""
    if user_id is not None:
        recorder.user_id = user_id
    unresolved = review.unmatched
    if unresolved:
        raise LinesNotResolved(unresolved, review)
    draft = review.draft
    key = check_document(session, draft)  # raises DocumentAlreadyRegistered
    with recorder.batch():
        for capture in review.lines:
            if capture.new_product is not None and not capture.removed:
                _create_product(recorder, store_id, capture)
    # The record first, with its photo and reading; confirm_intake completes it.
    assert draft.supplier is not None
    recorder.upsert("supplier_invoice", new_id(), {
        "store_id": store_id, "issuer_cuit": draft.supplier.cuit,
        "afip_code": draft.afip_code, "point_of_sale": draft.point_of_sale,
        "number": draft.number, "invoice_key": key, "cae": review.reading.cae,
        "net_cents": _cents(review.reading.net), "vat_cents": _cents(review.reading.vat),
        "photo_sha256": photo_sha256,
        "extracted": extracted_json(review.reading, photo_name),
    }, store_id=store_id, creates=True)
    result: IntakeResult = confirm_intake(session, recorder, store_id, draft, user_id)
    if photo_sha256 is not None:
        queue_attachment(session, photo_sha256)
    return result


def _create_product(recorder: Recorder, store_id: uuid.UUID, capture: CaptureLine) -> None:
    made = capture.new_product
    assert made is not None and capture.line is not None
    recorder.upsert("product", made.product_id, {
        "sku": capture.line.sku, "name": made.name, "unit": made.unit.value,
        "provisional": True,
    }, store_id=store_id, creates=True)
    if made.barcode is not None:
        recorder.upsert("barcode", new_id(), {"code": made.barcode,
                                              "product_id": made.product_id},
                        store_id=store_id, creates=True)


def confirm_capture(
    store: StoreData, review: CaptureReview, photo: bytes, photo_name: str,
    user_id: uuid.UUID | None = None,
) -> IntakeResult:
    """Keep the photo in this store folder and confirm the reviewed document (offline).

    The photo is stored first (content-addressed: storing it again changes nothing, and
    a photo left behind by a failed confirmation is harmless); the database work is one
    transaction (:func:`record_capture`).
    """
    sha256 = hashlib.sha256(photo).hexdigest()
    if review.unmatched:
        raise LinesNotResolved(review.unmatched, review)
    AttachmentStore(store.attachments_dir).put_bytes(photo, sha256)
    result: IntakeResult = store.write(record_capture, review, sha256, photo_name, user_id)
    return result


def describe_duplicate(error: DocumentAlreadyRegistered) -> str:
    """The Spanish sentence for a document already registered."""
    return (f"{error.label} del CUIT {format_cuit(error.cuit)} ya fue registrada el"
            f" {error.confirmed_on:%d/%m/%Y} en la sucursal {error.store}.")


__all__ = [
    "CaptureLine", "CaptureReview", "CaptureWarning", "LinesNotResolved", "NewProduct",
    "confirm_capture", "describe_duplicate", "extracted_json",
    "record_capture", "review_reading",
]
