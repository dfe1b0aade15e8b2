"""The server half of sync on real databases: refusals, idempotency, scope, cursor."""

import threading
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.ops.hlc import HybridLogicalClock, pack
from shared.ops.model import Operation, OpKind
from shared.ops.recorder import Recorder, load_replica
from sync.rules import RefusalCode
from sync.server import Pusher, pull, push, sequence_pending

S1, S2 = uuid.uuid4(), uuid.uuid4()
PC1, PC2 = uuid.uuid4(), uuid.uuid4()
PRODUCT = uuid.uuid4()


def sale(device=PC1, store=S1, qty=-1000, hlc=None, product=PRODUCT):
    return Operation(uuid.uuid4(), hlc or pack(1_767_225_600_000, 0), device, None,
                     OpKind.APPEND, "stock_movement", uuid.uuid4(), store,
                     {"store_id": str(store), "product_id": str(product), "kind": 2,
                      "qty_milli": qty}).to_wire()


def seq_all(engine):
    with Session(engine) as session, session.begin():
        while sequence_pending(session):
            pass


def test_one_bad_operation_never_blocks_the_rest(engine):
    batch = [sale(), {"op_id": "not-a-uuid"}, sale(store=S2), sale(device=PC2), sale(),
             {**sale(), "entity": "nope"}, {**sale(), "hlc": pack(10**13, 0)}]
    with Session(engine) as session, session.begin():
        outcome = push(session, Pusher(S1, PC1), batch, HybridLogicalClock())
    assert len(outcome.accepted) == 2
    codes = [refusal.code for _, refusal in outcome.refused]
    assert codes == [RefusalCode.MALFORMED, RefusalCode.WRONG_STORE, RefusalCode.WRONG_DEVICE,
                     RefusalCode.FORBIDDEN_ENTITY, RefusalCode.CLOCK_AHEAD]
    assert all(refusal.reason for _, refusal in outcome.refused)
    with Session(engine) as session:
        assert len(session.scalars(select(t.StockMovement)).all()) == 2


def test_a_batch_sent_twice_changes_nothing(engine):
    batch = [sale(), sale()]
    with Session(engine) as session, session.begin():
        first = push(session, Pusher(S1, PC1), batch, HybridLogicalClock())
    with Session(engine) as session, session.begin():
        again = push(session, Pusher(S1, PC1), batch + batch, HybridLogicalClock())
    assert len(first.accepted) == 2 and again.accepted == []
    assert len(again.duplicates) == 4
    with Session(engine) as session:
        assert len(session.scalars(select(t.StockMovement)).all()) == 2


def test_a_store_pulls_the_catalog_and_its_own_data_only(engine):
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        recorder.upsert("product", PRODUCT, {"sku": "A1", "name": "Yerba"})
        recorder.upsert("user", uuid.uuid4(), {"username": "hq", "role": "admin"})
        recorder.upsert("user", uuid.uuid4(), {"username": "ana", "role": "cajero",
                                               "store_id": S1}, store_id=S1)
        recorder.upsert("user", uuid.uuid4(), {"username": "beto", "role": "cajero",
                                               "store_id": S2}, store_id=S2)
        push(session, Pusher(S2, PC2), [sale(PC2, S2)], HybridLogicalClock())
        push(session, Pusher(S1, PC1), [sale()], HybridLogicalClock())
    seq_all(engine)
    with Session(engine) as session:
        page = pull(session, S1, 0, 100)
    seen = [(op["entity"], op["payload"].get("username")) for op in page.ops]
    assert seen == [("product", None), ("user", "ana"), ("stock_movement", None)]
    assert page.cursor > 0 and not page.more


def test_pull_pages_follow_the_cursor(engine):
    with Session(engine) as session, session.begin():
        push(session, Pusher(S1, PC1), [sale() for _ in range(25)], HybridLogicalClock())
    seq_all(engine)
    seen, cursor = [], 0
    with Session(engine) as session:
        while True:
            page = pull(session, S1, cursor, 10)
            seen += [op["op_id"] for op in page.ops]
            cursor = page.cursor
            if not page.more:
                break
    assert len(seen) == len(set(seen)) == 25


