"""Benchmark: sync over HTTP with central on PostgreSQL, beside raw bulk inserts.

Each part runs against ``minimarket central up`` on a scratch PostgreSQL database (and
a free Redis database):

* push and pull: a store PC (a data folder enrolled with ``desktop.app.store.enroll``,
  SQLCipher) records N stock movements (default 100,000) into its outbox before the
  clock starts; the clock times ``SyncClient.push_pending`` over ``HttpTransport``.
  A second PC of the same store is then enrolled and its full pull timed
  (``desktop.app.store.sync``). Baselines: SQLAlchemy Core
  ``conn.execute(insert(table), rows)`` of the rows each side wrote, in one
  transaction: at central into a copy of its database as it was before the push, on
  the PC into a fresh SQLCipher file. Targets: at least 5,000 operations/s each way,
  at most 5 times the baseline's time.
* initial sync: central holds P products (default 50,000) and M movements of the store
  (default 2 N); ``minimarket store enroll`` runs as a child process (through a small
  launcher, see ``_processes.LAUNCHER``): its wall time and peak RSS (``ru_maxrss``). Targets:
  under 60 s and under 300 MB.

It exits 1 when a result is wrong: central does not hold exactly N new movements
after the push, a PC's stock levels differ from central's, or row counts disagree.

    .venv/bin/python benchmarks/bench_sync.py [--movements N] [--products N] [--json]
        [--initial-movements M] [--parts push-pull,initial] [--profile] [--py-spy FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _processes import LAUNCHER, free_port, redis_database, server
from _support import (
    DEFAULT_ADMIN_URL,
    log,
    render_table,
    run_benchmark,
    scratch_database,
    stop_cleanly_on_sigterm,
    timed,
)
from _sync_data import (
    enrollment_token,
    record_movements,
    scope_count,
    sequence_all,
    write_catalog,
    write_pushed_movements,
)
from sqlalchemy import Engine, Table, func, insert, select, text
from sqlalchemy.orm import Session

from desktop.app.store import (
    APP_VERSION,
    SECRET_KEY,
    SERVER_KEY,
    STORE_CODE_KEY,
    STORE_ID_KEY,
    StoreData,
    enroll,
    open_store,
    sync,
)
from shared.db import tables as t
from shared.db.engine import create_db_engine, open_sqlcipher
from shared.db.migrate import upgrade
from shared.db.stock_levels import StockPair, cached_levels, compute_levels
from shared.db.store_database import create_store_database
from shared.ops.recorder import ROLE_KEY, load_replica
from shared.security.keyslots import FileMachineSecretStore
from sync.client import SyncClient, SyncReport, outbox_counts
from sync.transport_http import HttpTransport
from sync.transport_http import enroll as enroll_device

MIN_OPS_PER_SECOND = 5_000
MAX_RATIO = 5.0
MAX_INITIAL_SECONDS = 60.0
MAX_INITIAL_RSS_MB = 300.0
#: The catalog of the push-and-pull part: what a fresh PC pulls besides the movements.
PUSH_CATALOG = 1_000
PASSPHRASE = "bench-frase-de-acceso-1"
PARTS = ("push-pull", "initial")
_T = TypeVar("_T")


def core(model: type[t.Base]) -> Table:
    return cast(Table, model.__table__)


#: What a pull writes on a PC, besides its own bookkeeping and the stock cache.
PULLED_TABLES = tuple(core(m) for m in (t.OperationRow, t.Store, t.Product, t.Barcode, t.Price,
                                         t.StockMovement))


@dataclass
class Check:
    name: str
    expected: Any
    found: Any

    @property
    def ok(self) -> bool:
        return bool(self.expected == self.found)


# --- processes -------------------------------------------------------------------------


def central_up(
    stack: ExitStack, url: str, redis_url: str, work: Path, label: str
) -> tuple[str, int]:
    """``minimarket central up`` on ``url``; its base URL and pid."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "DASHBOARD_API_KEY", "CORS_ORIGINS")}
    env.update(JWT_SECRET_KEY=secrets.token_urlsafe(48), LOG_LEVEL="WARNING",
               MINIMARKET_DATA_DIR=str(work / "central-data"), MINIMARKET_ENV="development")
    command = [str(Path(sys.executable).with_name("minimarket")), "central", "up", "--db", url,
               "--redis", redis_url, "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    process = stack.enter_context(server(label, command, f"{base}/health", work, env))
    return base, process.pid


@contextmanager
def sampled(pid: int, path: Path | None) -> Iterator[None]:
    """``py-spy record`` of ``pid`` meanwhile (svg: flame graph, txt: raw stacks)."""
    if path is None:
        yield
        return
    spy = subprocess.Popen([*py_spy_record(path), "--pid", str(pid)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        time.sleep(0.5)  # attached before the clock starts
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
        log(f"py-spy: wrote {path}")


def py_spy_record(path: Path) -> list[str]:
    formats = {".svg": "flamegraph", ".txt": "raw", ".json": "speedscope"}
    program = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return [program, "record", "--rate", "200", "--format",
            formats.get(path.suffix, "flamegraph"), "-o", str(path)]


def spy_path(args: argparse.Namespace, part: str) -> Path | None:
    if not args.py_spy:
        return None
    path = Path(args.py_spy)
    return path.with_name(f"{path.stem}-{part}{path.suffix or '.svg'}")


def measured(function: Callable[[], _T], label: str, profile: bool) -> tuple[float, _T]:
    """Seconds of ``function``; with ``profile`` a cProfile of it on stderr (time then
    includes the profiler's overhead)."""
    if not profile:
        return timed(function)
    profiler = cProfile.Profile()
    seconds, value = timed(partial(profiler.runcall, function))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    log(f"--- cProfile of the {label}, by cumulative time ---\n{out.getvalue()}")
    return seconds, value


# --- store PCs -------------------------------------------------------------------------


def new_pc(data_dir: Path, base: str, token: str, machine_secret: Path) -> StoreData:
    """What ``store enroll`` does before its first sync: the credential, the encrypted
    folder, the identity; so that the first sync can be timed alone."""
    credential = enroll_device(base, token, name=data_dir.name)
    engine = create_store_database(data_dir, PASSPHRASE, FileMachineSecretStore(machine_secret))
    with Session(engine) as session, session.begin():
        session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
        session.flush()
        replica = load_replica(session, device_id=uuid.UUID(credential["device_id"]))
    store = StoreData(data_dir, engine, replica)
    store.set_meta(**{SERVER_KEY: base, STORE_ID_KEY: credential["store_id"],
                      STORE_CODE_KEY: credential["store"], SECRET_KEY: credential["device_secret"]})
    return store


def push_outbox(pc: StoreData, base: str) -> SyncReport:
    secret = pc.meta(SECRET_KEY) or ""
    client = SyncClient(pc.transaction, HttpTransport(base, pc.replica.device_id, secret),
                        pc.replica.clock, app_version=APP_VERSION)
    report = SyncReport()
    client.push_pending(report)
    return report




def run_enroll_command(base: str, token: str, data_dir: Path, work: Path,
                       spy: Path | None = None) -> dict[str, Any]:
    """``minimarket store enroll`` in a child process: wall time, peak RSS, its output.

    With ``spy`` the command runs under ``py-spy record`` (its figures then include it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMARKET_")}
    env.update(MINIMARKET_STORE_PASSPHRASE=PASSPHRASE, MINIMARKET_ENV="development",
               MINIMARKET_MACHINE_SECRET=str(work / "machine-new.key"),
               MINIMARKET_DATA_DIR=str(work / "pc-settings"))
    command = [str(Path(sys.executable).with_name("minimarket")), "store", "--data", str(data_dir),
               "enroll", "--server", base, "--token", token, "--name", "Caja nueva"]
    if spy is not None:
        command = [*py_spy_record(spy), "--", *command]
    out_path, err_path, usage_path = work / "enroll.out", work / "enroll.err", work / "usage.json"
    samples: list[tuple[float, float]] = []
    with out_path.open("wb") as out, err_path.open("wb") as err:
        launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(usage_path), *command],
                                    env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        done = threading.Event()
        sampler = threading.Thread(target=sample_rss, args=(launcher.pid, samples, done),
                                   daemon=True)
        sampler.start()
        try:
            launcher.wait()
        finally:
            done.set()
            if launcher.poll() is None:  # interrupted: end the command with its launcher
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()
        sampler.join()
    usage = json.loads(usage_path.read_text()) if usage_path.exists() else {
        "seconds": float("nan"), "maxrss_kb": 0, "exit_code": launcher.returncode}
    output = out_path.read_text(errors="replace").strip()
    found = re.search(r"; (\d+) operations received", output)
    shown = [Path(command[0]).name, *command[1:]]
    shown = shown[shown.index("--") + 1:] if spy is not None else shown
    shown[shown.index("--token") + 1] = "TOKEN"
    return {"command": " ".join(shown), "rss_mb_over_time": samples,
            "seconds": usage["seconds"], "peak_rss_mb": usage["maxrss_kb"] * 1024 / 1e6,
            "exit_code": usage["exit_code"], "received": int(found.group(1)) if found else None,
            "output": output, "stderr_tail": err_path.read_text(errors="replace")[-2000:]}


def sample_rss(launcher: int, samples: list[tuple[float, float]],
               done: threading.Event) -> None:
    """(seconds, MB) of the launched command's resident set 20 times a second (Linux
    ``/proc``): where the memory goes, beside the peak."""
    start = time.perf_counter()
    children = Path(f"/proc/{launcher}/task/{launcher}/children")
    status: Path | None = None
    while not done.wait(0.05):
        try:
            if status is None:
                pids = children.read_text().split()
                if not pids:
                    continue
                status = Path(f"/proc/{pids[0]}/status")
            found = re.search(r"^VmRSS:\s+(\d+) kB", status.read_text(), re.MULTILINE)
        except OSError:
            return
        if found:
            samples.append((round(time.perf_counter() - start, 2),
                            round(int(found.group(1)) * 1024 / 1e6, 1)))


# --- reading and comparing ---------------------------------------------------------------


def count(engine: Engine, table: Table, *where: Any) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def rows_of(engine: Engine, table: Table, *where: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table).where(*where))]


def store_levels(
    engine: Engine, store_id: uuid.UUID, *, ledger: bool = False
) -> dict[StockPair, int]:
    with Session(engine) as session:
        levels = compute_levels(session) if ledger else cached_levels(session)
    return {pair: qty for pair, qty in levels.items() if pair[0] == store_id}


def levels_check(name: str, expected: dict[StockPair, int], found: dict[StockPair, int],
                 problems: list[str]) -> Check:
    """Pairs whose level agrees (a pair missing on one side counts as level 0)."""
    pairs = set(expected) | set(found)
    wrong = [pair for pair in pairs if expected.get(pair, 0) != found.get(pair, 0)]
    for pair in wrong[:5]:
        problems.append(f"{name}: {pair} expected {expected.get(pair, 0)}, "
                        f"found {found.get(pair, 0)}")
    return Check(name, len(pairs), len(pairs) - len(wrong))


def raw_insert(engine: Engine, rows: dict[Table, list[dict[str, Any]]]) -> None:
    """The baseline: one Core executemany per table, one transaction."""
    with engine.begin() as connection:
        for table, table_rows in rows.items():
            if table_rows:
                connection.execute(insert(table), table_rows)


# --- push and pull ---------------------------------------------------------------------


def bench_push_pull(args: argparse.Namespace, work: Path, checks: list[Check],
                    problems: list[str]) -> dict[str, Any]:
    phases: dict[str, float] = {}
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database(args.pg, "push"))
        engine = stack.enter_context(_engine(url))
        upgrade(engine)
        phases["catalog"], catalog = timed(lambda: write_catalog(engine, PUSH_CATALOG,
                                                                 seed=args.seed))
        tokens = [enrollment_token(engine) for _ in range(2)]
        sequence_all(engine)
        engine.pool.dispose()  # nobody connected: the copy below needs that
        base_url = stack.enter_context(scratch_database(args.pg, "pushbase", template="push"))
        with ExitStack() as running:
            redis_url = running.enter_context(redis_database(args.redis))
            base, pid = central_up(running, url, redis_url, work, "central-push")
            log(f"enrolling PC 1 ({PUSH_CATALOG:,} products to pull)")
            pc1, first = enroll(work / "pc1", base, tokens[0], passphrase=PASSPHRASE,
                                machine_secret=work / "machine1.key", name="Caja 1")
            stack.callback(pc1.engine.dispose)
            log(f"PC 1 enrolled: {first.pulled:,} operations pulled; recording "
                f"{args.movements:,} movements into its outbox")
            phases["record_movements"], _ = timed(lambda: record_movements(
                pc1.transaction, pc1.replica, catalog, args.movements, seed=args.seed,
                progress=lambda n: log(f"  {n:,} movements recorded")))
            with Session(pc1.engine) as session:
                outbox = outbox_counts(session)
            checks.append(Check("PC 1 outbox pending before the push", args.movements,
                                outbox["pending"]))
            movements = core(t.StockMovement)
            before = count(engine, movements)
            log(f"pushing {outbox['pending']:,} operations")
            with sampled(pid, spy_path(args, "push")):
                push_seconds, pushed = measured(partial(push_outbox, pc1, base), "push",
                                                args.profile)
            log(f"push: {push_seconds:.2f} s ({args.movements / push_seconds:,.0f} ops/s)")
            device = pc1.replica.device_id
            operations = core(t.OperationRow)
            checks += [
                Check("central: new movements after the push", args.movements,
                      count(engine, movements) - before),
                Check("central: movements of PC 1", args.movements,
                      count(engine, movements, movements.c.device_id == device)),
                Check("central: operations of PC 1 without a sequence number", 0,
                      count(engine, operations, operations.c.device_id == device,
                            operations.c.seq.is_(None))),
                Check("push report: accepted / refused", (args.movements, 0),
                      (pushed.pushed, pushed.refused)),
            ]
            with Session(pc1.engine) as session:
                outbox = outbox_counts(session)
            checks.append(Check("PC 1 outbox after the push: pending / accepted",
                                (0, args.movements), (outbox["pending"], outbox["accepted"])))
            log("enrolling PC 2 (fresh) and timing its full pull")
            pc2 = new_pc(work / "pc2", base, tokens[1], work / "machine2.key")
            stack.callback(pc2.engine.dispose)
            with sampled(pid, spy_path(args, "pull")):
                pull_seconds, pulled = measured(partial(sync, pc2), "pull", args.profile)
            log(f"pull: {pulled.pulled:,} operations in {pull_seconds:.2f} s "
                f"({pulled.pulled / pull_seconds:,.0f} ops/s)")
        with Session(engine) as session:
            scope = scope_count(session, catalog.store_id)
        central_levels = store_levels(engine, catalog.store_id)
        checks += [
            Check("PC 2: operations pulled = central's scope", scope, pulled.pulled),
            Check("PC 2: operations held = pulled", pulled.pulled,
                  count(pc2.engine, core(t.OperationRow))),
            Check("PC 2: movements = central's for the store",
                  count(engine, movements, movements.c.store_id == catalog.store_id),
                  count(pc2.engine, movements)),
            levels_check("PC 2: stock levels = central's (pairs)", central_levels,
                         store_levels(pc2.engine, catalog.store_id), problems),
            levels_check("central: stock cache = its ledger (pairs)",
                         store_levels(engine, catalog.store_id, ledger=True), central_levels,
                         problems),
            levels_check("PC 2: stock cache = its ledger (pairs)",
                         store_levels(pc2.engine, catalog.store_id, ledger=True),
                         store_levels(pc2.engine, catalog.store_id), problems),
        ]
        log("baselines: the push's rows into central's database as it was before the push")
        pushed_rows = {operations: rows_of(engine, operations, operations.c.device_id == device),
                       movements: rows_of(engine, movements, movements.c.device_id == device)}
        base_engine = stack.enter_context(_engine(base_url))
        push_baseline, _ = timed(lambda: raw_insert(base_engine, pushed_rows))
        checks.append(Check("push baseline: movements written", args.movements,
                            count(base_engine, movements) - before))
        log("baselines: the pull's rows into a fresh SQLCipher file")
        pulled_rows = {table: rows_of(pc2.engine, table) for table in PULLED_TABLES}
        cipher = open_sqlcipher(work / "baseline.db", os.urandom(32), create=True)
        stack.callback(cipher.dispose)
        upgrade(cipher)
        pull_baseline, _ = timed(lambda: raw_insert(cipher, pulled_rows))
        checks.append(Check("pull baseline: rows written = PC 2's",
                            [len(rows) for rows in pulled_rows.values()],
                            [count(cipher, table) for table in PULLED_TABLES]))
    return {
        "catalog_products": PUSH_CATALOG, "phases": phases,
        "push": direction("push", args.movements, push_seconds, push_baseline),
        "pull": direction("pull", pulled.pulled, pull_seconds, pull_baseline),
        "pull_movements": args.movements, "pull_catalog_ops": pulled.pulled - args.movements,
    }


def direction(name: str, ops: int, seconds: float, baseline: float) -> dict[str, Any]:
    rate, ratio = ops / seconds, seconds / baseline
    return {"name": name, "ops": ops, "seconds": seconds, "ops_per_second": rate,
            "baseline_seconds": baseline, "baseline_ops_per_second": ops / baseline,
            "ratio": ratio, "passed": rate >= MIN_OPS_PER_SECOND and ratio <= MAX_RATIO}


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


# --- initial sync ----------------------------------------------------------------------


def bench_initial(args: argparse.Namespace, work: Path, checks: list[Check],
                  problems: list[str]) -> dict[str, Any]:
    phases: dict[str, float] = {}
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database(args.pg, "initial"))
        engine = stack.enter_context(_engine(url))
        upgrade(engine)
        log(f"initial sync: writing {args.products:,} products at central")
        phases["catalog"], catalog = timed(lambda: write_catalog(engine, args.products,
                                                                 seed=args.seed + 1))
        log(f"initial sync: {args.initial_movements:,} movements pushed earlier by a PC")
        phases["movements"], _ = timed(lambda: write_pushed_movements(
            engine, catalog, args.initial_movements, seed=args.seed + 2,
            progress=lambda n: log(f"  {n:,} movements written")))
        phases["sequence"], sequenced = timed(lambda: sequence_all(engine))
        log(f"sequenced {sequenced:,} operations in {phases['sequence']:.1f} s")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            phases["analyze"], _ = timed(lambda: connection.execute(text("VACUUM ANALYZE")))
        token = enrollment_token(engine)
        with Session(engine) as session:
            scope = scope_count(session, catalog.store_id)
        with ExitStack() as running:
            redis_url = running.enter_context(redis_database(args.redis))
            base, pid = central_up(running, url, redis_url, work, "central-initial")
            log(f"minimarket store enroll: {scope:,} operations to receive")
            with sampled(pid, spy_path(args, "initial-central")):
                result = run_enroll_command(base, token, work / "pc-new", work,
                                            spy_path(args, "initial-pc"))
        log(f"initial sync: {result['seconds']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB, "
            f"exit code {result['exit_code']}")
        if result["exit_code"] != 0:
            problems.append(f"store enroll failed: {result['stderr_tail']}")
            checks.append(Check("store enroll exit code", 0, result["exit_code"]))
            return {"phases": phases, "scope": scope, **result}
        pc = open_store(work / "pc-new", passphrase=PASSPHRASE,
                        machine_secret=work / "machine-new.key")
        stack.callback(pc.engine.dispose)
        movements = core(t.StockMovement)
        checks += [
            Check("new PC: operations received = central's scope", scope, result["received"]),
            Check("new PC: products", args.products, count(pc.engine, core(t.Product))),
            Check("new PC: movements = central's", count(engine, movements),
                  count(pc.engine, movements)),
            levels_check("new PC: stock levels = central's (pairs)",
                         store_levels(engine, catalog.store_id),
                         store_levels(pc.engine, catalog.store_id), problems),
        ]
    passed = (result["seconds"] < MAX_INITIAL_SECONDS
              and result["peak_rss_mb"] < MAX_INITIAL_RSS_MB)
    return {"phases": phases, "scope": scope, "passed": passed, **result}


# --- output ----------------------------------------------------------------------------


def push_pull_lines(figures: dict[str, Any]) -> list[str]:
    pp = figures["push_pull"]
    headers = ["direction", "ops", "seconds", "ops/s", "baseline s", "baseline ops/s", "ratio",
               "result"]
    rows = [[d["name"], d["ops"], d["seconds"], d["ops_per_second"], d["baseline_seconds"],
             d["baseline_ops_per_second"], d["ratio"], "PASS" if d["passed"] else "FAIL"]
            for d in (pp["push"], pp["pull"])]
    return [
        f"push and pull over HTTP, central on PostgreSQL (one store, "
        f"{pp['catalog_products']:,} products): {figures['movements']:,} movements; the pull "
        f"also receives the catalog ({pp['pull_catalog_ops']:,} operations)",
        render_table(headers, rows),
        f"targets: >= {MIN_OPS_PER_SECOND:,} ops/s and ratio <= {MAX_RATIO:g}; baselines: Core "
        "insert of the same rows (push: operations + stock_movements into central's database "
        "as before the push; pull: every row the pull wrote into a fresh SQLCipher file)",
    ]


def initial_lines(figures: dict[str, Any]) -> list[str]:
    initial = figures["initial"]
    received = initial.get("received") or 0
    lines = [
        f"initial sync of a new PC (`minimarket store enroll`, child process): "
        f"{figures['products']:,} products, {figures['initial_movements']:,} movements at central",
        render_table(["ops received", "seconds", "ops/s", "peak RSS MB", "result"],
                     [[received, initial["seconds"], received / initial["seconds"],
                       initial["peak_rss_mb"], "PASS" if initial.get("passed") else "FAIL"]]),
        f"targets: < {MAX_INITIAL_SECONDS:g} s and < {MAX_INITIAL_RSS_MB:g} MB peak RSS "
        "(interpreter start-up and the key slot's Argon2id included)",
    ]
    course = initial.get("rss_mb_over_time") or []
    if course:
        marks = [course[min(len(course) - 1, round(f * (len(course) - 1)))]
                 for f in (0, 0.25, 0.5, 0.75, 1)]
        lines.append("its resident set (s: MB): "
                     + ", ".join(f"{at:g}: {mb:,.0f}" for at, mb in marks))
    return lines


def print_figures(figures: dict[str, Any], checks: list[Check], problems: list[str],
                  to_json: bool) -> None:
    out = sys.stderr if to_json else sys.stdout
    lines = [""]
    if "push_pull" in figures:
        lines += [*push_pull_lines(figures), ""]
    if "initial" in figures:
        lines += [*initial_lines(figures), ""]
    lines.append(render_table(["check", "expected", "found", "result"],
                              [[c.name, str(c.expected), str(c.found), "OK" if c.ok else "WRONG"]
                               for c in checks]))
    phases = [f"{part} {name} {seconds:.1f} s"
              for part, key in (("push/pull", "push_pull"), ("initial", "initial"))
              for name, seconds in figures.get(key, {}).get("phases", {}).items()]
    load = figures["loadavg"]
    lines += [f"\nset-up (not timed as figures): {', '.join(phases)}",
              f"load average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
              f"({os.cpu_count()} cores)",
              *[f"PROBLEM: {problem}" for problem in problems]]
    print("\n".join(lines), file=out)
    if to_json:
        print(json.dumps({**figures, "checks": [{**asdict(c), "ok": c.ok} for c in checks],
                          "problems": problems}, default=str))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movements", type=int, default=100_000,
                        help="movements one PC pushes and a fresh PC pulls (default 100000)")
    parser.add_argument("--products", type=int, default=50_000,
                        help="products at central for the initial sync (default 50000)")
    parser.add_argument("--initial-movements", type=int,
                        help="movements at central for the initial sync (default: twice "
                             "--movements)")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="comma-separated: push-pull, initial (default both)")
    parser.add_argument("--json", action="store_true",
                        help="also print the figures as one JSON object (alone on stdout; "
                             "the tables go to stderr)")
    parser.add_argument("--pg", default=DEFAULT_ADMIN_URL,
                        help=f"server for the scratch databases ({DEFAULT_ADMIN_URL})")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379",
                        help="Redis server; a free numbered database is used and emptied")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the PC side of the push and of the pull (stderr; their "
                             "times then include the profiler's overhead)")
    parser.add_argument("--py-spy", metavar="FILE",
                        help="sample with py-spy (on PATH or in the venv): central during the "
                             "push, the pull and the initial sync, and the enrolling PC "
                             "(FILE-push, -pull, -initial-central, -initial-pc; .svg flame "
                             "graph, .txt raw stacks)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed (default: only on wrong results)")
    args = parser.parse_args(argv)
    args.parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    if not args.parts or set(args.parts) - set(PARTS):
        parser.error(f"--parts takes {', '.join(PARTS)}")
    if args.initial_movements is None:
        args.initial_movements = 2 * args.movements
    if min(args.movements, args.products, args.initial_movements) < 1:
        parser.error("--movements, --products and --initial-movements must be positive")
    if args.products < PUSH_CATALOG:
        log(f"note: the push-and-pull part always uses {PUSH_CATALOG:,} products")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_sigterm()
    checks: list[Check] = []
    problems: list[str] = []
    figures: dict[str, Any] = {
        "movements": args.movements, "products": args.products,
        "initial_movements": args.initial_movements, "loadavg": os.getloadavg(),
        "targets": {"min_ops_per_second": MIN_OPS_PER_SECOND, "max_ratio": MAX_RATIO,
                    "max_initial_seconds": MAX_INITIAL_SECONDS,
                    "max_initial_rss_mb": MAX_INITIAL_RSS_MB},
    }
    with tempfile.TemporaryDirectory(prefix="mm_bench_sync_") as tmp:
        work = Path(tmp)
        if "push-pull" in args.parts:
            figures["push_pull"] = bench_push_pull(args, work, checks, problems)
        if "initial" in args.parts:
            figures["initial"] = bench_initial(args, work, checks, problems)
    print_figures(figures, checks, problems, args.json)
    wrong = bool(problems) or not all(check.ok for check in checks)
    passed = [figures["push_pull"][d]["passed"] for d in ("push", "pull")
              if "push_pull" in figures]
    missed = not all([*passed, figures.get("initial", {"passed": True}).get("passed")])
    return 1 if wrong or (args.strict and missed) else 0


if __name__ == "__main__":
    run_benchmark(main)
