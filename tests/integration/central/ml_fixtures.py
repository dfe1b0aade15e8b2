"""Fixtures of the ml tests: central's app on PostgreSQL (import ``*`` from here).

They reuse the API tests' client fixtures with a PostgreSQL-only ``central_db``.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from central import identity
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder, load_replica
from tests.integration.central.api.conftest import (
    PASSWORD,
    client,
    make_client,
    settings,
    token_for,
)
from tests.integration.central.api.test_negocio_support import shop_fixture

__all__ = ["central_db", "client", "make_client", "seed_inflation_index", "settings",
           "shop_fixture", "token_for"]


@pytest.fixture
def central_db(pg_url):
    """A migrated PostgreSQL schema with store S1 and a user of each HQ role."""
    engine = create_db_engine(pg_url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        identity.add_store(session, recorder, "S1", "Centro")
        identity.add_user(session, recorder, "admin", PASSWORD, "admin")
        for role in ("deposito", "negocio", "ml_service"):
            identity.add_user(session, recorder, role.replace("_", ""), PASSWORD, role)
        identity.add_user(session, recorder, "cajero1", PASSWORD, "cajero", "S1")
    engine.dispose()
    return pg_url


def seed_inflation_index(url: str, until: date, months: int = 6) -> dict[str, float]:
    """HQ's monthly index for the ``months`` months up to ``until``'s, 2 % a month; the
    values as the forecasting library takes them (``{"YYYY-MM": value}``)."""
    values: dict[str, float] = {}
    year, month = until.year, until.month
    for back in range(months - 1, -1, -1):
        y, m = divmod(year * 12 + month - 1 - back, 12)
        values[f"{y:04d}-{m + 1:02d}"] = round(1000 * 1.02 ** (months - 1 - back), 4)
    engine = create_db_engine(url)
    try:
        with Session(engine) as session, session.begin():
            recorder = Recorder(session, load_replica(session))
            for key, value in values.items():
                first = date(int(key[:4]), int(key[5:]), 1)
                recorder.upsert("inflation_index", new_id(), {
                    "month": first, "value_e4": round(value * 10_000), "source": "test"})
    finally:
        engine.dispose()
    return values
