"""Bulk inserts write the same rows by every path, inside the caller's transaction."""

import uuid
from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.bulk import COPY_THRESHOLD, bulk_insert
from shared.db.engine import create_async_db_engine, create_db_engine
from shared.db.migrate import upgrade

OPERATIONS = cast(Table, t.OperationRow.__table__)


def operation_rows(count):
    device, store = uuid.uuid4(), uuid.uuid4()
    return [{"op_id": uuid.uuid4(), "hlc": 1_000 + n, "device_id": device, "user_id": None,
             "kind": "append", "entity": "stock_movement", "entity_id": uuid.uuid4(),
             "store_id": store, "payload": {"qty_milli": -n, "reason": "venta ñandú", "n": [n]}}
            for n in range(count)]


def stored(session):
    rows = session.execute(select(OPERATIONS).order_by(OPERATIONS.c.hlc)).mappings().all()
    return [dict(row) for row in rows]


@pytest.mark.parametrize("count", [3, COPY_THRESHOLD + 50])
async def test_asyncpg_copy_writes_what_an_insert_writes_and_rolls_back_with_the_rest(
    pg_url, count
):
    sync_engine = create_db_engine(pg_url)
    upgrade(sync_engine)
    engine = create_async_db_engine(pg_url)
    rows = operation_rows(count)
    try:
        async with AsyncSession(engine) as session:
            async with session.begin():  # the bulk insert is the transaction's first statement
                await session.run_sync(lambda s: bulk_insert(s, OPERATIONS, rows))
                await session.rollback()
            async with session.begin():
                await session.run_sync(lambda s: bulk_insert(s, OPERATIONS, rows))
    finally:
        await engine.dispose()
    with Session(sync_engine) as session:
        written = stored(session)
    sync_engine.dispose()
    assert len(written) == count
    for row, found in zip(rows, written, strict=True):
        assert {k: found[k] for k in row} == row
        assert found["seq"] is None
        assert found["recorded_at"].tzinfo is not None
        assert abs((datetime.now(UTC) - found["recorded_at"]).total_seconds()) < 120


async def test_asyncpg_copy_after_a_failed_transaction_leaves_nothing(pg_url):
    sync_engine = create_db_engine(pg_url)
    upgrade(sync_engine)
    engine = create_async_db_engine(pg_url)
    rows = operation_rows(COPY_THRESHOLD)

    def insert_twice(session):
        bulk_insert(session, OPERATIONS, rows)
        bulk_insert(session, OPERATIONS, rows[:COPY_THRESHOLD])  # the same keys again

    try:
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            async with AsyncSession(engine) as session, session.begin():
                await session.run_sync(insert_twice)
    finally:
        await engine.dispose()
    with Session(sync_engine) as session:
        assert session.scalar(select(func.count()).select_from(OPERATIONS)) == 0
    sync_engine.dispose()
