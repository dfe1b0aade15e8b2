"""Central's app on a real database (and Redis when asked), driven in-process."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session

from central import identity
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.ops.recorder import Recorder, load_replica
from shared.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "contraseña-segura"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["sqlite", "postgres"])
def central_db(request, tmp_path) -> str:
    url = (f"sqlite:///{tmp_path / 'central.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    engine = create_db_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        identity.add_store(session, recorder, "S1", "Centro")
        identity.add_store(session, recorder, "S2", "Norte")
        identity.add_user(session, recorder, "admin", PASSWORD, "admin")
        for role in ("deposito", "negocio", "ml_service"):
            identity.add_user(session, recorder, role.replace("_", ""), PASSWORD, role)
        identity.add_user(session, recorder, "cajero1", PASSWORD, "cajero", "S1")
    engine.dispose()
    return url


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(MINIMARKET_DATA_DIR=tmp_path / "data", JWT_SECRET_KEY="k" * 40)


@pytest.fixture
def make_client(central_db, settings) -> Iterator[Callable[..., TestClient]]:
    """``make_client(agents=..., redis=False, settings=...)`` -> a started TestClient."""
    from central.app import AGENTS, create_app

    clients: list[TestClient] = []

    def make(agents=AGENTS, redis: bool = False, config: Settings | None = None) -> TestClient:
        app = create_app(agents, settings=config or settings, db_url=central_db,
                         redis_url=REDIS_URL if redis else None)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()


def login(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def token_for(client) -> Callable[[str], dict[str, str]]:
    return lambda username: login(client, username)


def enroll(client, central_db: str, store: str = "S1") -> tuple[uuid.UUID, str]:
    engine = create_db_engine(central_db)
    with Session(engine) as session, session.begin():
        token = identity.create_enrollment_token(session, store, ttl_hours=1)
    engine.dispose()
    response = client.post("/api/sync/enroll", json={"token": token, "name": "Caja 1"})
    assert response.status_code == 200, response.text
    body = response.json()
    return uuid.UUID(body["device_id"]), body["device_secret"]
