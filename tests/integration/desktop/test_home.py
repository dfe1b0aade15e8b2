"""The Inicio summary for a known business day (America/Argentina/Buenos_Aires)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from desktop.app.home import home_summary
from desktop.app.intake import IntakeDraft, confirm_intake, supplier_by_cuit
from desktop.app.quantities import day_bounds, today
from desktop.app.stock_actions import move
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.ids import new_id
from shared.ops.apply import apply_operations
from shared.ops.model import Operation, OpKind
from shared.ops.recorder import Recorder
from tests.integration.desktop.backoffice_data import KNOWN_CUIT, STORE, make_backoffice


@pytest.fixture
def office(make_engine):
    return make_backoffice(make_engine("sqlcipher"))


def sell(office, at, lines, *, kind=MovementKind.SALE, document=None, reference="counter"):
    """One counter document: ``lines`` of (sku, signed thousandths), at ``at``."""
    document = document or uuid.uuid4()
    with office.read() as session, session.begin():
        recorder = Recorder(session, office.replica)
        for sku, milli in lines:
            recorder.append("stock_movement", {
                "store_id": STORE, "product_id": office.products[sku], "kind": kind,
                "qty_milli": milli, "document_id": document, "reference": reference,
                "occurred_at": at}, store_id=STORE)
    return document


def test_home_summary_of_a_known_day(office):
    day = today()
    start, end = day_bounds(day)
    assert end - start == timedelta(hours=24)  # Buenos Aires keeps no daylight saving
    assert start.hour == 3  # midnight there is 03:00 UTC
    minute = timedelta(minutes=1)
    sell(office, start + minute, [("YE1", -2_000), ("QU1", -350)])  # 9000.00 + 2800.00
    sell(office, end - minute, [("AZ1", -1_000)])  # 1500.00
    sell(office, start - minute, [("YE1", -5_000)])  # the day before, there
    sell(office, end + minute, [("AC1", -1_000)])  # the day after
    reverted = sell(office, start + 2 * minute, [("FI1", -3_000)])
    sell(office, start + 3 * minute, [("FI1", 3_000)], document=reverted, reference="revert")
    sell(office, start + 4 * minute, [("AZ1", 1_000)], kind=MovementKind.CUSTOMER_RETURN)

    with office.read() as session:
        draft = IntakeDraft(supplier=supplier_by_cuit(session, KNOWN_CUIT), letter="A",
                            point_of_sale=1, number=99)
        draft.add_line(session, "YE1", 10, Decimal("2500"))
    ours = office.write(confirm_intake, draft)
    office.write(move, "AZ1", MovementKind.INTAKE, Decimal(5))  # no document
    with office.read() as session, session.begin():  # another PC confirmed it first
        mine = session.get(t.InvoiceConfirmation, ours.confirmation_id)
        apply_operations(session, [Operation(
            new_id(), mine.hlc - 1, uuid.uuid4(), None, OpKind.APPEND, "invoice_confirmation",
            new_id(), STORE, {
                "invoice_id": str(uuid.uuid4()), "invoice_key": ours.invoice_key,
                "store_id": str(STORE), "confirmed_at": mine.confirmed_at.isoformat(),
                "movements": [{"id": str(new_id()), "product_id": str(office.products["YE1"]),
                               "kind": 1, "qty_milli": 10_000,
                               "occurred_at": mine.confirmed_at.isoformat()}]})])
    with office.as_hq() as hq:  # a box's price changed yesterday: relabel it
        hq.append("price", {"product_id": office.products["CJ-7790001000019"],
                            "store_id": None, "price_cents": 4_500_000,
                            "effective_from": day - timedelta(days=1)})
    with office.read() as session, session.begin():
        entries = session.scalars(select(t.OutboxEntry.op_id)).all()
        session.execute(update(t.OutboxEntry).where(t.OutboxEntry.op_id == entries[0])
                        .values(status="refused", reason="forbidden"))

    with office.read() as session:
        summary = home_summary(session, STORE, day, critical_limit=1)
        everything = home_summary(session, STORE, day)

    assert summary.day == day
    sales = summary.sales
    assert (sales.tickets, sales.lines, sales.units, sales.amount_cents,
            sales.unpriced_lines, sales.returns) == (2, 3, Decimal("3.350"), 1_330_000, 0, 1)
    intakes = summary.intakes
    assert (intakes.documents, intakes.lines, intakes.units, intakes.duplicates) == (2, 3, 15, 1)
    # levels: YE1 -2 -5 +10 = 3 (min 3), AZ1 -1 +1 +5 = 5 (min 5), AC1 -1 (min 2),
    # QU1 -0.350 (min 1): the oil is the shortest
    assert [(c.sku, c.level, c.minimum, c.shortage) for c in summary.critical] == [
        ("AC1", -1, 2, 3)]
    assert summary.critical_total == 2
    assert [c.sku for c in everything.critical] == ["AC1", "QU1"]
    assert everything.critical[1].shortage == Decimal("1.350")
    assert summary.price_changes == 1
    assert (summary.outbox_pending, summary.outbox_refused) == (len(entries) - 1, 1)

    with office.read() as session:  # the day before holds only its own sale
        before = home_summary(session, STORE, day - timedelta(days=1))
    assert (before.sales.tickets, before.sales.amount_cents, before.intakes.documents) == (
        1, 2_250_000, 0)