@pytest.mark.parametrize("backend", ["postgres"])
def test_an_operation_that_commits_late_is_never_skipped(make_engine, backend):
    """Two writers: the first to start commits last. The cursor must not jump over it."""
    engine = make_engine(backend)
    slow_started, fast_done = threading.Event(), threading.Event()

    def slow_writer():
        with Session(engine) as session, session.begin():
            push(session, Pusher(S1, PC1), [sale(product=uuid.uuid4())], HybridLogicalClock())
            slow_started.set()
            fast_done.wait(10)  # still uncommitted while the other commits and is pulled

    worker = threading.Thread(target=slow_writer)
    worker.start()
    slow_started.wait(10)
    with Session(engine) as session, session.begin():
        push(session, Pusher(S1, PC1), [sale()], HybridLogicalClock())
    seq_all(engine)
    with Session(engine) as session:
        first = pull(session, S1, 0, 100)
    assert len(first.ops) == 1  # only the committed one is served
    fast_done.set()
    worker.join(10)
    seq_all(engine)
    with Session(engine) as session:
        second = pull(session, S1, first.cursor, 100)
    assert len(second.ops) == 1 and second.ops[0]["op_id"] != first.ops[0]["op_id"]


@pytest.mark.parametrize("backend", ["postgres"])
def test_concurrent_sales_of_one_product_keep_the_cached_level_right(make_engine, backend):
    from shared.db.stock_levels import cached_levels, compute_levels

    engine = make_engine(backend)
    barrier = threading.Barrier(4)
    errors = []

    def writer():
        try:
            barrier.wait(10)
            for _ in range(5):
                with Session(engine) as session, session.begin():
                    push(session, Pusher(S1, PC1), [sale()], HybridLogicalClock())
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with Session(engine) as session:
        assert cached_levels(session)[(S1, PRODUCT)] == -20_000
        assert compute_levels(session) == cached_levels(session)


def provisional_upsert(entity_id, name, device=PC1, store=S1, counter=5):
    return Operation(uuid.uuid4(), pack(1_767_225_600_000, counter), device, None, OpKind.UPSERT,
                     "product", entity_id, store,
                     {"name": name, "sku": f"PROV-{name}", "unit": "unidad",
                      "provisional": True}).to_wire()


def test_a_store_edits_only_its_own_provisional_records_while_they_are_provisional(engine):
    catalog, own, others = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with Session(engine) as session, session.begin():
        Recorder(session, load_replica(session)).upsert(
            "product", catalog, {"sku": "Y1", "name": "Yerba", "unit": "unidad",
                                 "provisional": False})
        first = push(session, Pusher(S1, PC1), [provisional_upsert(own, "alfajor")],
                     HybridLogicalClock())
        second = push(session, Pusher(S2, PC2),
                      [provisional_upsert(others, "turron", PC2, S2)], HybridLogicalClock())
    assert len(first.accepted) == len(second.accepted) == 1
    attempts = [provisional_upsert(catalog, "yerba-trucha"),  # HQ's catalog product
                provisional_upsert(others, "robado"),         # another store's provisional
                provisional_upsert(own, "alfajor-triple", counter=9)]  # its own: allowed
    with Session(engine) as session, session.begin():
        outcome = push(session, Pusher(S1, PC1), attempts, HybridLogicalClock())
    assert [refusal.code for _, refusal in outcome.refused] == [
        RefusalCode.FORBIDDEN_ENTITY, RefusalCode.WRONG_STORE]
    assert len(outcome.accepted) == 1
    with Session(engine) as session:
        assert session.get(t.Product, catalog).name == "Yerba"
        assert session.get(t.Product, catalog).provisional is False
        assert session.get(t.Product, others).name == "turron"
        assert session.get(t.Product, own).name == "alfajor-triple"
