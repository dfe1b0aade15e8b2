"""A supplier's product code confirmed at one store serves every store (central copies it)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from desktop.app.invoice_capture import confirm_capture, review_reading
from shared.db import tables as t
from shared.ocr.model import InvoiceReading, ReadLine
from shared.ops.recorder import Recorder
from tests.integration.sync.central_stores import SUPPLIER_CUIT, start_central, store_pc

pytestmark = pytest.mark.postgres


@pytest.fixture
def central(pg_url, tmp_path):
    central = start_central(pg_url, tmp_path / "central")
    yield central
    central.client.__exit__(None, None, None)


def invoice(number, code, description):
    return InvoiceReading(supplier_cuit=SUPPLIER_CUIT, supplier_name="Distribuidora Sur",
                          letter="A", afip_code=1, point_of_sale=3, number=number, lines=[
        ReadLine(code=code, description=description, quantity=Decimal(6),
                 unit_price=Decimal("2500.00"))])


def capture(pc, reading, choose=None):
    with pc.store.transaction() as session:
        review = review_reading(session, reading)
        if choose is not None:
            review.choose_product(session, 0, choose)
    return review, confirm_capture(pc.store, review, b"photo %d" % reading.number, "f.jpg")


def test_a_code_confirmed_at_one_store_matches_at_another_after_sync(central, tmp_path):
    s1 = store_pc(central, tmp_path, "S1", "s1-caja")
    s2 = store_pc(central, tmp_path, "S2", "s2-caja")
    yerba = central.products["YE1"]

    review, _ = capture(s1, invoice(100, "A-100", "YERBA MATE PLAYADITO 1KG"))
    assert review.lines[0].match.how == "description"
    s1.sync()

    with s2.store.transaction() as session:  # nothing learnt yet: no sync
        before = review_reading(session, invoice(200, "A-100", "YRB PLY"))
    assert before.lines[0].match.how is None
    report = s2.sync()
    assert report.refused == 0
    with s2.store.transaction() as session:
        after = review_reading(session, invoice(200, "A-100", "YRB PLY"))
    assert (after.lines[0].match.how, after.lines[0].line.product_id) == ("supplier_code", yerba)
    with central.session() as session:
        ops = session.execute(select(t.OperationRow.store_id, t.OperationRow.user_id)
                              .where(t.OperationRow.entity == "supplier_product_code")
                              .order_by(t.OperationRow.store_id.is_(None))).all()
    assert [store for store, _ in ops] == [central.stores["S1"], None]  # the store's, its copy


def test_another_store_may_repoint_a_code_recorded_and_audited_but_not_repurpose_it(
        central, tmp_path):
    s1 = store_pc(central, tmp_path, "S1", "s1-caja")
    s2 = store_pc(central, tmp_path, "S2", "s2-caja")
    capture(s1, invoice(100, "A-100", "YERBA MATE PLAYADITO 1KG"))
    s1.sync()
    s2.sync()

    small = central.products["YE5"]
    review, _ = capture(s2, invoice(300, "A-100", "YRB PLY"), choose=small)  # the clerk knows
    assert review.lines[0].match.how == "supplier_code"
    assert s2.sync().refused == 0
    s1.sync()

    with s1.store.transaction() as session:
        later = review_reading(session, invoice(400, "A-100", "?"))
    assert later.lines[0].line.product_id == small  # last writer wins, chain-wide
    with central.session() as session:
        audit = session.scalars(select(t.AuditEvent)
                                .where(t.AuditEvent.action == "supplier_code.remapped")).all()
        assert [(a.store_id, a.details["product_id"]) for a in audit] == [
            (central.stores["S2"], str(small))]
        mapping_id = session.scalars(select(t.SupplierProductCode.id)).one()

    with s2.store.transaction() as session:  # an attempt to repurpose S1's mapping
        Recorder(session, s2.store.replica).upsert(
            "supplier_product_code", mapping_id, {"supplier_code": "B-999"},
            store_id=central.stores["S2"])
    report = s2.sync()
    assert [(code, "supplier_code" in reason) for _, code, reason in report.refusals] == [
        ("wrong_store", True)]
    with central.session() as session:
        assert session.get(t.SupplierProductCode, mapping_id).supplier_code == "A-100"
