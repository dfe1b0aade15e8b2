"""Operations applied to real databases: idempotent, per-field LWW, order independent."""

import random
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.ops.apply import apply_operations
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation, OpKind
from shared.ops.recorder import Recorder, Replica, load_replica
from shared.ops.registry import BadPayload, UnknownEntity

STORE = uuid.UUID("01900000-0000-7000-8000-000000000001")


def upsert(hlc, device, entity_id, payload, entity="product"):
    return Operation(uuid.uuid4(), hlc, device, None, OpKind.UPSERT, entity, entity_id, None, payload)


def product_state(session):
    rows = session.execute(select(t.Product).order_by(t.Product.id)).scalars().all()
    return [(p.id, p.sku, p.name, p.category, p.deleted) for p in rows]


def test_a_batch_sent_twice_changes_nothing(engine):
    device = uuid.uuid4()
    product = uuid.uuid4()
    ops = [
        upsert(1, device, product, {"sku": "A", "name": "Yerba"}),
        Operation(uuid.uuid4(), 2, device, None, OpKind.APPEND, "stock_movement", uuid.uuid4(),
                  STORE, {"store_id": str(STORE), "product_id": str(product), "kind": 1,
                          "qty_milli": 5000}),
    ]
    with Session(engine) as session, session.begin():
        first = apply_operations(session, ops)
        second = apply_operations(session, ops)
        assert len(first.applied) == 2
        assert second.applied == [] and set(second.duplicates) == {op.op_id for op in ops}
        assert session.scalar(select(func.count()).select_from(t.StockMovement)) == 1
        assert session.scalar(select(t.StockLevel.qty_milli)) == 5000


def test_replicas_applying_in_different_orders_hold_the_same_data(make_engine):
    devices = [uuid.uuid4() for _ in range(3)]
    products = [uuid.uuid4() for _ in range(4)]
    rng = random.Random(7)
    ops = [
        upsert(rng.randint(1, 20), rng.choice(devices), rng.choice(products),
               {field: f"{field}-{n}" for field in rng.sample(["sku", "name", "category"], 2)})
        for n in range(60)
    ]
    ops += [upsert(rng.randint(1, 20), rng.choice(devices), rng.choice(products),
                   {"deleted": rng.choice([True, False])}) for _ in range(10)]
    states = []
    for backend in ("sqlite", "postgres", "sqlcipher"):
        shuffled = ops[:]
        rng.shuffle(shuffled)
        with Session(make_engine(backend)) as session, session.begin():
            # in uneven batches, as sync would deliver them
            for start in range(0, len(shuffled), 13):
                apply_operations(session, shuffled[start : start + 13])
            states.append(product_state(session))
    assert states[0] == states[1] == states[2]
    assert len(states[0]) == 4


def test_a_malformed_operation_is_refused_before_anything_is_written(engine):
    device = uuid.uuid4()
    good = upsert(1, device, uuid.uuid4(), {"sku": "A"})
    bad = upsert(2, device, uuid.uuid4(), {"sku": 12})
    with Session(engine) as session, session.begin():
        with pytest.raises(BadPayload, match=r"product\.sku"):
            apply_operations(session, [good, bad])
        assert session.scalar(select(func.count()).select_from(t.OperationRow)) == 0
    with Session(engine) as session, session.begin():
        with pytest.raises(UnknownEntity):
            apply_operations(session, [upsert(1, device, uuid.uuid4(), {}, entity="nope")])
        with pytest.raises(BadPayload, match="unknown field"):
            apply_operations(session, [upsert(1, device, uuid.uuid4(), {"colour": "red"})])
        movement = Operation(uuid.uuid4(), 3, device, None, OpKind.APPEND, "stock_movement",
                             uuid.uuid4(), STORE, {"store_id": str(STORE), "kind": 2})
        with pytest.raises(BadPayload, match="missing"):
            apply_operations(session, [movement])


def test_every_write_is_logged_with_device_and_user(engine):
    user = uuid.uuid4()
    with Session(engine) as session, session.begin():
        replica = load_replica(session)
        recorder = Recorder(session, replica, user_id=user)
        product = uuid.uuid4()
        op = recorder.upsert("product", product, {"sku": "X1", "name": "Test"})
        logged = session.get(t.OperationRow, op.op_id)
        assert logged.device_id == replica.device_id and logged.user_id == user
        assert logged.entity == "product" and logged.payload == {"sku": "X1", "name": "Test"}


def test_the_replica_clock_resumes_past_its_log(engine):
    with Session(engine) as session, session.begin():
        replica = load_replica(session)
        recorder = Recorder(session, replica)
        last = recorder.upsert("product", uuid.uuid4(), {"sku": "A"}).hlc
    with Session(engine) as session, session.begin():
        again = load_replica(session)
        assert again.device_id == replica.device_id
        assert again.clock.now() > last


def test_batched_writes_apply_together(engine):
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, Replica(uuid.uuid4(), HybridLogicalClock()))
        with recorder.batch():
            for n in range(1200):
                recorder.upsert("product", uuid.uuid4(), {"sku": f"S{n}", "name": f"P {n}"})
            assert session.scalar(select(func.count()).select_from(t.Product)) == 0
        assert session.scalar(select(func.count()).select_from(t.Product)) == 1200
        assert session.scalar(select(func.count()).select_from(t.OperationRow)) == 1200
