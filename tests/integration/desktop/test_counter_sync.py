"""What the counter records reaches central through sync, and central accepts all of it."""

import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.provisional import create_provisional_product
from desktop.app.revert import revert_last
from desktop.app.sales import Cart, customer_return
from desktop.app.stock_actions import move
from shared.db import tables as t
from shared.db.stock_levels import cached_levels
from shared.domain.enums import MovementKind
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import Recorder, load_replica
from sync.client import SyncClient, outbox_counts
from sync.server import Pusher
from sync.transport_local import LocalTransport
from tests.integration.desktop.counter_data import (
    STORE,
    YERBA_EAN,
    ean13,
    make_counter,
    seed_catalog,
)

pytestmark = pytest.mark.postgres


def transactions(engine):
    @contextmanager
    def transaction():
        with Session(engine) as session, session.begin():
            yield session

    return transaction


def test_sales_reverts_returns_and_provisional_products_reach_central(make_engine):
    central = make_engine("postgres")
    with Session(central) as session, session.begin():
        products = seed_catalog(Recorder(session, load_replica(session)))
    pc = make_counter(make_engine("sqlcipher"), seed=False)
    server_clock = HybridLogicalClock()
    client = SyncClient(transactions(pc.engine), LocalTransport(
        transactions(central), Pusher(STORE, pc.replica.device_id), server_clock),
        pc.replica.clock)
    client.sync()  # the catalog comes down
    pc.products = products

    pc.write(move, "Y1", MovementKind.INTAKE, Decimal(5))
    unknown = ean13("779999000001")
    made = pc.write(create_provisional_product, unknown, "Alfajor triple", "unidad", 1500)
    cart = Cart(STORE)
    with pc.read() as session:
        cart.add(session, YERBA_EAN, 2)
        cart.add(session, unknown)
        cart.add(session, ean13("201234500350"))  # queso, 350 g: none in stock
    sale = pc.write(cart.confirm, user_id=uuid.UUID(int=7))
    cart.clear()
    with pc.read() as session:
        cart.add(session, "Y1")
    waste = pc.write(cart.confirm, MovementKind.WASTE, "rotura")
    pc.write(revert_last, reason="rotura mal cargada")
    pc.write(customer_return, "Y1", 1, "vencido")
    with pc.read() as session:
        made_here = outbox_counts(session)["pending"]

    report = client.sync()
    assert (report.pushed, report.refused, report.refusals) == (made_here, 0, [])
    with pc.read() as session:
        assert outbox_counts(session) == {"pending": 0, "accepted": made_here, "refused": 0}

    with Session(central) as session:
        product = session.get(t.Product, made.product_id)
        assert (product.sku, product.name, product.provisional) == (
            f"PROV-{unknown}", "Alfajor triple", True)
        assert session.scalars(select(t.Barcode.product_id).where(
            t.Barcode.code == unknown)).all() == [made.product_id]
        scopes = set(session.scalars(select(t.OperationRow.store_id).where(
            t.OperationRow.entity_id == made.product_id)))
        assert scopes == {STORE}  # no other store receives it
        documents = {}
        for row in session.scalars(select(t.StockMovement).where(
                t.StockMovement.document_id.in_((sale.document_id, waste.document_id)))):
            documents.setdefault(row.document_id, []).append(
                (row.kind, row.qty_milli, row.reference))
        central_levels = cached_levels(session)
    assert sorted(documents[sale.document_id]) == sorted([
        (MovementKind.SALE, -2000, "counter"), (MovementKind.SALE, -1000, "counter"),
        (MovementKind.SALE, -350, "counter")])
    assert sorted(documents[waste.document_id]) == [
        (MovementKind.WASTE, -1000, "counter"), (MovementKind.WASTE, 1000, "revert")]
    with pc.read() as session:
        pc_levels = cached_levels(session)
    wanted = {products["Y1"]: 4000, made.product_id: -1000, products["Q1"]: -350}
    assert {p: central_levels[(STORE, p)] for p in wanted} == wanted
    assert {p: pc_levels[(STORE, p)] for p in wanted} == wanted
