"""Checksums and repair, tombstone compaction and full re-sync, cross-store documents."""

import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.stock_levels import cached_levels, compute_levels
from shared.domain.enums import MovementKind
from shared.domain.errors import ValidationError
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import ROLE_KEY, Recorder, load_replica
from sync.checksum import Checksum, op_digest
from sync.client import CHECKSUM_KEY, CURSOR_KEY, REPAIRS_KEY, RESYNCS_KEY, SyncClient
from sync.server import (
    TOMBSTONE_DAYS,
    Pusher,
    compact_tombstones,
    scope_checksum,
    sequence_pending,
    tombstone_horizon,
)
from sync.transport_local import LocalTransport

DAY_MS = 86_400_000


def transactions(engine):
    @contextmanager
    def transaction():
        with Session(engine) as session, session.begin():
            yield session

    return transaction


class World:
    """Central plus store PCs wired through the in-process transport."""

    def __init__(self, make_engine, backend="sqlite"):
        self.make_engine = make_engine
        self.server = make_engine(backend)
        self.clock = HybridLogicalClock()
        self.stores = [uuid.uuid4(), uuid.uuid4()]
        self.products = [uuid.uuid4(), uuid.uuid4()]
        with self.hq() as hq:
            for n, store in enumerate(self.stores):
                hq.upsert("store", store, {"code": f"S{n + 1}", "name": f"Tienda {n + 1}"},
                          store_id=store)
            for n, product in enumerate(self.products):
                hq.upsert("product", product, {"sku": f"P{n}", "name": f"Producto {n}",
                                               "unit": "unidad"})

    @contextmanager
    def hq(self):
        with Session(self.server) as session, session.begin():
            yield Recorder(session, load_replica(session))

    def pc(self, store):
        engine = self.make_engine("sqlite")
        with Session(engine) as session, session.begin():
            session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
            session.flush()
            replica = load_replica(session)
        transport = LocalTransport(transactions(self.server),
                                   Pusher(store, replica.device_id), self.clock)
        return engine, replica, SyncClient(transactions(engine), transport, replica.clock)

    def sell(self, pc, store, product, qty=1):
        engine, replica, _ = pc
        with Session(engine) as session, session.begin():
            Recorder(session, replica).append("stock_movement", {
                "store_id": store, "product_id": product, "kind": MovementKind.SALE,
                "qty_milli": -1000 * qty}, store_id=store)


def meta(engine, key):
    with Session(engine) as session:
        row = session.get(t.ReplicaMeta, key)
        return row.value if row is not None else None


def test_the_checksum_is_order_independent_and_counts_each_operation():
    ids = [uuid.uuid4() for _ in range(50)]
    forward = Checksum().add(ids)
    assert forward == Checksum().add(reversed(ids))
    assert forward.count == 50
    assert forward != Checksum().add(ids[1:])
    assert forward.minus(Checksum().add(ids[:10])) == Checksum().add(ids[10:])
    assert Checksum.parse(forward.text()) == forward
    assert op_digest(ids[0]) == op_digest(str(ids[0]))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_client_and_server_checksums_agree_at_every_cursor(make_engine, backend):
    world = World(make_engine, backend)
    store = world.stores[0]
    pc = world.pc(store)
    pc[2].sync()
    for _ in range(5):
        world.sell(pc, store, world.products[0])
    other = world.pc(world.stores[1])
    world.sell(other, world.stores[1], world.products[1])
    pc[2].sync()
    other[2].sync()
    report = pc[2].sync()
    assert report.repairs == 0
    cursor = int(meta(pc[0], CURSOR_KEY))
    with Session(world.server) as session:
        served = scope_checksum(session, store, cursor)
        in_scope = session.scalars(select(t.OperationRow.op_id).where(
            t.OperationRow.seq <= cursor,
            (t.OperationRow.store_id == store) | (t.OperationRow.store_id.is_(None)))).all()
        # at an earlier cursor the running value is taken back exactly
        assert scope_checksum(session, store, 3) == Checksum().add(session.scalars(
            select(t.OperationRow.op_id).where(
                t.OperationRow.seq <= 3,
                (t.OperationRow.store_id == store) | (t.OperationRow.store_id.is_(None)))))
    assert Checksum.parse(meta(pc[0], CHECKSUM_KEY)) == served == Checksum().add(in_scope)
    assert served.count == len(in_scope) == 2 + 1 + 5  # catalog, own store, own sales


