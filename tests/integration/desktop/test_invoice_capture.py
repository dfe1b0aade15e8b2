"""Invoice capture: an OCR reading reviewed and confirmed on a real SQLCipher store folder."""

import hashlib
import os
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from desktop.app.intake import DocumentAlreadyRegistered
from desktop.app.invoice_capture import (
    LinesNotResolved,
    confirm_capture,
    describe_duplicate,
    review_reading,
)
from shared.db import tables as t
from shared.domain.enums import DocumentKind, MovementKind
from shared.ocr.model import InvoiceReading, ReadLine
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import Recorder, Replica
from sync.attachment_outbox import pending_attachments
from sync.attachments import AttachmentStore
from tests.integration.desktop.backoffice_data import KNOWN_CUIT, NEW_CUIT, ean13
from tests.integration.desktop.store_folder import STORE_ID, make_store_folder

AZUCAR_EAN = ean13("779000200011")
PHOTO = b"\xff\xd8\xff\xe0 invoice photo " + os.urandom(2048)
# sku: (name, unit, VAT rate, barcode)
CATALOG = {
    "YE1": ("Yerba Mate Playadito 1 kg", "unidad", "21", None),
    "YE5": ("Yerba Mate Playadito 500 g", "unidad", "21", None),
    "AZ1": ("Azúcar Ledesma 1 kg", "unidad", "10.5", AZUCAR_EAN),
    "AC1": ("Aceite de girasol Natura 1,5 l", "unidad", "21", None),
}


@pytest.fixture
def store(tmp_path):
    store, _ = make_store_folder(tmp_path, staff=())
    hq = Replica(uuid.uuid4(), HybridLogicalClock())
    ids = {}
    with store.transaction() as session:
        recorder = Recorder(session, hq)
        recorder.upsert("supplier", uuid.uuid4(), {"cuit": KNOWN_CUIT,
                                                   "name": "Distribuidora Sur SA"})
        for sku, (name, unit, vat, code) in CATALOG.items():
            ids[sku] = uuid.uuid4()
            recorder.upsert("product", ids[sku], {"sku": sku, "name": name, "unit": unit,
                                                  "vat_rate": vat, "provisional": False})
            if code:
                recorder.upsert("barcode", uuid.uuid4(), {"code": code, "product_id": ids[sku]})
    store.products = ids
    yield store
    store.engine.dispose()


def reading(afip_code=1, number=1234, cuit=KNOWN_CUIT, lines=None, **fields) -> InvoiceReading:
    lines = lines if lines is not None else [
        ReadLine(code="A-100", description="YERBA MATE PLAYADITO 1KG", quantity=Decimal(12),
                 unit_price=Decimal("2500.00"), amount=Decimal("30000.00")),
        ReadLine(code="A-200", description="AZUCAR LEDESMA", ean=AZUCAR_EAN,
                 quantity=Decimal(10), unit_price=Decimal("1000.00"),
                 amount=Decimal("10000.00"), vat_rate=Decimal("10.5")),
        ReadLine(code="A-300", description="ACEITE GIRASOL NATURA 1.5 LT", quantity=Decimal(6),
                 unit_price=Decimal("3000.00"), amount=Decimal("18000.00")),
    ]
    values = {"file": "factura.jpg", "supplier_cuit": cuit, "supplier_name": "Distribuidora Sur",
              "letter": "A", "afip_code": afip_code, "point_of_sale": 3, "number": number,
              "date": date(2026, 11, 20), "cae": "74123456789012", "currency": "PES",
              "net": Decimal("58000.00"), "vat": Decimal("11130.00"),
              "total": Decimal("69130.00"), "lines": lines,
              "confidence": {"cuit": 1.0, "total": 0.9}, **fields}
    return InvoiceReading(**values)


def review_of(store, read):
    with store.transaction() as session:
        return review_reading(session, read)


