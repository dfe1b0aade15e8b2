"""Real processes: `central up` on PostgreSQL and four store PCs syncing over HTTP.

Three PCs of one store and one PC of another enroll, work offline while central is down,
one of them piles up thousands of operations, and central is killed (SIGKILL) in the
middle of that PC's sync. After a restart on the same database every PC converges on
exactly the levels the test's operations imply, each operation counted once, and no
store sees the other's data.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import func, make_url, select
from sqlalchemy.orm import Session

pytestmark = pytest.mark.postgres

REDIS_URL = os.environ.get("MINIMARKET_TEST_REDIS", "redis://127.0.0.1:6379/0")
STORE_A, STORE_B = "NORTE", "SUR"
BULK_SALES, BULK_INTAKES = 3_000, 600  # > 3 push batches of 1,000 operations
PRODUCTS_CSV = """\
sku,ean,name,category,unit,price,cost,min_stock,supplier_cuit
1001,7790001000019,Yerba 1kg,Almacén,unidad,2500.00,1800,5,30-50001091-2
1002,7790001000026,Azúcar 1kg,Almacén,unidad,"1.200,50",800,,
1003,,Queso cremoso,Fiambrería,kg,9800,6500,2,
1004,7790001000040|7790001000057,Gaseosa 2.25l,Bebidas,unidad,1900,1100,24,
1005,,Fósforos,Almacén,unidad,300,150,,
"""
SKUS = ("1001", "1002", "1003", "1004", "1005")
SKU_OF = {"7790001000019": "1001", "7790001000026": "1002", "7790001000040": "1004",
          "7790001000057": "1004", **{sku: sku for sku in SKUS}}
SIGN = {"sale": -1, "intake": 1, "return": 1, "adjust": 1}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def milli(quantity: str) -> int:
    return int(Decimal(quantity.replace(",", ".")) * 1000)


def items(levels: dict[str, int]) -> list[dict]:
    """The ``stock --json`` items for levels in thousandths, every product, by sku."""
    return [{"sku": sku, "quantity": Decimal(levels.get(sku, 0)) / 1000} for sku in SKUS]


def parse_stock(text: str) -> dict:
    snapshot = json.loads(text, parse_float=Decimal)
    for item in snapshot["items"]:
        item["quantity"] = Decimal(item["quantity"])
    return snapshot


class Central:
    """`minimarket central …` on one database; `up` as a background process."""

    def __init__(self, db_url: str, workdir: Path):
        self.db_url, self.port = db_url, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "central.log"
        self.env = {"PATH": os.environ["PATH"], "HOME": str(workdir),
                    "MINIMARKET_DATA_DIR": str(workdir / "central"), "DATABASE_URL": db_url,
                    "JWT_SECRET_KEY": "k" * 40, "LOG_LEVEL": "WARNING"}
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def cli(self, *args: str, env: dict | None = None) -> str:
        done = subprocess.run([sys.executable, "-m", "minimarket", "central", *args],
                              capture_output=True, text=True, cwd=self.workdir, timeout=120,
                              env={**self.env, **(env or {})})
        assert done.returncode == 0, f"central {args[0]}: {done.stderr}"
        return done.stdout

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "minimarket", "central", "up", "--port", str(self.port),
                 "--db", self.db_url, "--redis", REDIS_URL],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"central exited at start-up: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"central did not answer /health: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing, requests in flight cut off."""
        assert self.process is not None and self.process.poll() is None, "central is not up"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(15)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(15)


class Pc:
    """One store PC: its own data folder, machine secret and operator passphrase."""

    def __init__(self, name: str, store: str, workdir: Path):
        self.name, self.store, self.workdir = name, store, workdir
        self.folder = workdir / name
        self.machine_secret = workdir / "machines" / f"{name}.key"
        self.passphrase = f"frase de {name}"
        self.env = {"PATH": os.environ["PATH"], "HOME": str(workdir),
                    "MINIMARKET_STORE_PASSPHRASE": self.passphrase,
                    "MINIMARKET_MACHINE_SECRET": str(self.machine_secret)}
        self.device_id: uuid.UUID | None = None

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "minimarket", "store", "--data", str(self.folder), *args],
            capture_output=True, text=True, cwd=self.workdir, env=self.env, timeout=120)

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, f"{self.name} {args[0]}: {done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "minimarket", "store", "--data", str(self.folder), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=self.workdir,
            env=self.env)

    def status(self) -> dict:
        return json.loads(self.ok("status", "--json"))

    def stock(self) -> dict:
        return parse_stock(self.ok("stock", "--json"))

    def open(self):  # the desktop application's own access to the folder
        from desktop.app.store import open_store

        return open_store(self.folder, passphrase=self.passphrase,
                          machine_secret=self.machine_secret)


