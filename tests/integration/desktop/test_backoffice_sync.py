"""What the back office records (intake, provisional supplier, counts) is accepted by central."""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.counting import CountStatus, cancel_count, commit_count, count_item, start_count
from desktop.app.intake import IntakeDraft, SupplierRef, confirm_intake, supplier_by_cuit
from desktop.app.stock_actions import move
from shared.db import tables as t
from shared.db.stock_levels import cached_levels
from shared.domain.enums import DocumentKind, MovementKind
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import Recorder, load_replica
from sync.client import SyncClient, outbox_counts
from sync.server import Pusher
from sync.transport_local import LocalTransport
from tests.integration.desktop.backoffice_data import (
    AZUCAR_EAN,
    KNOWN_CUIT,
    NEW_CUIT,
    STORE,
    YERBA_EAN,
    make_backoffice,
    seed_catalog,
)

pytestmark = pytest.mark.postgres


def transactions(engine):
    @contextmanager
    def transaction():
        with Session(engine) as session, session.begin():
            yield session

    return transaction


def test_intake_counts_and_a_provisional_supplier_reach_central_accepted(make_engine):
    central = make_engine("postgres")
    with Session(central) as session, session.begin():
        products = seed_catalog(Recorder(session, load_replica(session)))
    pc = make_backoffice(make_engine("sqlcipher"), seed=False)
    client = SyncClient(transactions(pc.engine), LocalTransport(
        transactions(central), Pusher(STORE, pc.replica.device_id), HybridLogicalClock()),
        pc.replica.clock)
    client.sync()  # the catalog comes down
    pc.products = products

    draft = IntakeDraft(supplier=SupplierRef.new_provisional(NEW_CUIT, "Almacén Norte"),
                        letter="B", point_of_sale=7, number=42)
    with pc.read() as session:
        draft.add_line(session, YERBA_EAN, 12, Decimal("3025.00"), supplier_code="YM-1000")
        draft.add_line(session, AZUCAR_EAN, 10, Decimal("1105.00"))
    intake = pc.write(confirm_intake, draft)
    with pc.read() as session:
        credit = IntakeDraft(supplier=supplier_by_cuit(session, KNOWN_CUIT), letter="A",
                             kind=DocumentKind.CREDIT_NOTE, point_of_sale=1, number=5)
        credit.add_line(session, "AZ1", 2, Decimal("1000"))
    returned = pc.write(confirm_intake, credit)
    count_id = pc.write(start_count, "Góndola 1")
    pc.write(count_item, count_id, "YE1", 11)
    pc.write(move, "AZ1", MovementKind.SALE, Decimal(1))
    pc.write(count_item, count_id, "AZ1", 6)
    pc.write(commit_count, count_id)
    cancelled = pc.write(start_count)
    pc.write(cancel_count, cancelled)
    with pc.read() as session:
        made_here = outbox_counts(session)["pending"]

    report = client.sync()

    assert (report.pushed, report.refused, report.refusals) == (made_here, 0, [])
    with pc.read() as session:
        assert outbox_counts(session) == {"pending": 0, "accepted": made_here, "refused": 0}
        pc_levels = {pair: qty for pair, qty in cached_levels(session).items() if qty}
    with Session(central) as session:
        supplier = session.get(t.Supplier, intake.supplier_id)
        assert (supplier.cuit, supplier.name, supplier.provisional) == (
            NEW_CUIT, "Almacén Norte", True)
        mapping = session.scalars(select(t.SupplierProductCode)).one()  # learnt from the line
        assert (mapping.supplier_id, mapping.supplier_code) == (intake.supplier_id, "YM-1000")
        keys = set(session.scalars(select(t.InvoiceConfirmation.invoice_key)))
        assert keys == {intake.invoice_key, returned.invoice_key}
        costs = {(m.kind, m.qty_milli, m.unit_cost_cents) for m in session.scalars(
            select(t.StockMovement).where(t.StockMovement.invoice_key.is_not(None)))}
        assert costs == {(MovementKind.INTAKE, 12_000, 250_000),
                         (MovementKind.INTAKE, 10_000, 100_000),
                         (MovementKind.SUPPLIER_RETURN, -2_000, 100_000)}
        statuses = {row.id: row.status for row in session.scalars(select(t.CountSession))}
        assert statuses == {count_id: CountStatus.COMMITTED, cancelled: CountStatus.CANCELLED}
        counted = sorted(e.qty_milli for e in session.scalars(select(t.CountEntry)))
        assert counted == [6_000, 11_000]
        central_levels = {pair: qty for pair, qty in cached_levels(session).items() if qty}
    assert central_levels == pc_levels
    assert pc_levels == {(STORE, products["YE1"]): 11_000, (STORE, products["AZ1"]): 6_000}
