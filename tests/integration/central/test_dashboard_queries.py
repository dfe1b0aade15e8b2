"""The dashboard's aggregate queries give what the per-store use cases give: the
overview's counts and values, and the conflicts page's queue, page by page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import identity
from central.dashboard.overview import critical_counts, stock_value, stock_values
from central.dashboard.pages.conflict_queue import conflict_page
from central.sync.conflicts import ConflictRef
from central.sync.decisions import Decision, decide, review_queue
from shared.db import tables as t
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.db.stock_levels import rebuild_levels
from shared.domain.enums import MovementKind
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder, load_replica
from shared.services.stock import below_minimum

pytestmark = pytest.mark.postgres
DAY = date(2026, 11, 28)


@pytest.fixture
def session(pg_url):
    """Three stores, twelve products (minimums 0-5, one with none), a ledger that leaves
    some levels short and some negative, chain-wide prices and one store's own."""
    engine = create_db_engine(pg_url)
    upgrade(engine)
    with Session(engine) as session:
        recorder = Recorder(session, load_replica(session))
        stores = [identity.add_store(session, recorder, code, code) for code in ("A", "B", "C")]
        for n in range(12):
            product = new_id()
            recorder.upsert("product", product, {
                "sku": f"P{n:02d}", "name": f"Producto {n}", "unit": "unidad",
                "min_stock_milli": None if n == 11 else 1000 * (n % 6),
                "last_cost_cents": 100 * (n + 1), "provisional": False, "archived": False})
            recorder.append("price", {"product_id": product, "store_id": None,
                                      "price_cents": 250 * (n + 1), "effective_from": DAY})
            if n == 3:
                recorder.append("price", {"product_id": product, "store_id": stores[1],
                                          "price_cents": 999, "effective_from": DAY})
            for s, store in enumerate(stores[:2]):
                quantity = (n * 7 + s * 5) % 9 - 3  # from -3 to 5 units
                kind = MovementKind.INTAKE if quantity > 0 else MovementKind.SALE
                if quantity:
                    recorder.append("stock_movement", {
                        "store_id": store, "product_id": product, "kind": kind,
                        "qty_milli": quantity * 1000, "occurred_at": datetime.now(UTC)})
        rebuild_levels(session)
        session.commit()
        yield session
    engine.dispose()


def test_overview_counts_and_values_match_the_per_store_use_cases(session):
    stores = list(session.scalars(select(t.Store).order_by(t.Store.code)))
    counts = critical_counts(session, [store.id for store in stores])
    values = stock_values(session, [store.id for store in stores], DAY)
    for store in stores:
        assert counts[store.id] == len(below_minimum(session, store)), store.code
        assert values[store.id] == stock_value(session, store.id, DAY), store.code
    assert counts[stores[2].id] == 9  # no ledger: every product with a minimum above 0


def test_the_conflict_pages_list_what_the_review_queue_lists(session):
    negative = review_queue(session, None, None)["items"]
    assert len(negative) > 5
    held, stale = (ConflictRef.parse(item["id"]) for item in negative[:2])
    decide(session, held, Decision.ACCEPTED, "ok", by=None)
    decide(session, stale, Decision.DISMISSED, "", by=None)
    session.add(t.StockMovement(  # the second conflict changes after its decision
        id=new_id(), op_id=new_id(), hlc=1, device_id=new_id(), store_id=stale.store_id,
        product_id=stale.product_id, kind=int(MovementKind.SALE), qty_milli=-1000))
    rebuild_levels(session)
    session.flush()
    for store in (None, "A", "B"):
        store_id = identity.find_store(session, store).id if store else None
        for open_only in (None, True, False):
            expected = review_queue(session, store, open_only)
            for offset, size in ((0, 100), (1, 3), (4, 50)):
                page = conflict_page(session, store_id=store_id, open_only=open_only,
                                     offset=offset, size=size)
                assert page["total"] == expected["total"], (store, open_only)
                assert page["items"] == expected["items"][offset:offset + size], (
                    store, open_only, offset)
    shown = {item["id"]: item for item in conflict_page(
        session, store_id=None, open_only=None, offset=0, size=100)["items"]}
    assert shown[held.id]["open"] is False
    assert shown[stale.id]["open"] is True and shown[stale.id]["decision"]["stale"] is True
