"""HQ's document-cost cache against the costs derived from the ledger itself.

A realistic ledger arrives in random batches, as stores syncing piecemeal deliver it:
invoices with several lines of one product (weighted, rounded half up), lines without a
cost, credit notes (supplier returns, no cost), documents confirmed twice — the repeat
sometimes carrying the earlier clock reading, so the confirmation that counts changes
after the fact — products merged into others, invoices without a date or a supplier.
After every batch the cache's answers must equal the ledger's, on SQLite and PostgreSQL;
and the reports built on the costs (inflation signals, the cost gap) must equal those
built from the ledger's costs.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from central.negocio import cost_cache, costs, inflation, inflation_signals
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.ops.apply import apply_operations
from shared.ops.model import Operation, OpKind

STORES = [uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)]
DEVICES = [uuid.UUID(int=100), uuid.UUID(int=2**127), uuid.UUID(int=2**126)]
PRODUCTS = [uuid.UUID(int=1000 + n) for n in range(12)]
SUPPLIERS = [uuid.UUID(int=500 + n) for n in range(3)]
CATEGORIES = ["Almacén", "almacén ", "Bebidas", None]
AS_OF = date(2026, 6, 20)
SPLIT_DAYS = [AS_OF - timedelta(days=30), AS_OF - timedelta(days=70), date(2026, 1, 31),
              date(2026, 2, 28), date(2026, 2, 1), AS_OF - timedelta(days=29)]


def seed_catalog(session: Session) -> None:
    for n, supplier_id in enumerate(SUPPLIERS):
        session.add(t.Supplier(id=supplier_id, cuit=f"3071234567{n}", name=f"Proveedor {n}"))
    for n, product_id in enumerate(PRODUCTS):
        session.add(t.Product(id=product_id, sku=f"{n:04d}", name=f"Producto {n}",
                              category=CATEGORIES[n % len(CATEGORIES)],
                              supplier_id=SUPPLIERS[n % 3],
                              # the last two were merged into the first two
                              merged_into=PRODUCTS[n - 10] if n >= 10 else None))
    for month in range(1, 7):
        session.add(t.InflationIndex(id=uuid.UUID(int=9000 + month), month=date(2026, month, 1),
                                     value_e4=1_000_000 + 25_000 * month, source="test"))


def draw_documents(rng: random.Random, count: int) -> list[Operation]:
    """Confirmations of ``count`` documents (a fifth of them confirmed twice)."""
    ops: list[Operation] = []
    for number in range(count):
        key = f"30712345671-001-00001-{number:08d}"
        invoice_id = uuid.UUID(int=10_000 + number)
        credit_note = rng.random() < 0.15
        issued = date(2026, 1, 1) + timedelta(days=rng.randint(0, 175))
        if rng.random() < 0.3:  # on the days the reports below split their periods at
            issued = rng.choice(SPLIT_DAYS)
        lines = []
        for _ in range(rng.randint(1, 5)):
            product = rng.choice(PRODUCTS)
            qty = rng.choice([1000, 2500, 333, 12_000])
            cost = None if rng.random() < 0.1 else rng.randint(0, 9000) + issued.month * 700
            kind = MovementKind.SUPPLIER_RETURN if credit_note else MovementKind.INTAKE
            lines.append({"product_id": str(product), "kind": int(kind),
                          "qty_milli": -qty if credit_note else qty, "unit_cost_cents": cost})
        header = {"issued_on": issued if rng.random() > 0.1 else None,
                  "supplier_id": rng.choice(SUPPLIERS) if rng.random() > 0.1 else None}
        confirmations = 2 if rng.random() < 0.2 else 1
        hlc = rng.randint(1_000, 1_000_000)
        for repeat in range(confirmations):
            store = STORES[(number + repeat) % len(STORES)]
            # a repeat usually comes later; sometimes it carries the earlier reading
            at = hlc + rng.choice([-500, 0, 700]) * repeat
            op_id = uuid.uuid4()
            movements = [{**line, "id": str(uuid.uuid4())} for line in lines]
            ops.append(Operation(
                op_id, at, DEVICES[repeat], None, OpKind.APPEND, "invoice_confirmation",
                uuid.uuid4(), store,
                {"invoice_id": str(invoice_id), "invoice_key": key, "store_id": str(store),
                 "confirmed_at": (datetime(2026, 1, 1, tzinfo=UTC)
                                  + timedelta(seconds=at)).isoformat(),
                 "movements": movements,
                 "_invoice": header}))
    return ops


def add_invoices(session: Session, ops: list[Operation]) -> list[Operation]:
    """The supplier invoice rows the confirmations refer to; the ops without the header."""
    plain = []
    for op in ops:
        payload = dict(op.payload)
        header = payload.pop("_invoice")
        invoice_id = uuid.UUID(payload["invoice_id"])
        if session.get(t.SupplierInvoice, invoice_id) is None:
            session.add(t.SupplierInvoice(id=invoice_id, invoice_key=payload["invoice_key"],
                                          store_id=op.store_id, **header))
        plain.append(Operation(op.op_id, op.hlc, op.device_id, None, op.kind, op.entity,
                               op.entity_id, op.store_id, payload))
    session.flush()
    return plain


def by_order(found):
    return sorted(found, key=lambda entry: (entry[0].product_id, entry[0].order))


def assert_cache_matches_ledger(session: Session) -> None:
    assert costs.latest_costs(session) == costs.ledger_latest_costs(session)
    some = PRODUCTS[::3]
    assert costs.latest_costs(session, some) == costs.ledger_latest_costs(session, some)
    for bounds in ({}, {"until": date(2026, 4, 30)}, {"since": date(2026, 3, 1)},
                   {"since": date(2026, 2, 1), "until": date(2026, 5, 15)}):
        assert by_order(costs.document_costs(session, **bounds)) == by_order(
            costs.ledger_document_costs(session, **bounds)), bounds


def every_ledger_cost(session: Session, *, split: date, until: date, since: date | None = None,
                      pairs: bool = True) -> list[costs.ItemCost]:
    return [costs.ItemCost(cost.product_id, supplier_id, day, cost.order, cost.unit_cost_cents,
                           True, pairs and supplier_id is not None)
            for cost, supplier_id, day in costs.ledger_document_costs(
                session, until=until, since=since)]


def reports(session: Session) -> tuple[object, ...]:
    return (inflation_signals.inflation_signals(session, AS_OF),
            inflation_signals.inflation_signals(session, AS_OF - timedelta(days=40)),
            inflation.gap(session, date_from="2026-01", date_to="2026-05", by="supplier"),
            inflation.gap(session, date_from="2026-02", date_to="2026-06", by="category"))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_cache_answers_as_the_ledger_whatever_the_arrival_order(make_engine, backend):
    engine = make_engine(backend)
    rng = random.Random(8)
    with Session(engine) as session, session.begin():
        seed_catalog(session)
        ops = add_invoices(session, draw_documents(rng, 60))
    rng.shuffle(ops)
    while ops:
        size = rng.randint(1, 9)
        batch, ops = ops[:size], ops[size:]
        with Session(engine) as session, session.begin():
            apply_operations(session, batch)
            assert_cache_matches_ledger(session)
    with Session(engine) as session, session.begin():
        counted = session.scalars(select(t.DocumentCostRow)).all()
        assert counted and sum(1 for row in counted if row.latest) == len(
            {row.product_id for row in counted})
        cost_cache.rebuild(session)
        assert_cache_matches_ledger(session)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_reports_from_the_cache_equal_reports_from_the_ledger(make_engine, backend,
                                                              monkeypatch):
    engine = make_engine(backend)
    rng = random.Random(21)
    with Session(engine) as session, session.begin():
        seed_catalog(session)
        ops = add_invoices(session, draw_documents(rng, 120))
    late = [op for op in ops if op.hlc < 400_000][:15]  # they arrive after the reports
    with Session(engine) as session, session.begin():
        apply_operations(session, [op for op in ops if op not in late])
    with Session(engine) as session, session.begin():
        fast = reports(session)
        assert fast == reports(session)  # memoised: the same again
        assert fast[0].signals and any(scope["items"] for scope in fast[2]["scopes"])
    with Session(engine) as session, session.begin():
        apply_operations(session, late)
    with Session(engine) as session, session.begin():
        fast_after = reports(session)  # a new cost version: computed again
    # the reference: every cost of the ledger, as the reports were computed before the
    # database picked each item's latest on each side
    monkeypatch.setattr(inflation, "item_costs", every_ledger_cost)
    monkeypatch.setattr(inflation_signals, "item_costs", every_ledger_cost)
    monkeypatch.setattr(cost_cache, "_memo", {})
    monkeypatch.setattr(cost_cache, "version", lambda session: None)  # no memo at all
    with Session(engine) as session, session.begin():
        assert fast_after == reports(session)
        assert fast_after != fast


def test_a_late_first_confirmation_takes_over_the_documents_costs(engine):
    """Store 2 confirmed the document first (by the clock) but synced last; its lines
    were typed with other costs, and those are the ones that count."""
    product = PRODUCTS[0]

    def confirmation(hlc: int, store: uuid.UUID, cost: int) -> Operation:
        return Operation(uuid.uuid4(), hlc, DEVICES[0], None, OpKind.APPEND,
                         "invoice_confirmation", uuid.uuid4(), store, {
                             "invoice_id": str(uuid.UUID(int=77)), "invoice_key": "K1",
                             "store_id": str(store), "movements": [
                                 {"id": str(uuid.uuid4()), "product_id": str(product),
                                  "kind": 1, "qty_milli": 3000, "unit_cost_cents": cost},
                                 {"id": str(uuid.uuid4()), "product_id": str(product),
                                  "kind": 1, "qty_milli": 1000, "unit_cost_cents": cost + 1}]})

    with Session(engine) as session, session.begin():
        session.add(t.SupplierInvoice(id=uuid.UUID(int=77), invoice_key="K1",
                                      issued_on=date(2026, 3, 1)))
        apply_operations(session, [confirmation(9, STORES[0], 1000)])
        first = cost_cache.version(session)
        assert costs.latest_costs(session)[product].unit_cost_cents == 1000  # 1000.25
        assert cost_cache.version(session) != first
        seen = cost_cache.version(session)
        apply_operations(session, [confirmation(3, STORES[1], 2001)])
        assert costs.latest_costs(session)[product].unit_cost_cents == 2001  # 2001.25
        assert cost_cache.version(session) != seen
        assert costs.latest_costs(session) == costs.ledger_latest_costs(session)
        # nothing new: no work, the same version
        version = cost_cache.version(session)
        assert cost_cache.refresh(session) is False and cost_cache.version(session) == version


def test_a_damaged_cache_is_rebuilt_from_the_ledger(engine):
    rng = random.Random(3)
    with Session(engine) as session, session.begin():
        seed_catalog(session)
        apply_operations(session, add_invoices(session, draw_documents(rng, 20)))
        costs.latest_costs(session)
        session.execute(update(t.DocumentCostRow).values(value_milli_cents=1))
        session.execute(delete(t.CostedConfirmation))
        assert_cache_matches_ledger(session)  # an emptied record of what was weighed
        session.execute(update(t.DocumentCostRow).values(qty_milli=1))
        cost_cache.rebuild(session)
        assert_cache_matches_ledger(session)
