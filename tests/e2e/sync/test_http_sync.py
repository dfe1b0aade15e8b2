"""A PC's sync client against a real `central up` process over HTTP, central restarted."""

import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy.orm import Session

from central import identity
from shared.db import tables as t
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.db.stock_levels import cached_levels
from shared.domain.enums import MovementKind
from shared.ops.recorder import ROLE_KEY, Recorder, load_replica
from sync.client import SyncClient, outbox_counts
from sync.transport_http import HttpTransport, ServerUnreachable, enroll


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Central:
    def __init__(self, db_url, tmp_path):
        self.db_url, self.tmp_path, self.port = db_url, tmp_path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        env = {"PATH": "/usr/bin:/bin", "MINIMARKET_DATA_DIR": str(self.tmp_path),
               "JWT_SECRET_KEY": "s" * 40}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "minimarket", "central", "up", "--port", str(self.port),
             "--db", self.db_url], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/health", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("central did not start")

    def stop(self):
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def central(pg_url, tmp_path):
    engine = create_db_engine(pg_url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        identity.add_store(session, recorder, "S1", "Centro")
        recorder.upsert("product", uuid.UUID(int=7), {"sku": "Y1", "name": "Yerba",
                                                      "unit": "unidad"})
    engine.dispose()
    server = Central(pg_url, tmp_path)
    server.start()
    yield server, pg_url
    server.stop()


def test_a_pc_enrolls_syncs_survives_a_central_restart_and_loses_nothing(central, make_engine):
    server, db_url = central
    engine = create_db_engine(db_url)
    with Session(engine) as session, session.begin():
        token = identity.create_enrollment_token(session, "S1", ttl_hours=1)
    credential = enroll(server.url, token, name="Caja 1")
    store_id = None
    with Session(engine) as session:
        store_id = identity.find_store(session, "S1").id

    pc_db = make_engine("sqlite")
    with Session(pc_db) as session, session.begin():
        session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
        session.flush()
        replica = load_replica(session, device_id=uuid.UUID(credential["device_id"]))

    @contextmanager
    def transaction():
        with Session(pc_db) as session, session.begin():
            yield session

    transport = HttpTransport(server.url, uuid.UUID(credential["device_id"]),
                              credential["device_secret"], attempts=2, backoff_seconds=0.05)
    client = SyncClient(transaction, transport, replica.clock, app_version="test")
    assert client.sync().pulled >= 2  # the store and the product
    product = uuid.UUID(int=7)

    def sell(n):
        with transaction() as session:
            recorder = Recorder(session, replica)
            with recorder.batch():
                for _ in range(n):
                    recorder.append("stock_movement", {
                        "store_id": store_id, "product_id": product, "kind": MovementKind.SALE,
                        "qty_milli": -1000, "reason": "venta " + "x" * 40}, store_id=store_id)

    sell(150)  # a batch big enough to travel gzip-compressed
    server.stop()  # central goes down with the sales still on the PC
    with pytest.raises(ServerUnreachable):
        client.sync()
    with Session(pc_db) as session:
        assert outbox_counts(session)["pending"] == 150
    sell(5)
    server.start()
    report = client.sync()
    assert report.pushed == 155 and report.refused == 0
    with Session(engine) as session:
        assert cached_levels(session)[(store_id, product)] == -155_000
        device = session.get(t.Device, uuid.UUID(credential["device_id"]))
        assert device.last_seen_at is not None and device.app_version == "test"
    engine.dispose()
