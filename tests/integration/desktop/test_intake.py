"""Manual intake (Recepción manual) on the store's SQLCipher database."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from desktop.app.intake import (
    DocumentAlreadyRegistered,
    IntakeDraft,
    SupplierRef,
    afip_code,
    check_document,
    confirm_intake,
    find_suppliers,
    supplier_by_cuit,
)
from shared.db import tables as t
from shared.db.stock_levels import cached_levels
from shared.domain.enums import DocumentKind, MovementKind, VatRate
from shared.services.invoices import InvalidDocument
from sync.client import outbox_counts
from tests.integration.desktop.backoffice_data import (
    AZUCAR_EAN,
    KNOWN_CUIT,
    NEW_CUIT,
    STORE,
    YERBA_EAN,
    make_backoffice,
)


@pytest.fixture
def office(make_engine):
    return make_backoffice(make_engine("sqlcipher"))


def level(office, sku):
    """The cached level in whole units."""
    with office.read() as session:
        return cached_levels(session).get((STORE, office.products[sku]), 0) / 1000


def rows(office, table):
    with office.read() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_intake_with_a_provisional_supplier_records_movements_and_net_costs(office):
    user = uuid.uuid4()
    draft = IntakeDraft(supplier=SupplierRef.new_provisional("30-71234567-1", " Almacén  Norte "),
                        letter="B", point_of_sale=7, number=42)
    with office.read() as session:
        assert supplier_by_cuit(session, NEW_CUIT) is None
        draft.add_line(session, YERBA_EAN, 12, Decimal("3025.00"))  # VAT 21 % included
        draft.add_line(session, AZUCAR_EAN, 10, Decimal("1105.00"))  # VAT 10.5 % included
    totals = draft.totals()
    assert (totals.total_cents, totals.net_cents) == (3_630_000 + 1_105_000, 3_000_000 + 1_000_000)

    result = office.write(confirm_intake, draft, user_id=user)

    assert (result.label, result.supplier_created, result.movement_kind) == (
        "Factura B 00007-00000042", True, MovementKind.INTAKE)
    assert result.invoice_key == f"{NEW_CUIT}-006-00007-00000042"
    assert [(line.sku, line.quantity, line.unit_cost_cents, line.level)
            for line in result.lines] == [("YE1", 12, 250_000, 12), ("AZ1", 10, 100_000, 10)]
    with office.read() as session:
        supplier = session.get(t.Supplier, result.supplier_id)
        assert (supplier.cuit, supplier.name, supplier.provisional) == (
            NEW_CUIT, "Almacén Norte", True)
        invoice = session.get(t.SupplierInvoice, result.invoice_id)
        assert (invoice.store_id, invoice.supplier_id, invoice.afip_code, invoice.point_of_sale,
                invoice.number, invoice.invoice_key) == (
            STORE, supplier.id, 6, 7, 42, result.invoice_key)
        lines = session.scalars(select(t.InvoiceLine).order_by(t.InvoiceLine.line_no)).all()
        assert [(ln.product_id, ln.qty_milli, ln.unit_cost_cents, ln.vat_rate) for ln in lines] == [
            (office.products["YE1"], 12_000, 302_500, "21"),
            (office.products["AZ1"], 10_000, 110_500, "10.5")]  # as printed
        moves = session.scalars(select(t.StockMovement).order_by(t.StockMovement.qty_milli)).all()
        assert [(m.kind, m.qty_milli, m.unit_cost_cents, m.invoice_key, m.user_id)
                for m in moves] == [
            (MovementKind.INTAKE, 10_000, 100_000, result.invoice_key, user),
            (MovementKind.INTAKE, 12_000, 250_000, result.invoice_key, user)]
        confirmation = session.get(t.InvoiceConfirmation, result.confirmation_id)
        assert (confirmation.invoice_id, confirmation.store_id) == (invoice.id, STORE)
        # the catalog is HQ's: a store does not write last costs itself
        assert session.get(t.Product, office.products["YE1"]).last_cost_cents is None
        # supplier, invoice, 2 lines, confirmation: all queued for HQ
        assert outbox_counts(session)["pending"] == 5
        assert supplier_by_cuit(session, "30-71234567-1").supplier_id == supplier.id
        assert [s.name for s in find_suppliers(session, "norte")] == ["Almacén Norte"]
        assert [s.cuit for s in find_suppliers(session, "3050")] == [KNOWN_CUIT]


def test_costs_of_a_factura_a_are_net_and_of_a_factura_c_carry_no_vat(office):
    with office.read() as session:
        known = supplier_by_cuit(session, KNOWN_CUIT)
        a = IntakeDraft(supplier=known, letter="A", point_of_sale=1, number=10)
        a.add_line(session, "YE1", 2, Decimal("2500"))
        c = IntakeDraft(supplier=known, letter="C", point_of_sale=1, number=10)
        c.add_line(session, "YE1", 1, Decimal("2600"))
    first = office.write(confirm_intake, a)
    second = office.write(confirm_intake, c)  # same number, another type: another document
    assert (first.supplier_created, first.supplier_id) == (False, known.supplier_id)
    assert [line.unit_cost_cents for line in first.lines] == [250_000]  # net as typed
    assert [line.unit_cost_cents for line in second.lines] == [260_000]  # rate 0 on a C
    assert level(office, "YE1") == 3


def test_a_document_already_registered_is_refused_and_nothing_is_written(office):
    def draft(kind=DocumentKind.INVOICE, number=1234):
        made = IntakeDraft(supplier=SupplierRef.new_provisional(NEW_CUIT, "Norte"),
                           letter="A", kind=kind, point_of_sale=3, number=number)
        with office.read() as session:
            made.add_line(session, "AZ1", 5, Decimal("1000"))
        return made

    first = office.write(confirm_intake, draft())
    before = (rows(office, t.SupplierInvoice), rows(office, t.StockMovement),
              rows(office, t.OperationRow), rows(office, t.Supplier))
    with office.read() as session, pytest.raises(DocumentAlreadyRegistered) as refused:
        check_document(session, draft())  # warned as soon as the header is typed
    assert refused.value.invoice_id == first.invoice_id and refused.value.store == "S1"
    with pytest.raises(DocumentAlreadyRegistered, match="Factura A 00003-00001234 of CUIT "
                                                        "30-71234567-1 is already registered"):
        office.write(confirm_intake, draft())
    assert (rows(office, t.SupplierInvoice), rows(office, t.StockMovement),
            rows(office, t.OperationRow), rows(office, t.Supplier)) == before
    assert level(office, "AZ1") == 5

    # the credit note with the same number is another document: goods go back
    credit = office.write(confirm_intake, draft(DocumentKind.CREDIT_NOTE))
    assert credit.movement_kind is MovementKind.SUPPLIER_RETURN
    assert credit.invoice_key.split("-")[1] == "003"  # Nota de crédito A
    assert [(line.quantity, line.level) for line in credit.lines] == [(-5, 0)]
    assert credit.supplier_id == first.supplier_id and not credit.supplier_created


def test_a_draft_merges_repeated_scans_proposes_costs_and_names_what_is_missing(office):
    with office.as_hq() as hq:
        hq.upsert("product", office.products["YE1"], {"last_cost_cents": 250_000})
    draft = IntakeDraft(letter="B")
    with office.read() as session:
        draft.add_line(session, YERBA_EAN)  # the last cost, with VAT on a B
        draft.add_line(session, "YE1", 2)
        draft.add_line(session, "AZ1", 1)  # no last cost: to be typed
    assert [(line.sku, line.quantity, line.unit_cost_cents) for line in draft.lines] == [
        ("YE1", 3, 302_500), ("AZ1", 1, None)]
    assert [name for name, _ in draft.problems()] == [
        "supplier", "point_of_sale", "number", "lines.1.unit_cost"]
    with pytest.raises(InvalidDocument) as refused:
        office.write(confirm_intake, draft)
    assert len(refused.value.problems) == 4 and rows(office, t.SupplierInvoice) == 0
    draft.set_unit_cost(1, Decimal("1105.00"))
    draft.remove_line(0)
    assert [line.rate_on("B") for line in draft.lines] == [VatRate.REDUCED]
    assert afip_code("b", DocumentKind.CREDIT_NOTE) == 8 and afip_code("C", "invoice") == 11


def test_an_unconfirmed_record_of_the_same_document_is_completed_not_duplicated(office):
    with office.as_hq() as hq:  # HQ registered the document for this store, unconfirmed
        invoice_id = uuid.uuid4()
        hq.upsert("supplier_invoice", invoice_id, {
            "store_id": STORE, "issuer_cuit": KNOWN_CUIT, "afip_code": 1, "point_of_sale": 5,
            "number": 77, "invoice_key": f"{KNOWN_CUIT}-001-00005-00000077"}, store_id=STORE)
        hq.upsert("invoice_line", uuid.uuid4(), {
            "invoice_id": invoice_id, "line_no": 1, "product_id": office.products["AZ1"],
            "qty_milli": 99_000, "unit_cost_cents": 1, "vat_rate": "21"}, store_id=STORE)
    with office.read() as session:
        draft = IntakeDraft(supplier=supplier_by_cuit(session, KNOWN_CUIT), letter="A",
                            point_of_sale=5, number=77)
        draft.add_line(session, "AZ1", 6, Decimal("1000"))
    result = office.write(confirm_intake, draft)
    assert result.invoice_id == invoice_id and rows(office, t.SupplierInvoice) == 1
    assert level(office, "AZ1") == 6  # the goods that arrived, not HQ's old lines