def test_a_factura_a_reading_is_confirmed_with_its_photo_reading_and_supplier_codes(store):
    user = uuid.uuid4()
    review = review_of(store, reading())

    assert [(c.match.how, c.line.sku if c.line else None) for c in review.lines] == [
        ("description", "YE1"), ("ean", "AZ1"), ("description", "AC1")]
    assert review.unmatched == [] and review.duplicate is None
    assert (review.draft.letter, review.draft.kind, review.draft.point_of_sale,
            review.draft.number, review.draft.issued_on, review.draft.total_cents) == (
        "A", DocumentKind.INVOICE, 3, 1234, date(2026, 11, 20), 6_913_000)
    assert review.draft.supplier.cuit == KNOWN_CUIT and not review.draft.supplier.provisional
    assert [w.code for w in review.warnings] == []  # the figures add up

    result = confirm_capture(store, review, PHOTO, "factura.jpg", user_id=user)

    sha = hashlib.sha256(PHOTO).hexdigest()
    assert AttachmentStore(store.attachments_dir).path(sha).read_bytes() == PHOTO
    assert (result.label, result.movement_kind) == ("Factura A 00003-00001234",
                                                    MovementKind.INTAKE)
    # Factura A prints net prices: the costs are the printed ones
    assert [(line.sku, line.quantity, line.unit_cost_cents) for line in result.lines] == [
        ("YE1", 12, 250_000), ("AZ1", 10, 100_000), ("AC1", 6, 300_000)]
    with store.transaction() as session:
        invoice = session.get(t.SupplierInvoice, result.invoice_id)
        assert (invoice.photo_sha256, invoice.cae, invoice.net_cents, invoice.vat_cents) == (
            sha, "74123456789012", 5_800_000, 1_113_000)
        assert invoice.extracted["supplier"] == {"cuit": KNOWN_CUIT,
                                                 "name": "Distribuidora Sur"}
        assert invoice.extracted["file"] == "factura.jpg"
        assert invoice.extracted["totals"] == {"net": "58000.00", "vat": "11130.00",
                                               "total": "69130.00"}
        assert invoice.extracted["lines"][0]["unit_price"] == "2500.00"
        assert session.scalar(select(func.count()).select_from(t.SupplierInvoice)) == 1
        codes = dict(session.execute(select(t.SupplierProductCode.supplier_code,
                                            t.SupplierProductCode.product_id)).all())
        assert codes == {"A-100": store.products["YE1"], "A-200": store.products["AZ1"],
                         "A-300": store.products["AC1"]}
        moves = session.scalars(select(t.StockMovement)).all()
        assert {(m.user_id, m.invoice_key) for m in moves} == {(user, result.invoice_key)}
        assert pending_attachments(session) == [sha]

    # The next invoice of this supplier matches by its codes, whatever the description says
    later = review_of(store, reading(number=1300, lines=[
        ReadLine(code="A-100", description="YRB PLYD", quantity=Decimal(1),
                 unit_price=Decimal("2500"))]))
    assert [(c.match.how, c.line.sku) for c in later.lines] == [("supplier_code", "YE1")]


def test_b_prices_include_vat_and_the_net_cost_is_derived(store):
    review = review_of(store, reading(afip_code=6, letter="B", net=None, vat=None,
                                      total=Decimal("36300.00"), lines=[
        ReadLine(description="Yerba Mate Playadito 1kg", quantity=Decimal(12),
                 unit_price=Decimal("3025.00"), amount=Decimal("36300.00"))]))
    assert (review.draft.letter, review.warnings) == ("B", [])

    result = confirm_capture(store, review, PHOTO, "b.jpg")

    assert [(line.sku, line.unit_cost_cents) for line in result.lines] == [("YE1", 250_000)]


def test_a_credit_note_sends_the_goods_back_to_the_supplier(store):
    review = review_of(store, reading(afip_code=3, number=77, lines=[
        ReadLine(code="A-100", description="Yerba Mate Playadito 1kg", quantity=Decimal(2),
                 unit_price=Decimal("2500.00"))], net=None, vat=None, total=None))
    assert (review.draft.kind, review.draft.letter) == (DocumentKind.CREDIT_NOTE, "A")

    result = confirm_capture(store, review, PHOTO, "nc.jpg")

    assert result.movement_kind is MovementKind.SUPPLIER_RETURN
    assert [(line.sku, line.quantity) for line in result.lines] == [("YE1", -2)]


def test_a_mipyme_credit_invoice_keeps_its_own_type_code(store):
    review = review_of(store, reading(afip_code=201, number=125))
    assert (review.draft.letter, review.draft.kind, review.draft.afip_code) == (
        "A", DocumentKind.INVOICE, 201)
    review.draft.kind = DocumentKind.CREDIT_NOTE  # the clerk corrects the type
    assert review.draft.afip_code == 3


