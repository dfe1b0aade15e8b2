"""OpenAPI-driven fuzzing of a running central (every agent, PostgreSQL): no 500s.

Schemathesis generates requests from the served ``/openapi.json`` — valid and invalid
bodies, parameters and paths — and sends them as an admin. Any 5xx fails the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session

from central import identity
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.ops.recorder import Recorder, load_replica

PASSWORD = "contraseña-segura"
EXAMPLES = int(os.environ.get("MINIMARKET_FUZZ_EXAMPLES", "25"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def central_url(pg_database, tmp_path_factory):
    engine = create_db_engine(pg_database)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        if not session.query(identity.t.User).count():
            identity.add_store(session, recorder, "S1", "Centro")
            identity.add_user(session, recorder, "fuzzadmin", PASSWORD, "admin")
    engine.dispose()
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "MINIMARKET_DATA_DIR": str(tmp_path_factory.mktemp("fuzz")),
           "JWT_SECRET_KEY": "f" * 40}
    process = subprocess.Popen(
        [sys.executable, "-m", "minimarket", "central", "up", "--port", str(port),
         "--db", pg_database, "--redis", "redis://127.0.0.1:6379/1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/health", timeout=1)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(process.stderr.read()) from None
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def admin_headers(central_url):
    token = httpx.post(f"{central_url}/api/auth/token",
                       data={"username": "fuzzadmin", "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_no_request_makes_the_server_fail(central_url, admin_headers):
    """Every operation gets valid and invalid generated input; none may answer 5xx."""
    api = schemathesis.openapi.from_url(f"{central_url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/auth/token":
            continue  # sign-in is rate limited by design; its bad input is tested elsewhere
        operations += 1

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case):
            response = case.call(headers=admin_headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query or ''} "
                                f"{str(case.body)[:120]} -> {response.status_code}")

        exercise()
    assert operations >= 5
    assert failures == []
