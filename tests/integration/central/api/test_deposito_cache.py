"""Caching of hot reads in Redis: stock per store and catalog pages, dropped on writes."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.identity import find_store
from shared.db import tables as t
from shared.db.engine import create_db_engine
from shared.domain.enums import MovementKind
from shared.ops.recorder import Recorder, load_replica
from tests.integration.central.api.conftest import login
from tests.integration.central.api.test_deposito_support import (
    API,
    create_product,
    moved,
    stock_of,
)


@pytest.fixture
def redis_client(make_client):
    client = make_client(redis=True)
    state = client.app.state.central
    assert state.cache.kind == "redis" and client.portal.call(state.cache.ping)
    # catalog pages of other tests' databases share this Redis: start from a clean slate
    client.portal.call(state.cache.invalidate, "catalog")
    return client


@pytest.fixture
def h(make_client):
    # Signed in through a client without Redis: with Redis, sign-ins are rate limited per
    # user for five minutes, and these tests run on two databases and many times a day.
    return login(make_client(), "deposito")


def behind_the_api(central_db, write):
    """Write straight to the database, as another process would, without invalidating."""
    engine = create_db_engine(central_db)
    with Session(engine) as session, session.begin():
        write(session, Recorder(session, load_replica(session)))
    engine.dispose()


def test_stock_is_served_from_redis_until_a_movement_invalidates_it(redis_client, h, central_db):
    client = redis_client
    create_product(client, h, "Y1")
    assert stock_of(client, h, "S1") == {"Y1": 0}

    def sale_elsewhere(session, recorder):
        store = find_store(session, "S1")
        product = session.scalars(select(t.Product).where(t.Product.sku == "Y1")).one()
        recorder.append("stock_movement", {
            "store_id": store.id, "product_id": product.id, "kind": int(MovementKind.SALE),
            "qty_milli": -3000}, store_id=store.id)

    behind_the_api(central_db, sale_elsewhere)
    assert stock_of(client, h, "S1") == {"Y1": 0}  # the cached snapshot answered
    moved(client, h, "S1", "Y1", "intake", 10)
    assert stock_of(client, h, "S1") == {"Y1": 7}  # invalidated: both writes show


def test_counts_and_transfers_invalidate_both_stores(redis_client, h):
    client = redis_client
    create_product(client, h, "Y1")
    moved(client, h, "S1", "Y1", "intake", 10)
    assert stock_of(client, h, "S1") == {"Y1": 10} and stock_of(client, h, "S2") == {"Y1": 0}
    sent = client.post(f"{API}/transfers", headers=h, json={
        "from_store": "S1", "to_store": "S2", "lines": [{"product": "Y1", "quantity": 4}]})
    assert sent.status_code == 201
    assert stock_of(client, h, "S1") == {"Y1": 6} and stock_of(client, h, "S2") == {"Y1": 4}
    session = client.post(f"{API}/counts", json={"store": "S2"}, headers=h).json()
    client.post(f"{API}/counts/{session['id']}/items", headers=h,
                json={"product": "Y1", "quantity": 1})
    assert stock_of(client, h, "S2") == {"Y1": 1}


def test_catalog_pages_are_cached_and_dropped_on_any_catalog_write(redis_client, h, central_db):
    client = redis_client
    product = create_product(client, h, "Y1", "Yerba")

    def names():
        return [p["name"] for p in client.get(f"{API}/products", headers=h).json()["items"]]

    assert names() == ["Yerba"]

    def rename(session, recorder):
        recorder.upsert("product", session.scalars(select(t.Product.id)).one(),
                        {"name": "Yerba renombrada por otro proceso"})

    behind_the_api(central_db, rename)
    assert names() == ["Yerba"]  # the cached page answered
    client.post(f"{API}/products/{product['id']}/prices", json={"price": 10}, headers=h)
    assert names() == ["Yerba renombrada por otro proceso"]
    client.patch(f"{API}/products/{product['id']}", json={"name": "Yerba suave"}, headers=h)
    assert names() == ["Yerba suave"]
    detail = client.get(f"{API}/products/{product['id']}", headers=h).json()
    assert detail["name"] == "Yerba suave" and detail["price"] == 10


def test_a_new_or_archived_product_shows_in_the_cached_snapshot_at_once(redis_client, h):
    client = redis_client
    create_product(client, h, "A1")
    assert stock_of(client, h, "S1") == {"A1": 0}
    second = create_product(client, h, "B2")
    assert stock_of(client, h, "S1") == {"A1": 0, "B2": 0}
    client.post(f"{API}/products/{second['id']}/archive", headers=h)
    assert stock_of(client, h, "S2") == stock_of(client, h, "S1") == {"A1": 0}


def test_with_redis_down_reads_and_writes_still_work(make_client):
    from central.kit.cache import RedisCache

    client = make_client()
    client.app.state.central.cache = RedisCache("redis://127.0.0.1:1/0")  # nothing listens
    h = login(client, "deposito")
    create_product(client, h, "Y1")
    assert stock_of(client, h, "S1") == {"Y1": 0}
    moved(client, h, "S1", "Y1", "intake", 2)
    assert stock_of(client, h, "S1") == {"Y1": 2}
    assert client.get(f"{API}/products", headers=h).json()["total"] == 1


def test_concurrent_misses_share_one_load_unless_a_write_committed_since(client):
    import asyncio
    from types import SimpleNamespace

    from central.deposito.web import cached_text

    state = client.app.state.central
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(central=state)))

    async def scenario(write_between: bool) -> tuple[list[str], int]:
        started, release = 0, asyncio.Event()

        async def load() -> str:
            nonlocal started
            started += 1
            mine = started
            await release.wait()
            return f'{{"load": {mine}}}'

        await state.cache.invalidate("stock:test")
        first = asyncio.create_task(cached_text(request, "stock:test", "snapshot", load))
        await asyncio.sleep(0.01)
        if write_between:
            await state.invalidate_after([])  # a write committed after the load began
        second = asyncio.create_task(cached_text(request, "stock:test", "snapshot", load))
        await asyncio.sleep(0.01)
        release.set()
        bodies = [response.body.decode() for response in await asyncio.gather(first, second)]
        return bodies, started

    assert client.portal.call(scenario, False) == (['{"load": 1}', '{"load": 1}'], 1)
    assert client.portal.call(scenario, True) == (['{"load": 1}', '{"load": 2}'], 2)