def test_an_unknown_cuit_becomes_a_provisional_supplier_named_as_printed(store):
    review = review_of(store, reading(cuit=NEW_CUIT, supplier_name="Almacén Mayorista Norte"))
    assert review.draft.supplier.provisional and review.draft.supplier.supplier_id is None
    assert "supplier_unknown" in [w.code for w in review.warnings]

    result = confirm_capture(store, review, PHOTO, "nuevo.jpg")

    assert result.supplier_created
    with store.transaction() as session:
        supplier = session.get(t.Supplier, result.supplier_id)
        assert (supplier.cuit, supplier.name, supplier.provisional) == (
            NEW_CUIT, "Almacén Mayorista Norte", True)


def test_a_registered_document_is_reported_at_review_and_refused_at_confirm(store):
    confirm_capture(store, review_of(store, reading()), PHOTO, "a.jpg")

    again = review_of(store, reading())

    assert isinstance(again.duplicate, DocumentAlreadyRegistered)
    assert (again.duplicate.label, again.duplicate.store) == ("Factura A 00003-00001234", "S1")
    assert "ya fue registrada" in describe_duplicate(again.duplicate)
    with pytest.raises(DocumentAlreadyRegistered):
        confirm_capture(store, again, PHOTO, "a.jpg")
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.InvoiceConfirmation)) == 1


def test_unmatched_lines_must_be_chosen_created_or_removed_before_confirming(store):
    review = review_of(store, reading(net=None, vat=None, total=None, lines=[
        ReadLine(code="Z-1", description="YERBA PLAYADITO", quantity=Decimal(3),
                 unit_price=Decimal("1000")),
        ReadLine(code="Z-2", description="Alfajor triple Guaymallén", ean=ean13("779999000001"),
                 quantity=Decimal(24), unit_price=Decimal("300")),
        ReadLine(code="Z-3", description="Flete", quantity=Decimal(1),
                 unit_price=Decimal("5000")),
    ]))
    assert review.unmatched == [0, 1, 2]
    assert {c.sku for c in review.lines[0].match.candidates} >= {"YE1", "YE5"}

    with pytest.raises(LinesNotResolved) as refused:
        confirm_capture(store, review, PHOTO, "x.jpg")
    assert refused.value.indexes == [0, 1, 2]
    assert not AttachmentStore(store.attachments_dir).has(hashlib.sha256(PHOTO).hexdigest())

    with store.transaction() as session:
        review.choose_product(session, 0, store.products["YE5"])
    made = review.new_product(1)
    review.remove_line(2)
    review.set_quantity(1, Decimal(20))
    assert review.unmatched == [] and [line.sku for line in review.draft.lines] == [
        "YE5", f"PROV-{made.barcode}"]

    result = confirm_capture(store, review, PHOTO, "x.jpg")

    assert [(line.sku, line.quantity) for line in result.lines] == [
        ("YE5", 3), (f"PROV-{made.barcode}", 20)]
    with store.transaction() as session:
        product = session.get(t.Product, made.product_id)
        assert (product.name, product.provisional) == ("Alfajor triple Guaymallén", True)
        barcode = session.scalars(select(t.Barcode.product_id)
                                  .where(t.Barcode.code == made.barcode)).one()
        assert barcode == made.product_id
        ops = session.scalars(select(t.OperationRow.store_id)
                              .where(t.OperationRow.entity_id == made.product_id)).all()
        assert ops == [STORE_ID]  # made in this store's scope, for HQ to promote


def test_figures_that_do_not_add_up_are_warned_in_spanish(store):
    review = review_of(store, reading(total=Decimal("70000.00")))

    warned = {w.code: w.text for w in review.warnings}
    assert "net_plus_vat_vs_total" in warned
    assert "impreso $ 70.000,00" in warned["net_plus_vat_vs_total"]


def test_the_readings_own_warnings_reach_the_person_in_spanish(store):
    read = reading()
    read.warnings = [
        "cuit: the QR says 30500010912, the text says 30500010913; using the QR",
        "net 58012.00 + VAT 11006.52 does not add up to the total 70000.00",  # checked again
        "this document is a credit note: it returns goods to the supplier",
        "letter box B does not match code 01",
        "something no rule knows about",
        "another thing no rule knows about",
    ]
    notes = [w.text for w in review_of(store, read).warnings if w.code == "reading"]
    assert notes == [
        "El QR y el texto no coinciden en el CUIT (QR: 30500010912, texto: 30500010913):"
        " se usa el del QR.",
        "Es una nota de crédito: al confirmarla, la mercadería vuelve al proveedor.",
        "La letra o el título no coinciden con el código del comprobante: elegí el tipo.",
        "La lectura marcó algo para revisar en el encabezado: compará los datos con la factura.",
    ]
    assert not any(" the " in note for note in notes)  # no English left