class Ledger:
    """What the test did, and so what every replica must end up with.

    The test runs one command at a time, so the order the commands ran is the order of
    their clocks: a count sets the level, later movements move it from there.
    """

    def __init__(self) -> None:
        self.levels: dict[str, dict[str, int]] = defaultdict(dict)
        self.movements: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        self.ops_by: Counter[str] = Counter()

    def record(self, pc: Pc, command: str, code: str, quantity: str, times: int = 1) -> None:
        sku, amount = SKU_OF[code], milli(quantity)
        store = self.levels[pc.store]
        if command == "count":
            store[sku] = amount
            self.counts[pc.store] += times
        else:
            store[sku] = store.get(sku, 0) + SIGN[command] * amount * times
            self.movements[pc.store] += times
        self.ops_by[pc.name] += times

    def act(self, pc: Pc, command: str, code: str, quantity: str, *options: str) -> None:
        pc.ok(command, code, quantity, *options)
        self.record(pc, command, code, quantity)


def pile_up(pc: Pc, ledger: Ledger, sku: str, sales: int, intakes: int) -> None:
    """Thousands of sales and intakes in the PC's outbox, through the desktop's use case
    (one `store sale` process each would take an hour)."""
    from desktop.app.stock_actions import move
    from shared.domain.enums import MovementKind
    from shared.ops.recorder import Recorder

    store = pc.open()
    try:
        store_id = store.store_id
        with store.transaction() as session:
            recorder = Recorder(session, store.replica)
            with recorder.batch():
                for n in range(sales):
                    move(session, recorder, store_id, sku, MovementKind.SALE, Decimal(1))
                    if n % (sales // intakes) == 0:
                        move(session, recorder, store_id, sku, MovementKind.INTAKE, Decimal(6))
    finally:
        store.engine.dispose()
    ledger.record(pc, "sale", sku, "1", times=sales)
    ledger.record(pc, "intake", sku, "6", times=intakes)


def sync_report(stdout: str) -> tuple[int, int, int]:
    found = re.search(r"sent (\d+) \((\d+) already there\), refused (\d+)", stdout)
    assert found, stdout
    sent, duplicates, refused = (int(group) for group in found.groups())
    return sent, duplicates, refused


def test_pcs_converge_after_central_is_killed_mid_sync_and_nothing_doubles(pg_url, tmp_path):
    central = Central(pg_url, tmp_path)
    pcs = {name: Pc(name, store, tmp_path) for name, store in
           [("a1", STORE_A), ("a2", STORE_A), ("a3", STORE_A), ("b1", STORE_B)]}
    a1, a2, a3, b1 = pcs.values()
    ledger = Ledger()
    database = psycopg.connect(psycopg_dsn(pg_url), autocommit=True)
    http, sync = None, None
    try:
        # HQ: schema, catalog, stores, an administrator; central up; the PCs enroll.
        central.cli("migrate")
        (tmp_path / "products.csv").write_text(PRODUCTS_CSV, encoding="utf-8")
        central.cli("import-products", str(tmp_path / "products.csv"))
        central.cli("add-store", STORE_A, "Sucursal Norte")
        central.cli("add-store", STORE_B, "Sucursal Sur")
        admin = f"admin_{uuid.uuid4().hex[:8]}"
        central.cli("create-admin", admin, env={"MINIMARKET_PASSWORD": "clave-de-prueba-123"})
        central.start()
        for pc in pcs.values():
            token = central.cli("enroll-token", "--store", pc.store, "--ttl", "1").strip()
            pc.ok("enroll", "--server", central.url, "--token", token, "--name", pc.name)
            pc.device_id = uuid.UUID(pc.status()["device_id"])
            assert pc.stock() == {"store": pc.store, "items": items({})}

        # Central down: every PC keeps working offline, on the same products.
        central.stop()
        ledger.act(a1, "intake", "1001", "50", "--cost", "1800,00")
        ledger.act(a2, "sale", "7790001000019", "2")  # by barcode
        ledger.act(a3, "count", "1002", "40")
        ledger.act(b1, "intake", "1001", "7")
        ledger.act(a1, "sale", "1002", "5")  # after a3's count: counts from there
        ledger.act(a2, "intake", "1003", "10")
        ledger.act(a3, "sale", "1003", "0,350")
        ledger.act(b1, "count", "1003", "1,250")
        ledger.act(a2, "return", "1001", "1", "--reason", "cliente devolvió")
        ledger.act(a3, "adjust", "1002", "-2", "--reason", "rotura")
        ledger.act(b1, "sale", "7790001000057", "3")  # drives B negative: recorded, flagged
        ledger.act(a1, "sale", "1003", "1.5")
        ledger.act(a2, "count", "1001", "45")
        ledger.act(a1, "sale", "1001", "4")
        pile_up(a1, ledger, "1004", BULK_SALES, BULK_INTAKES)
        outbox = ledger.ops_by["a1"]
        assert a1.status()["pending_ops"] == outbox

        # Central back; the store's level is read once (and cached) before a1 pushes.
        central.start()
        http = httpx.Client(base_url=central.url, timeout=30)
        login = http.post("/api/auth/token",
                          data={"username": admin, "password": "clave-de-prueba-123"})
        assert login.status_code == 200, login.text
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        assert http.get("/api/deposito/stock", params={"store": STORE_A}).status_code == 200

        # a1 pushes its thousands of operations; central dies as the first batch lands.
        sync = a1.popen("sync")
        at_central = 0
        deadline = time.monotonic() + 90
        while at_central == 0 and sync.poll() is None and time.monotonic() < deadline:
            at_central = database.execute(
                "SELECT count(*) FROM operations WHERE device_id = %s", (a1.device_id,)
            ).fetchone()[0]
            if at_central == 0:
                time.sleep(0.005)
        central.kill()
        out, err = sync.communicate(timeout=90)
        at_central = database.execute(
            "SELECT count(*) FROM operations WHERE device_id = %s", (a1.device_id,)
        ).fetchone()[0]
        assert 0 < at_central < outbox, f"not killed mid-sync: {at_central} of {outbox} at central"
        assert sync.returncode != 0, out
        assert err.startswith("error: cannot reach ") and central.url in err, err
        assert "Traceback" not in err
        # Nothing lost: each operation is at central or still in a1's outbox, or both when
        # central committed a batch and died before answering for it.
        pending = a1.status()["pending_ops"]
        twice = at_central + pending - outbox
        assert pending > 0 and 0 <= twice <= 1000, (at_central, pending, outbox)

        # Offline again while central is dead.
        ledger.act(a3, "sale", "1004", "2")
        ledger.act(b1, "sale", "1001", "2")

        # Restart on the same database: the operations pushed twice count once.
        central.start()
        sent, duplicates, refused = sync_report(a1.ok("sync"))
        assert (sent, duplicates, refused) == (pending - twice, twice, 0)
        for _ in range(2):  # twice round: every PC sees every other PC's operations
            for pc in pcs.values():
                assert sync_report(pc.ok("sync"))[2] == 0

        expected = {store: items(levels) for store, levels in ledger.levels.items()}
        for pc in pcs.values():
            status = pc.status()
            assert (status["pending_ops"], status["refused_ops"]) == (0, 0), (pc.name, status)
            assert pc.stock() == {"store": pc.store, "items": expected[pc.store]}, pc.name
        assert b1.status()["conflicts"] == 1  # 1004 below zero in SUR

        # Central holds each operation once, and serves the same levels (cache refreshed).
        for store in (STORE_A, STORE_B):
            answer = http.get("/api/deposito/stock", params={"store": store})
            assert answer.status_code == 200, answer.text
            assert parse_stock(answer.text) == {"store": store, "items": expected[store]}
        central.cli("rebuild-stock", "--check")
        for pc in pcs.values():
            made = database.execute("SELECT count(*) FROM operations WHERE device_id = %s",
                                    (pc.device_id,)).fetchone()[0]
            assert made == ledger.ops_by[pc.name], pc.name
        rows = dict(database.execute(
            "SELECT s.code, count(*) FROM stock_movements m JOIN stores s ON s.id = m.store_id"
            " GROUP BY s.code").fetchall())
        assert rows == dict(ledger.movements)
        rows = dict(database.execute(
            "SELECT s.code, count(*) FROM count_entries c JOIN stores s ON s.id = c.store_id"
            " GROUP BY s.code").fetchall())
        assert rows == dict(ledger.counts)
        unsequenced = database.execute(
            "SELECT count(*) FROM operations WHERE seq IS NULL").fetchone()[0]
        assert unsequenced == 0

        # Inside the folders: store A's PCs hold all of A's ledger, store B's folder none of it.
        store_ids = dict(database.execute("SELECT code, id FROM stores").fetchall())
        for pc in (a2, b1):
            assert_folder_scope(pc, list(pcs.values()), store_ids, ledger)
    finally:
        if sync is not None and sync.poll() is None:
            sync.kill()
            sync.communicate(timeout=15)
        central.stop()
        database.close()
        if http is not None:
            http.close()


def assert_folder_scope(pc: Pc, pcs: list[Pc], store_ids: dict[str, uuid.UUID],
                        ledger: Ledger) -> None:
    """The PC's folder holds its whole store's ledger, from every PC of it, and nothing of
    another store (operations, movements, counts, levels)."""
    from shared.db import tables as t

    own = store_ids[pc.store]
    others = [store_id for code, store_id in store_ids.items() if code != pc.store]
    store = pc.open()
    try:
        with Session(store.engine) as session:
            def rows(table, *store_ids):
                return session.scalar(select(func.count()).select_from(table)
                                      .where(table.store_id.in_(store_ids)))

            for table in (t.OperationRow, t.StockMovement, t.CountEntry, t.StockLevel):
                assert rows(table, *others) == 0, (pc.name, table.__tablename__)
            assert rows(t.StockMovement, own) == ledger.movements[pc.store], pc.name
            assert rows(t.CountEntry, own) == ledger.counts[pc.store], pc.name
            devices = set(session.scalars(select(t.OperationRow.device_id).where(
                t.OperationRow.store_id == own,
                t.OperationRow.entity.in_(["stock_movement", "count_entry"]))))
            assert devices == {other.device_id for other in pcs if other.store == pc.store}
    finally:
        store.engine.dispose()
