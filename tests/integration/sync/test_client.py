"""Store replicas syncing with a server through the client engine: they converge."""

import uuid
from contextlib import contextmanager, suppress

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.stock_levels import cached_levels
from shared.domain.enums import MovementKind
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import ROLE_KEY, Recorder, load_replica
from sync.client import SyncClient, outbox_counts
from sync.server import Pusher
from sync.transport_local import LocalTransport


def transactions(engine):
    @contextmanager
    def transaction():
        with Session(engine) as session, session.begin():
            yield session

    return transaction


def make_pc(engine, server_engine, store_id, server_clock):
    with Session(engine) as session, session.begin():
        session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
        session.flush()
        replica = load_replica(session)
    transport = LocalTransport(transactions(server_engine), Pusher(store_id, replica.device_id),
                               server_clock)
    return replica, SyncClient(transactions(engine), transport, replica.clock)


def record(engine, replica, entity, row, store_id):
    with Session(engine) as session, session.begin():
        return Recorder(session, replica).append(entity, row, store_id=store_id)


def test_two_pcs_of_a_store_converge_and_nothing_is_doubled(make_engine):
    server = make_engine("postgres")
    store, other_store, product = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    server_clock = HybridLogicalClock()
    with Session(server) as session, session.begin():
        hq = Recorder(session, load_replica(session))
        hq.upsert("store", store, {"code": "S1", "name": "Centro"}, store_id=store)
        hq.upsert("product", product, {"sku": "Y1", "name": "Yerba", "unit": "unidad"})
    pc_a_db, pc_b_db = make_engine("sqlcipher"), make_engine("sqlite")
    pc_a, client_a = make_pc(pc_a_db, server, store, server_clock)
    pc_b, client_b = make_pc(pc_b_db, server, store, server_clock)
    client_a.sync()
    client_b.sync()

    for _ in range(3):  # offline sales on both
        record(pc_a_db, pc_a, "stock_movement", {"store_id": store, "product_id": product,
                                                 "kind": MovementKind.SALE, "qty_milli": -1000}, store)
    record(pc_b_db, pc_b, "stock_movement", {"store_id": store, "product_id": product,
                                             "kind": MovementKind.INTAKE, "qty_milli": 10_000}, store)
    # a forbidden write stays in the outbox, refused, and does not block the others
    record(pc_b_db, pc_b, "price", {"product_id": product, "store_id": store,
                                    "price_cents": 1, "effective_from": "2026-11-28"}, store)
    record(pc_b_db, pc_b, "stock_movement", {"store_id": other_store, "product_id": product,
                                             "kind": MovementKind.SALE, "qty_milli": -1000},
           other_store)
    with Session(pc_a_db) as session:
        assert outbox_counts(session)["pending"] == 3

    report_a = client_a.sync()
    report_b = client_b.sync()
    client_a.sync()  # sees B's operations
    again = client_a.sync()
    assert report_a.pushed == 3 and report_b.pushed == 1 and report_b.refused == 2
    assert {code for _, code, _ in report_b.refusals} == {"forbidden_entity", "wrong_store"}
    assert again.pushed == 0 and again.pulled == 0

    levels = []
    for engine in (server, pc_a_db, pc_b_db):
        with Session(engine) as session:
            levels.append(cached_levels(session).get((store, product)))
    assert levels == [7_000, 7_000, 7_000]
    with Session(pc_b_db) as session:
        counts = outbox_counts(session)
        refused = session.scalars(select(t.OutboxEntry).where(t.OutboxEntry.status == "refused")).all()
    assert counts == {"pending": 0, "accepted": 1, "refused": 2}
    assert all(entry.reason for entry in refused)
    with Session(pc_a_db) as session:  # nothing of the other store reached this store's PC
        assert session.scalars(select(t.StockMovement).where(
            t.StockMovement.store_id == other_store)).all() == []


def test_a_lost_acknowledgement_is_retried_without_doubling(make_engine):
    server = make_engine("postgres")
    store, product = uuid.uuid4(), uuid.uuid4()
    server_clock = HybridLogicalClock()
    pc_db = make_engine("sqlite")
    pc, client = make_pc(pc_db, server, store, server_clock)
    record(pc_db, pc, "stock_movement", {"store_id": store, "product_id": product,
                                         "kind": MovementKind.SALE, "qty_milli": -1000}, store)

    class LosesTheAnswer:
        def __init__(self, inner):
            self.inner = inner

        def push(self, request):
            self.inner.push(request)  # the server applied it...
            raise ConnectionError("connection reset")  # ...but the answer never arrived

        def pull(self, after, limit):
            return self.inner.pull(after, limit)

    flaky = SyncClient(client.transaction, LosesTheAnswer(client.transport), pc.clock)
    with suppress(ConnectionError):
        flaky.sync()
    with Session(pc_db) as session:
        assert outbox_counts(session)["pending"] == 1  # not lost: still queued
    report = client.sync()
    assert report.pushed == 0 and report.duplicates == 1
    with Session(server) as session:
        assert cached_levels(session)[(store, product)] == -1000