def test_a_skipped_operation_is_found_by_the_checksum_and_repaired(make_engine):
    world = World(make_engine)
    store = world.stores[0]
    pc = world.pc(store)
    pc[2].sync()
    seller = world.pc(store)
    for _ in range(4):
        world.sell(seller, store, world.products[0])
    seller[2].sync()
    # A fault: the PC's cursor jumped past an operation it never received.
    with Session(pc[0]) as session, session.begin():
        cursor = int(session.get(t.ReplicaMeta, CURSOR_KEY).value)
    with Session(world.server) as session:
        first_sale = session.scalar(select(func.min(t.OperationRow.seq)).where(
            t.OperationRow.entity == "stock_movement"))
    original = pc[2].transport.pull

    def skipping_pull(after, limit):
        page = original(after, limit)
        if after == cursor:  # lose one operation on the way, once
            page.ops = [op for op in page.ops if op["op_id"] != lost]
        return page

    with Session(world.server) as session:
        lost = str(session.scalar(select(t.OperationRow.op_id).where(
            t.OperationRow.seq == first_sale)))
    pc[2].transport.pull = skipping_pull
    report = pc[2].sync()
    assert report.repairs == 1
    assert meta(pc[0], REPAIRS_KEY) == "1"
    with Session(pc[0]) as session:
        assert cached_levels(session) == {(store, world.products[0]): -4000}
        assert session.get(t.OperationRow, uuid.UUID(lost)) is not None
    assert pc[2].sync().repairs == 0


def test_a_server_that_keeps_disagreeing_stops_the_sync_with_a_clear_error(make_engine):
    world = World(make_engine)
    pc = world.pc(world.stores[0])
    original = pc[2].transport.pull

    def lying_pull(after, limit):
        page = original(after, limit)
        if page.checksum is not None:
            page.checksum = Checksum(1, 42).text()
        return page

    pc[2].transport.pull = lying_pull
    from sync.client import SyncStalled

    with pytest.raises(SyncStalled, match="after a repair"):
        pc[2].sync()
    with Session(pc[0]) as session:  # what was pulled is kept
        assert session.scalar(select(func.count()).select_from(t.Product)) == 2


def test_compaction_keeps_tombstones_ninety_days_and_a_pc_away_longer_resyncs(make_engine):
    world = World(make_engine, "postgres")
    store = world.stores[0]
    away, fresh = world.pc(store), world.pc(store)
    code_old, code_new = uuid.uuid4(), uuid.uuid4()
    with world.hq() as hq:
        hq.upsert("barcode", code_old, {"code": "7790000000017", "product_id": world.products[0]})
        hq.upsert("barcode", code_new, {"code": "7790000000024", "product_id": world.products[1]})
    away[2].sync()
    world.sell(away, store, world.products[0], 2)
    with world.hq() as hq:  # deleted while the PC is away
        hq.delete("barcode", code_old)
    # the away PC still holds the barcode and makes offline sales
    world.sell(away, store, world.products[1], 3)

    now_ms = world.clock.now() >> 16
    with Session(world.server) as session, session.begin():
        with pytest.raises(ValidationError, match="90 days"):
            compact_tombstones(session, older_than_days=30, now_ms=now_ms)
        kept = compact_tombstones(session, now_ms=now_ms + (TOMBSTONE_DAYS - 1) * DAY_MS)
        assert kept.records == 0 and tombstone_horizon(session) == 0
        before = scope_checksum(session, store, 10**6)
    with Session(world.server) as session, session.begin():
        done = compact_tombstones(session, now_ms=now_ms + (TOMBSTONE_DAYS + 1) * DAY_MS)
    assert done.records == 1 and done.operations == 2 and done.horizon > 0
    with Session(world.server) as session:
        assert session.get(t.Barcode, code_old) is None
        # purging does not change what the scope's checksum has counted
        assert scope_checksum(session, store, 10**6) == before

    report = away[2].sync()
    assert report.resyncs == 1 and report.repairs == 0
    assert meta(away[0], RESYNCS_KEY) == "1"
    fresh[2].sync()
    away[2].sync()
    for engine, _, _ in (away, fresh):
        with Session(engine) as session:
            codes = set(session.scalars(select(t.Barcode.code).where(
                t.Barcode.deleted.is_(False))))
            assert codes == {"7790000000024"}  # the deleted barcode is not resurrected
            assert session.get(t.Barcode, code_old) is None
            assert cached_levels(session) == compute_levels(session) == {
                (store, world.products[0]): -2000, (store, world.products[1]): -3000}
    with Session(world.server) as session:
        assert session.scalar(select(func.count()).select_from(t.Barcode)) == 1


