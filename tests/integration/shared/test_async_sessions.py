"""Central's async side runs the same synchronous use cases through ``run_sync``."""

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import tables as t
from shared.db.engine import create_async_db_engine, create_db_engine
from shared.db.migrate import upgrade
from shared.domain.enums import MovementKind
from shared.ops.recorder import Recorder, load_replica
from shared.services.stock import stock_snapshot


def record_sale_and_snapshot(session):
    recorder = Recorder(session, load_replica(session))
    store_id, product_id = uuid.uuid4(), uuid.uuid4()
    recorder.upsert("store", store_id, {"code": "S1", "name": "Centro"})
    recorder.upsert("product", product_id, {"sku": "A1", "name": "Yerba", "unit": "unidad"})
    recorder.append("stock_movement", {"store_id": store_id, "product_id": product_id,
                                       "kind": MovementKind.SALE, "qty_milli": -1500})
    return stock_snapshot(session, session.get(t.Store, store_id))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_use_cases_run_unchanged_on_the_async_drivers(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'central.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    sync_engine = create_db_engine(url)
    upgrade(sync_engine)
    sync_engine.dispose()
    engine = create_async_db_engine(url)
    assert engine.dialect.driver == ("aiosqlite" if backend == "sqlite" else "asyncpg")
    try:
        async with AsyncSession(engine) as session, session.begin():
            snapshot = await session.run_sync(record_sale_and_snapshot)
    finally:
        await engine.dispose()
    from decimal import Decimal

    assert snapshot == {"store": "S1", "items": [{"sku": "A1", "quantity": Decimal("-1.500")}]}
