"""Replicas converge: a stateful property test of the whole protocol.

Three PCs in one store and one in another sync with a server through the real client
and server code. Hypothesis drives random offline writes (sales, intakes, adjustments,
counts, invoice confirmations, some of the same document on two PCs), random syncs, and
faults: an acknowledgement lost after the server applied a batch, a server that dies
mid-batch (its transaction rolled back), a batch delivered in another order. At the end
everyone syncs; then every replica of a store holds the same levels as the server, each
level is exactly what the ledger rules give for the operations made, and nothing of one
store reached the other's PC.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from shared.db import tables as t
from shared.db.base import Base
from shared.db.engine import _sqlite_pragmas
from shared.db.stock_levels import cached_levels
from shared.domain.enums import MovementKind
from shared.domain.ledger import Count, Movement, stock_levels
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import ROLE_KEY, Recorder, load_replica
from sync.client import SyncClient, outbox_counts
from sync.server import Pusher
from sync.transport_local import LocalTransport

S1, S2 = uuid.UUID(int=0x51), uuid.UUID(int=0x52)
PRODUCTS = [uuid.UUID(int=0x100 + n) for n in range(3)]
PCS = [("A", S1), ("B", S1), ("C", S1), ("D", S2)]


def memory_engine():
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    Base.metadata.create_all(engine)  # the migrations are checked against the models elsewhere
    return engine


def transactions(engine):
    @contextmanager
    def transaction():
        with Session(engine) as session, session.begin():
            yield session

    return transaction


class ServerDied(Exception):
    pass


class FaultyTransport:
    """Wraps a transport; ``mode`` makes the next push fail in one of the ways networks do."""

    def __init__(self, inner, server_transaction):
        self.inner = inner
        self.server_transaction = server_transaction
        self.mode = None

    def push(self, request):
        mode, self.mode = self.mode, None
        if mode == "reorder":
            request = request.model_copy(update={"ops": list(reversed(request.ops))})
        if mode == "dies":
            @contextmanager
            def dying():
                with self.server_transaction() as session:
                    yield session
                    raise ServerDied("the server died before committing")

            self.inner.transaction, original = dying, self.inner.transaction
            try:
                return self.inner.push(request)
            finally:
                self.inner.transaction = original
        response = self.inner.push(request)
        if mode == "lost_ack":
            raise ConnectionError("the acknowledgement was lost")
        return response

    def pull(self, after, limit):
        return self.inner.pull(after, limit)


class Convergence(RuleBasedStateMachine):
    def make_server(self):
        return memory_engine()

    @initialize()
    def setup(self):
        self.server = self.make_server()
        self.server_clock = HybridLogicalClock()
        with Session(self.server) as session, session.begin():
            hq = Recorder(session, load_replica(session))
            for store, code in ((S1, "S1"), (S2, "S2")):
                hq.upsert("store", store, {"code": code, "name": code}, store_id=store)
            for n, product in enumerate(PRODUCTS):
                hq.upsert("product", product, {"sku": f"P{n}", "name": f"P{n}", "unit": "unidad"})
        self.pcs = {}
        for name, store in PCS:
            engine = memory_engine()
            with Session(engine) as session, session.begin():
                session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
                session.flush()
                replica = load_replica(session)
            transport = FaultyTransport(
                LocalTransport(transactions(self.server), Pusher(store, replica.device_id),
                               self.server_clock),
                transactions(self.server))
            client = SyncClient(transactions(engine), transport, replica.clock)
            self.pcs[name] = (engine, replica, store, client, transport)
            client.sync()
        self.made = []  # every ledger operation any PC made: (kind, store, payload, op)

    def _write(self, name, entity, row):
        engine, replica, store, _, _ = self.pcs[name]
        with Session(engine) as session, session.begin():
            op = Recorder(session, replica).append(entity, row, store_id=store)
        self.made.append(op)

    @rule(pc=st.sampled_from([name for name, _ in PCS]), product=st.sampled_from(PRODUCTS),
          kind=st.sampled_from([MovementKind.SALE, MovementKind.INTAKE, MovementKind.ADJUSTMENT]),
          qty=st.integers(1, 9))
    def move(self, pc, product, kind, qty):
        store = self.pcs[pc][2]
        sign = kind.sign or 1
        self._write(pc, "stock_movement", {"store_id": store, "product_id": product,
                                           "kind": kind, "qty_milli": sign * qty * 1000,
                                           "reason": "prueba"})

    @rule(pc=st.sampled_from([name for name, _ in PCS]), product=st.sampled_from(PRODUCTS),
          qty=st.integers(0, 20))
    def count(self, pc, product, qty):
        store = self.pcs[pc][2]
        self._write(pc, "count_entry", {"store_id": store, "product_id": product,
                                        "qty_milli": qty * 1000})

    @rule(pc=st.sampled_from([name for name, _ in PCS]), key=st.sampled_from(["K1", "K2"]),
          product=st.sampled_from(PRODUCTS))
    def confirm_invoice(self, pc, key, product):
        store = self.pcs[pc][2]
        self._write(pc, "invoice_confirmation", {
            "invoice_id": uuid.uuid4(), "invoice_key": key, "store_id": store,
            "movements": [{"id": str(uuid.uuid4()), "product_id": str(product), "kind": 1,
                           "qty_milli": 6000}]})

    @rule(pc=st.sampled_from([name for name, _ in PCS]),
          fault=st.sampled_from([None, None, "lost_ack", "dies", "reorder"]))
    def sync(self, pc, fault):
        _, _, _, client, transport = self.pcs[pc]
        transport.mode = fault
        try:
            client.sync()
        except (ConnectionError, ServerDied):
            pass
        finally:
            transport.mode = None  # a fault not triggered (nothing to push) does not linger

    @invariant()
    def outbox_never_loses_an_operation(self):
        for engine, *_ in self.pcs.values():
            with Session(engine) as session:
                counts = outbox_counts(session)
                assert counts["refused"] == 0
                queued = session.scalars(select(t.OutboxEntry.op_id)).all()
                own = session.scalars(select(t.OperationRow.op_id).where(
                    t.OperationRow.device_id == load_replica(session).device_id)).all()
            assert set(queued) == set(own)

    def teardown(self):
        if not hasattr(self, "made"):
            return
        for _ in range(2):
            for _, _, _, client, _ in self.pcs.values():
                client.sync()
        movements, counts = [], []
        for op in self.made:
            payload = op.payload
            store = uuid.UUID(str(payload["store_id"]))
            if op.entity == "stock_movement":
                movements.append(Movement(store, uuid.UUID(str(payload["product_id"])),
                                          op.order_key, payload["qty_milli"]))
            elif op.entity == "count_entry":
                counts.append(Count(store, uuid.UUID(str(payload["product_id"])), op.order_key,
                                    payload["qty_milli"]))
            else:
                movements += [Movement(store, uuid.UUID(m["product_id"]), op.order_key,
                                       m["qty_milli"], payload["invoice_key"])
                              for m in payload["movements"]]
        expected = {pair: qty for pair, qty in stock_levels(movements, counts).items() if qty}
        with Session(self.server) as session:
            server_levels = {p: q for p, q in cached_levels(session).items() if q}
        assert server_levels == expected  # nothing lost, nothing doubled
        for engine, _, store, _, _ in self.pcs.values():
            with Session(engine) as session:
                levels = {p: q for p, q in cached_levels(session).items() if q}
                leaked = session.scalars(select(t.StockMovement).where(
                    t.StockMovement.store_id != store)).all()
            assert levels == {p: q for p, q in expected.items() if p[0] == store}
            assert leaked == []


Convergence.TestCase.settings = settings(
    max_examples=int(__import__("os").environ.get("MINIMARKET_CONVERGENCE_EXAMPLES", "60")),
    stateful_step_count=20, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_replicas_converge = Convergence.TestCase


class ConvergenceOnPostgres(Convergence):
    """The same machine with central's database on PostgreSQL (a fresh schema per run)."""

    database_url: str = ""

    def make_server(self):
        import psycopg
        from sqlalchemy import make_url

        from shared.db.engine import create_db_engine

        self.schema = f"conv_{uuid.uuid4().hex[:12]}"
        dsn = make_url(self.database_url).set(drivername="postgresql")
        self.dsn = dsn.render_as_string(hide_password=False)
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{self.schema}"')
        url = make_url(self.database_url).update_query_dict(
            {"options": f"-csearch_path={self.schema}"})
        engine = create_db_engine(url)
        Base.metadata.create_all(engine)
        return engine

    def teardown(self):
        try:
            super().teardown()
        finally:
            if hasattr(self, "schema"):
                import psycopg

                self.server.dispose()
                with psycopg.connect(self.dsn, autocommit=True) as connection:
                    connection.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


def test_replicas_converge_with_central_on_postgres(pg_database):
    from hypothesis.stateful import run_state_machine_as_test

    ConvergenceOnPostgres.database_url = pg_database
    run_state_machine_as_test(ConvergenceOnPostgres, settings=settings(
        max_examples=int(__import__("os").environ.get("MINIMARKET_CONVERGENCE_PG_EXAMPLES", "15")),
        stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