def test_a_full_resync_keeps_refused_and_pending_operations(make_engine):
    world = World(make_engine)
    store = world.stores[0]
    pc = world.pc(store)
    pc[2].sync()
    engine, replica, client = pc
    with Session(engine) as session, session.begin():  # refused: a store may not set prices
        Recorder(session, replica).append("price", {
            "product_id": world.products[0], "store_id": store, "price_cents": 1,
            "effective_from": "2026-11-28"}, store_id=store)
    client.sync()
    world.sell(pc, store, world.products[0], 5)  # still pending
    from sync.client import outbox_counts, reset_replica

    with Session(engine) as session, session.begin():
        assert reset_replica(session) == 2
    with Session(engine) as session:
        assert outbox_counts(session) == {"pending": 1, "accepted": 0, "refused": 1}
        assert session.scalar(select(func.count()).select_from(t.Product)) == 0
        assert cached_levels(session) == {(store, world.products[0]): -5000}
    client.sync()
    with Session(engine) as session:
        assert outbox_counts(session)["refused"] == 1
        assert session.scalar(select(func.count()).select_from(t.Product)) == 2
        assert cached_levels(session) == {(store, world.products[0]): -5000}


def confirm(pc, store, key, product, qty):
    engine, replica, _ = pc
    with Session(engine) as session, session.begin():
        Recorder(session, replica).append("invoice_confirmation", {
            "invoice_id": uuid.uuid4(), "invoice_key": key, "store_id": store,
            "movements": [{"id": str(uuid.uuid4()), "product_id": str(product),
                           "kind": MovementKind.INTAKE, "qty_milli": qty}]}, store_id=store)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_document_confirmed_in_two_stores_counts_once_on_every_replica(make_engine, backend):
    world = World(make_engine, backend)
    first_store, second_store = world.stores
    product = world.products[0]
    key = "30712345671-001-00003-00001234"
    a, b = world.pc(first_store), world.pc(second_store)
    confirm(a, first_store, key, product, 12_000)  # earlier by the clock
    confirm(b, second_store, key, product, 12_000)
    b[2].sync()  # the second store syncs first: alone it counts
    with Session(b[0]) as session:
        assert cached_levels(session) == {(second_store, product): 12_000}
    a[2].sync()
    b[2].sync()
    def nonzero(levels):
        return {pair: qty for pair, qty in levels.items() if qty}

    with Session(world.server) as session:
        assert nonzero(cached_levels(session)) == {(first_store, product): 12_000}
    with Session(b[0]) as session:
        assert nonzero(cached_levels(session)) == nonzero(compute_levels(session)) == {}
        # the other store's confirmation is known by key and order, not its movements
        assert session.scalar(select(func.count()).select_from(t.StockMovement).where(
            t.StockMovement.store_id == first_store)) == 0
        assert session.scalar(select(func.count()).select_from(t.InvoiceConfirmation)) == 2
    with Session(a[0]) as session:
        assert nonzero(cached_levels(session)) == {(first_store, product): 12_000}


def test_a_pc_that_switches_servers_pulls_the_new_one_from_the_start(make_engine):
    world = World(make_engine)
    store = world.stores[0]
    pc = world.pc(store)
    for _ in range(3):
        world.sell(pc, store, world.products[0])
    pc[2].sync()
    # A second server (an edge, say) holding the same operations in another order, so
    # its sequence numbers differ from the first's.
    other = make_engine("sqlite")
    with Session(world.server) as session:
        rows = session.scalars(select(t.OperationRow).order_by(t.OperationRow.seq.desc())).all()
        wire = [{"op_id": str(r.op_id), "hlc": r.hlc, "device_id": str(r.device_id),
                 "user_id": None, "kind": r.kind, "entity": r.entity,
                 "entity_id": str(r.entity_id),
                 "store_id": str(r.store_id) if r.store_id else None, "payload": r.payload}
                for r in rows]
    from shared.ops.apply import apply_operations
    from shared.ops.model import Operation

    with Session(other) as session, session.begin():
        load_replica(session)
        for raw in wire:
            apply_operations(session, [Operation.from_wire(raw)])
            sequence_pending(session)
    world.sell(pc, store, world.products[1], 2)
    pc[2].transport = LocalTransport(transactions(other), pc[2].transport.pusher, world.clock)
    report = pc[2].sync()
    assert report.repairs == 0 and report.pushed == 1
    in_scope = [raw for raw in wire if raw["store_id"] in (None, str(store))]
    assert report.pulled == len(in_scope) + 1  # everything again, from the new server's start
    with Session(pc[0]) as session:
        assert cached_levels(session) == {(store, world.products[0]): -3000,
                                          (store, world.products[1]): -2000}
    assert pc[2].sync().pulled == 0
