"""`central serve AGENT` runs one agent per process, answering its own paths only."""

import socket
import subprocess
import sys
import time

import httpx
import pytest

from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade

OWN_PATHS = {
    "deposito": "/api/deposito/health", "negocio": "/api/negocio/health",
    "ml": "/api/ml/health", "sync": "/api/sync/health", "dashboard": "/api/dashboard/health",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, process, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read())
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture
def served(pg_url, tmp_path):
    engine = create_db_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    processes = []

    def start(*args):
        port = free_port()
        env = {"PATH": "/usr/bin:/bin", "MINIMARKET_DATA_DIR": str(tmp_path)}
        process = subprocess.Popen(
            [sys.executable, "-m", "minimarket", "central", *args, "--port", str(port),
             "--db", pg_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        processes.append(process)
        wait_until_up(f"http://127.0.0.1:{port}/health", process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize("agent", sorted(OWN_PATHS))
def test_each_agent_answers_its_own_paths(served, agent):
    base = served("serve", agent)
    health = httpx.get(f"{base}/health").json()
    assert health["agents"] == [agent] and health["database"]["backend"] == "postgresql"
    assert httpx.get(f"{base}{OWN_PATHS[agent]}").status_code == 200
    assert httpx.get(f"{base}/metrics").status_code == 200
    assert httpx.get(f"{base}/docs").status_code == 200
    others = [path for name, path in OWN_PATHS.items() if name != agent]
    assert all(httpx.get(f"{base}{path}").status_code == 404 for path in others)
    if agent == "dashboard":
        assert httpx.post(f"{base}/api/auth/token", data={"username": "x", "password": "y"}).status_code == 401


def test_one_process_mounts_every_agent(served):
    base = served("up")
    assert sorted(httpx.get(f"{base}/health").json()["agents"]) == sorted(OWN_PATHS)
    assert all(httpx.get(f"{base}{path}").status_code == 200 for path in OWN_PATHS.values())
    docs = httpx.get(f"{base}/docs").text
    assert "cdn" not in docs.lower() and "/static-offline-docs/swagger-ui-bundle.js" in docs
    assert httpx.get(f"{base}/static-offline-docs/swagger-ui-bundle.js").status_code == 200


def test_demo_seeds_and_serves_on_the_embedded_default(tmp_path):
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "MINIMARKET_DATA_DIR": str(tmp_path),
           "MINIMARKET_PASSWORD": "demo-contraseña"}
    process = subprocess.Popen([sys.executable, "-m", "minimarket", "demo", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               cwd=tmp_path)
    try:
        health = wait_until_up(f"http://127.0.0.1:{port}/health", process).json()
        assert health["database"]["backend"] == "sqlite" and health["cache"]["backend"] == "memory"
        token = httpx.post(f"http://127.0.0.1:{port}/api/auth/token",
                           data={"username": "admin", "password": "demo-contraseña"}).json()
        stock = httpx.get(f"http://127.0.0.1:{port}/api/deposito/stock", params={"store": "S1"},
                          headers={"Authorization": f"Bearer {token['access_token']}"}).json()
        assert stock["store"] == "S1" and len(stock["items"]) == 24
    finally:
        process.terminate()
        process.wait(10)
    assert (tmp_path / "central.db").exists()
