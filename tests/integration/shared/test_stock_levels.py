"""The SQL stock cache against the pure ledger rules, on real databases."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.stock_levels import cached_levels, compute_levels, rebuild_levels
from shared.domain.ledger import Count, Movement, stock_levels
from shared.ops.apply import apply_operations
from shared.ops.model import Operation, OpKind

STORES = [uuid.UUID(int=1), uuid.UUID(int=2)]
PRODUCTS = [uuid.UUID(int=10), uuid.UUID(int=11)]
DEVICES = [uuid.UUID(int=100), uuid.UUID(int=2**127)]

entries = st.lists(
    st.tuples(
        st.sampled_from(["move", "move", "count", "confirm"]),
        st.integers(1, 25),
        st.sampled_from(DEVICES),
        st.integers(-20_000, 20_000),
        st.sampled_from(STORES),
        st.sampled_from(PRODUCTS),
        st.sampled_from(["K1", "K2"]),
    ),
    max_size=30,
)


def to_operations(drawn):
    ops = []
    for n, (kind, hlc, device, qty, store, product, key) in enumerate(drawn):
        op_id = uuid.UUID(int=(n + 1) * 7919)
        base = {"store_id": str(store), "product_id": str(product)}
        if kind == "move":
            op = Operation(op_id, hlc, device, None, OpKind.APPEND, "stock_movement",
                           uuid.UUID(int=n + 1000), store, {**base, "kind": 5, "qty_milli": qty})
        elif kind == "count":
            op = Operation(op_id, hlc, device, None, OpKind.APPEND, "count_entry",
                           uuid.UUID(int=n + 1000), store, {**base, "qty_milli": abs(qty)})
        else:  # an invoice confirmation with two lines
            movements = [
                {"id": str(uuid.UUID(int=n + 5000)), "product_id": str(product), "kind": 1,
                 "qty_milli": abs(qty)},
                {"id": str(uuid.UUID(int=n + 9000)), "product_id": str(PRODUCTS[0]), "kind": 1,
                 "qty_milli": 1000},
            ]
            op = Operation(op_id, hlc, device, None, OpKind.APPEND, "invoice_confirmation",
                           uuid.UUID(int=n + 1000), store,
                           {"invoice_id": str(uuid.UUID(int=hash(key) % 2**64)),
                            "invoice_key": key, "store_id": str(store), "movements": movements})
        ops.append(op)
    return ops


def pure_levels(ops):
    movements, counts = [], []
    for op in ops:
        store = uuid.UUID(op.payload["store_id"])
        if op.entity == "stock_movement":
            movements.append(Movement(store, uuid.UUID(op.payload["product_id"]), op.order_key,
                                      op.payload["qty_milli"]))
        elif op.entity == "count_entry":
            counts.append(Count(store, uuid.UUID(op.payload["product_id"]), op.order_key,
                                op.payload["qty_milli"]))
        else:
            movements += [Movement(store, uuid.UUID(m["product_id"]), op.order_key, m["qty_milli"],
                                   op.payload["invoice_key"]) for m in op.payload["movements"]]
    return {pair: qty for pair, qty in stock_levels(movements, counts).items()}


def nonzero(levels):
    return {pair: qty for pair, qty in levels.items() if qty != 0}


def clear_ledger(session):
    for table in (t.StockMovement, t.CountEntry, t.InvoiceConfirmation, t.StockLevel,
                  t.OperationRow):
        session.execute(delete(table))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sql_levels_follow_the_ledger_rules_whatever_the_arrival_order(make_engine, backend):
    engine = make_engine(backend)

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(entries, st.randoms(use_true_random=False))
    def check(drawn, random):
        ops = to_operations(drawn)
        expected = nonzero(pure_levels(ops))
        random.shuffle(ops)
        with Session(engine) as session, session.begin():
            clear_ledger(session)
            # in small random batches, as PCs syncing piecemeal deliver them: a batch may
            # add several movements to a pair, some sorting before its latest count
            while ops:
                size = random.randint(1, 4)
                batch, ops = ops[:size], ops[size:]
                apply_operations(session, batch)
            assert nonzero(cached_levels(session)) == expected  # incremental cache
            assert nonzero(compute_levels(session)) == expected  # full SQL
            rebuild_levels(session)
            assert nonzero(cached_levels(session)) == expected  # rebuilt cache

    check()


def test_a_late_first_confirmation_moves_stock_in_the_other_store(engine):
    """Store 2 confirmed the invoice first (by the clock) but synced last."""
    later_in_store_1 = to_operations([("confirm", 9, DEVICES[0], 5000, STORES[0], PRODUCTS[1], "K1")])
    earlier_in_store_2 = to_operations([("confirm", 3, DEVICES[1], 5000, STORES[1], PRODUCTS[1], "K1")])
    with Session(engine) as session, session.begin():
        apply_operations(session, later_in_store_1)
        assert cached_levels(session)[(STORES[0], PRODUCTS[1])] == 5000
        # a different op id and movement ids for the second confirmation
        op = earlier_in_store_2[0]
        payload = {**op.payload, "movements": [
            {**m, "id": str(uuid.uuid4())} for m in op.payload["movements"]]}
        second = Operation(uuid.uuid4(), op.hlc, op.device_id, None, op.kind, op.entity,
                           uuid.uuid4(), op.store_id, payload)
        apply_operations(session, [second])
        levels = cached_levels(session)
        assert levels.get((STORES[0], PRODUCTS[1]), 0) == 0
        assert levels[(STORES[1], PRODUCTS[1])] == 5000


def test_rebuild_repairs_a_damaged_cache(engine):
    ops = to_operations([("move", 1, DEVICES[0], 7000, STORES[0], PRODUCTS[0], "K1")])
    with Session(engine) as session, session.begin():
        apply_operations(session, ops)
        session.execute(delete(t.StockLevel))
        session.execute(insert(t.StockLevel), [{"store_id": STORES[1], "product_id": PRODUCTS[1],
                                                "qty_milli": 99}])
        assert rebuild_levels(session) == 1
        assert cached_levels(session) == {(STORES[0], PRODUCTS[0]): 7000}
