"""Confirming supplier documents with the shared use case, on the store's SQLCipher too."""

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.stock_levels import cached_levels, compute_levels
from shared.domain.errors import DuplicateInvoice
from shared.ops.recorder import Recorder, load_replica
from shared.services.invoices import UnmatchedLines, confirm_invoice

CUIT = "30500010912"
SUPPLIER = uuid.UUID("01900000-0000-7000-8000-0000000000aa")


def make_document(recorder, store, product, *, code=1, number=1234, qty=12_000, price=250_000,
                  matched=True):
    invoice_id = uuid.uuid4()
    recorder.upsert("supplier_invoice", invoice_id, {
        "store_id": store, "supplier_id": SUPPLIER, "issuer_cuit": CUIT, "afip_code": code,
        "point_of_sale": 3,
        "number": number, "currency": "PES",
    }, store_id=store)
    recorder.upsert("invoice_line", uuid.uuid4(), {
        "invoice_id": invoice_id, "line_no": 1, "product_id": product if matched else None,
        "supplier_code": "A-100", "description": "Yerba mate 1kg", "qty_milli": qty,
        "unit_cost_cents": price, "vat_rate": "21",
    }, store_id=store)
    return invoice_id


@pytest.fixture
def store_and_product(engine):
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        store, product = uuid.uuid4(), uuid.uuid4()
        recorder.upsert("store", store, {"code": "S1", "name": "Centro"})
        recorder.upsert("supplier", SUPPLIER, {"cuit": CUIT, "name": "Distribuidora Sur SA"})
        recorder.upsert("product", product, {"sku": "Y1", "name": "Yerba", "unit": "unidad",
                                             "vat_rate": "21"})
    return store, product


def test_an_invoice_takes_stock_in_once_and_sets_the_net_cost(engine, store_and_product):
    store, product = store_and_product
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        invoice = make_document(recorder, store, product)
        confirm_invoice(session, recorder, invoice)
        assert cached_levels(session)[(store, product)] == 12_000
        assert session.get(t.Product, product).last_cost_cents == 250_000  # Factura A: net
        mapping = session.scalars(select(t.SupplierProductCode)).one()
        assert (mapping.supplier_code, mapping.product_id) == ("A-100", product)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        again = make_document(recorder, store, product)  # the same document typed again
        with pytest.raises(DuplicateInvoice):
            confirm_invoice(session, recorder, again)
        assert cached_levels(session)[(store, product)] == 12_000


def test_a_credit_note_sends_goods_back(engine, store_and_product):
    store, product = store_and_product
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        confirm_invoice(session, recorder, make_document(recorder, store, product))
        credit = make_document(recorder, store, product, code=3, qty=2_000)  # NC A, same number
        confirm_invoice(session, recorder, credit)
        assert cached_levels(session)[(store, product)] == 10_000
        assert compute_levels(session) == cached_levels(session)
        assert session.get(t.Product, product).last_cost_cents == 250_000


def test_unmatched_lines_block_confirmation_and_write_nothing(engine, store_and_product):
    store, product = store_and_product
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        invoice = make_document(recorder, store, product, matched=False)
        with pytest.raises(UnmatchedLines, match="match every line"):
            confirm_invoice(session, recorder, invoice)
        assert session.scalars(select(t.InvoiceConfirmation)).all() == []
        assert cached_levels(session).get((store, product), 0) == 0
