"""A provisional product made at one store's counter, promoted or merged by HQ, reaches
the other stores whole (or not at all) through the in-process sync."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import identity
from central.deposito.schemas import ProductUpdate, SupplierUpdate
from central.deposito.service import merging
from central.deposito.service.publishing import record_fields
from desktop.app.stock_actions import move
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.errors import UnknownProduct
from shared.domain.ids import new_id
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import Recorder, load_replica
from shared.services.catalog import find_product
from shared.services.stock import stock_snapshot
from tests.integration.sync.test_client import make_pc

EAN_NEW = "7790001000029"
EAN_REAL = "7790001000012"


class Chain:
    """Central and one PC in each of two stores, syncing through the in-process transport."""

    def __init__(self, make_engine):
        self.central = make_engine("postgres")
        self.clock = HybridLogicalClock()
        with self.hq() as (session, recorder):
            self.a = identity.add_store(session, recorder, "S1", "Centro")
            self.b = identity.add_store(session, recorder, "S2", "Norte")
            self.real = new_id()
            recorder.upsert("product", self.real, {
                "sku": "Y1", "name": "Yerba", "unit": "unidad", "vat_rate": "21",
                "provisional": False, "archived": False, "merged_into": None})
            recorder.upsert("barcode", new_id(), {"code": EAN_REAL, "product_id": self.real})
        self.pc_a_db, self.pc_b_db = make_engine("sqlcipher"), make_engine("sqlite")
        self.pc_a, self.client_a = make_pc(self.pc_a_db, self.central, self.a, self.clock)
        self.pc_b, self.client_b = make_pc(self.pc_b_db, self.central, self.b, self.clock)
        self.sync()

    def hq(self):
        return _Unit(self.central, None)

    def at(self, which):
        return _Unit(self.pc_a_db if which == "a" else self.pc_b_db,
                     self.pc_a if which == "a" else self.pc_b)

    def sync(self):
        for client in (self.client_a, self.client_b, self.client_a):
            report = client.sync()
            assert report.refused == 0, report.refusals

    def provisional_product(self, which, sku, code, supplier_id=None):
        """What the counter does for an unknown barcode: a provisional product in its scope."""
        store = self.a if which == "a" else self.b
        product_id = new_id()
        with self.at(which) as (session, recorder):
            recorder.upsert("product", product_id, {
                "sku": sku, "name": "alfajor?", "unit": "unidad", "vat_rate": "21",
                "category": None, "supplier_id": supplier_id, "provisional": True},
                store_id=store)
            recorder.upsert("barcode", new_id(), {"code": code, "product_id": product_id},
                            store_id=store)
            move(session, recorder, store, code, MovementKind.SALE, Decimal(2))
        return product_id


class _Unit:
    def __init__(self, engine, replica):
        self.engine, self.replica = engine, replica

    def __enter__(self):
        self.session = Session(self.engine)
        self.session.begin()
        return self.session, Recorder(self.session, self.replica or load_replica(self.session))

    def __exit__(self, kind, value, trace):
        if kind is None:
            self.session.commit()
        self.session.close()


def product_and_barcodes(engine, product_id):
    with Session(engine) as session:
        product = session.get(t.Product, product_id)
        barcodes = session.scalars(select(t.Barcode).where(
            t.Barcode.product_id == product_id, t.Barcode.deleted.is_(False))).all()
        return (None if product is None else record_fields("product", product),
                sorted((b.id, b.code) for b in barcodes))


@pytest.fixture
def chain(make_engine):
    return Chain(make_engine)


def test_a_promoted_product_reaches_another_store_whole_with_its_barcode(chain):
    supplier_id = new_id()
    with chain.at("a") as (_session, recorder):
        recorder.upsert("supplier", supplier_id, {"cuit": "30500010912", "name": "Sur",
                                                  "provisional": True}, store_id=chain.a)
    product_id = chain.provisional_product("a", "PROV-A1", EAN_NEW, supplier_id)
    chain.sync()
    with Session(chain.pc_b_db) as session, pytest.raises(UnknownProduct):
        find_product(session, EAN_NEW)  # still the other store's own

    with chain.hq() as (session, recorder):
        merging.promote_product(session, recorder, product_id, ProductUpdate(
            name="Alfajor triple", category="Golosinas"))
    chain.sync()

    at_central = product_and_barcodes(chain.central, product_id)
    assert at_central[0]["name"] == "Alfajor triple" and at_central[0]["provisional"] is False
    assert at_central[1] and at_central[1][0][1] == EAN_NEW
    for pc in (chain.pc_a_db, chain.pc_b_db):  # both stores hold exactly central's record
        assert product_and_barcodes(pc, product_id) == at_central
    with chain.at("b") as (session, recorder):
        match = find_product(session, EAN_NEW)
        assert (match.product.id, match.product.sku, match.product.category) == (
            product_id, "PROV-A1", "Golosinas")
        sold = move(session, recorder, chain.b, EAN_NEW, MovementKind.SALE, Decimal(1))
        assert (sold.sku, sold.name, sold.level) == ("PROV-A1", "Alfajor triple", -1)
        supplier = session.get(t.Supplier, supplier_id)  # the product's supplier came along
        assert (supplier.name, supplier.provisional) == ("Sur", True)
    chain.sync()

    with chain.hq() as (session, recorder):
        merging.promote_supplier(session, recorder, supplier_id, SupplierUpdate(
            name="Distribuidora Sur SA"))
    chain.sync()
    with Session(chain.pc_b_db) as session:
        supplier = session.get(t.Supplier, supplier_id)
        assert (supplier.name, supplier.provisional) == ("Distribuidora Sur SA", False)
    with Session(chain.central) as central:
        for store, engine in ((chain.a, chain.pc_a_db), (chain.b, chain.pc_b_db)):
            with Session(engine) as pc:
                assert stock_snapshot(pc, pc.get(t.Store, store)) == stock_snapshot(
                    central, central.get(t.Store, store))
        assert stock_snapshot(central, central.get(t.Store, chain.a))["items"] == [
            {"sku": "PROV-A1", "quantity": -2}, {"sku": "Y1", "quantity": 0}]
    with Session(chain.pc_a_db) as session:  # the other store's sale stays there
        assert session.scalars(select(t.StockMovement).where(
            t.StockMovement.store_id == chain.b)).all() == []


def test_a_merge_leaves_no_half_record_in_a_store_that_never_saw_the_product(chain):
    member = chain.provisional_product("a", "PROV-A2", EAN_NEW)
    chain.sync()
    with chain.hq() as (session, recorder):
        merging.merge_product(session, recorder, member, chain.real)
    chain.sync()

    with Session(chain.pc_b_db) as session:
        assert session.get(t.Product, member) is None
        assert find_product(session, EAN_NEW).product.id == chain.real  # the code moved
        assert all(b.code for b in session.scalars(select(t.Barcode)))
    with Session(chain.pc_a_db) as session:
        merged = session.get(t.Product, member)
        assert (merged.archived, merged.merged_into) == (True, chain.real)
        assert find_product(session, EAN_NEW).product.id == chain.real
        assert stock_snapshot(session, session.get(t.Store, chain.a))["items"] == [
            {"sku": "Y1", "quantity": -2}]
    for pc in (chain.pc_a_db, chain.pc_b_db):
        assert product_and_barcodes(pc, chain.real) == product_and_barcodes(
            chain.central, chain.real)


def test_a_merge_into_another_stores_provisional_product_sends_it_whole(chain):
    member = chain.provisional_product("a", "PROV-A3", EAN_NEW)
    target = chain.provisional_product("b", "PROV-B1", "7790001000036")
    chain.sync()
    with chain.hq() as (session, recorder):
        merging.merge_product(session, recorder, member, target)
    chain.sync()

    assert product_and_barcodes(chain.pc_a_db, target) == product_and_barcodes(
        chain.central, target)
    with Session(chain.pc_a_db) as session:
        assert find_product(session, "7790001000036").product.id == target
        assert find_product(session, "PROV-A3").product.id == target
        assert stock_snapshot(session, session.get(t.Store, chain.a))["items"] == [
            {"sku": "PROV-B1", "quantity": -2}, {"sku": "Y1", "quantity": 0}]
    with Session(chain.pc_b_db) as session:
        assert session.get(t.Product, member) is None
        assert find_product(session, EAN_NEW).product.id == target
