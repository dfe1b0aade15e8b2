"""Benchmark: the store desktop app on a year of one store (50,000 products, 500,000 movements).

Builds an enrolled SQLCipher data folder (machine slot, so it opens without a
passphrase) in a temporary directory, or reuses ``--data DIR``, then measures:

* cold start to the login window: a child process (through the launcher of
  ``_processes``) runs ``desktop.ui.app`` offscreen on the folder; from its fork to the
  login page shown (``_desktop_child.py``); median of 3 runs;
* login to the first screen: in the same child, username + PIN + Enter on the login
  page until Inicio has shown its figures;
* peak memory: ``ru_maxrss`` of that child (start, login and Inicio);
* search as you type: ``search_products`` with a kept ``CatalogIndex``, one transaction
  per query as the Stock screen runs it, 200 queries; p50/p95 (the index's first load
  apart);
* a 20-line sale: 20 barcodes resolved into a ``Cart`` (one transaction each, as the
  Venta screen does) and ``store.write(cart.confirm, …)``; median of 20 sales.

Targets: start < 2 s, search p95 < 50 ms, sale < 100 ms, memory < 300 MB. It exits 1
only when a result is wrong (row counts, the stock cache against the ledger, the app
not reaching Inicio, a search that misses its product).

    .venv/bin/python benchmarks/bench_desktop.py [--products N] [--movements N]
        [--data DIR] [--json] [--profile] [--strict]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _central_data import SEARCH_WORDS, write_products
from _processes import LAUNCHER
from _support import log, render_table, run_benchmark, stop_cleanly_on_sigterm, timed
from _sync_data import STORE_ID, Catalog, movement_payload
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from desktop.app.catalog_index import CatalogIndex
from desktop.app.lookup import search_products
from desktop.app.sales import Cart
from desktop.app.store import (
    SECRET_KEY,
    SERVER_KEY,
    STORE_CODE_KEY,
    STORE_ID_KEY,
    StoreData,
    open_store,
)
from shared.db import tables as t
from shared.db.stock_levels import cached_levels, compute_levels, rebuild_levels
from shared.db.store_database import STORE_DATABASE_FILE, create_store_database
from shared.domain.enums import MovementKind
from shared.domain.ids import new_id
from shared.ops.apply import apply_operations, prepare
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation, OpKind
from shared.ops.recorder import ROLE_KEY, Recorder, Replica, json_value, load_replica
from shared.security.keyslots import FileMachineSecretStore
from shared.security.passwords import Hasher
from shared.settings import business_day

MAX_START_SECONDS = 2.0
MAX_SEARCH_P95_MS = 50.0
MAX_SALE_MS = 100.0
MAX_RSS_MB = 300.0
PASSPHRASE = "bench-frase-de-acceso-1"
USERNAME, PIN = "cajera", "4821"
USER_ID = uuid.UUID("0190b000-0000-7000-8000-000000000001")
START_RUNS = 3
SEARCHES = 200
SALES, SALE_LINES = 20, 20
SEARCH_ROWS = 50  # the Stock screen's ROWS
CHUNK = 50_000  # ledger operations per apply_operations
PRODUCT_CHUNK = 5_000
DAYS = 365
TYPOS = ("yerva", "galletitsa", "detergnete", "lavandian", "chocolatte", "cervesa", "fideso",
         "shampo", "manteka", "hamburgesas", "suavisante", "alfajro", "aciete", "mortadella",
         "jabon en povlo")
_OPERATIONS = cast(Table, t.OperationRow.__table__)


@dataclass
class Check:
    name: str
    expected: Any
    found: Any

    @property
    def ok(self) -> bool:
        return bool(self.expected == self.found)


@dataclass(frozen=True)
class Folder:
    data_dir: Path
    machine_secret: Path


# --- the store folder ----------------------------------------------------------------------


def folder_paths(data_dir: Path) -> Folder:
    return Folder(data_dir, data_dir.parent / f"{data_dir.name}-machine.key")


def build_folder(folder: Folder, products: int, movements: int, counts: int,
                 seed: int) -> dict[str, float]:
    """An enrolled store folder: catalog and staff as pulled from HQ, and a year of the
    store's ledger from an earlier till; the stock cache rebuilt once at the end."""
    rng = random.Random(seed)
    phases: dict[str, float] = {}
    start = time.perf_counter()
    engine = create_store_database(folder.data_dir, PASSPHRASE,
                                   FileMachineSecretStore(folder.machine_secret))
    year_ago = datetime.now(UTC) - timedelta(days=DAYS)
    with Session(engine) as session, session.begin():
        session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
        session.flush()
        load_replica(session)
        hq = Recorder(session, Replica(new_id(), HybridLogicalClock()))
        hq.upsert("store", STORE_ID, {"code": "S01", "name": "Sucursal 1"}, store_id=STORE_ID)
        hq.upsert("user", USER_ID, {
            "username": USERNAME, "full_name": "Cajera de prueba", "role": "cajero",
            "store_id": STORE_ID, "active": True, "pin_hash": Hasher().hash(PIN),
            "password_hash": None}, store_id=STORE_ID)
        for first in range(0, products, PRODUCT_CHUNK):
            with hq.batch():
                write_products(hq, min(PRODUCT_CHUNK, products - first), rng,
                               business_day(year_ago), first=first)
            log(f"  {min(first + PRODUCT_CHUNK, products):,} products")
        for key, value in ((SERVER_KEY, "http://127.0.0.1:9"), (STORE_ID_KEY, str(STORE_ID)),
                           (STORE_CODE_KEY, "S01"), (SECRET_KEY, "not-a-real-secret")):
            session.add(t.ReplicaMeta(key=key, value=value))
    phases["catalog"] = time.perf_counter() - start
    start = time.perf_counter()
    write_ledger(engine, Catalog(STORE_ID, products), movements, counts, rng)
    phases["ledger"] = time.perf_counter() - start
    start = time.perf_counter()
    with Session(engine) as session, session.begin():
        rebuild_levels(session)
    phases["rebuild levels"] = time.perf_counter() - start
    engine.dispose()
    return phases


def write_ledger(engine: Any, catalog: Catalog, movements: int, counts: int,
                 rng: random.Random) -> None:
    """``movements`` stock movements and ``counts`` count entries by an earlier till of
    the store, at times spread over the last year (its clock read at each one), applied
    with ``apply_operations`` in chunks, the stock cache left for one rebuild."""
    end = datetime.now(UTC) - timedelta(minutes=1)
    span = DAYS * 86_400.0
    total = movements + counts
    moments = sorted(rng.random() * span for _ in range(total))
    is_count = set(rng.sample(range(total), counts))
    wall = [0]
    till = Replica(new_id(), HybridLogicalClock(wall=lambda: wall[0]))
    done = 0
    while done < total:
        size = min(CHUNK, total - done)
        prepared = []
        for i in range(done, done + size):
            moment = end - timedelta(seconds=span - moments[i])
            wall[0] = int(moment.timestamp() * 1000)
            if i in is_count:
                entity = "count_entry"
                payload: dict[str, Any] = {
                    "store_id": catalog.store_id,
                    "product_id": catalog.product(rng.randrange(catalog.products)),
                    "qty_milli": 1000 * rng.randrange(0, 40), "count_session_id": None,
                    "counted_at": moment}
            else:
                entity, payload = "stock_movement", movement_payload(rng, catalog, moment)
            prepared.append(prepare(Operation(
                op_id=new_id(), hlc=till.clock.now(), device_id=till.device_id,
                user_id=USER_ID, kind=OpKind.APPEND, entity=entity, entity_id=new_id(),
                store_id=catalog.store_id, payload=json_value(payload))))
        with Session(engine) as session, session.begin():
            apply_operations(session, prepared, assume_new=True, refresh=False)
        done += size
        log(f"  {done:,} / {total:,} ledger operations")


def count_rows(store: StoreData, model: type[t.Base]) -> int:
    with Session(store.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def cache_check(store: StoreData) -> Check:
    """The stock cache against the whole ledger, pair by pair (as ``rebuild-stock``)."""
    with Session(store.engine) as session:
        ledger, cached = compute_levels(session), cached_levels(session)
    pairs = set(ledger) | set(cached)
    agree = sum(1 for pair in pairs if ledger.get(pair, 0) == cached.get(pair, 0))
    return Check("stock cache = ledger (pairs)", len(pairs), agree)


# --- the app in a child process ------------------------------------------------------------


def run_app(folder: Folder, work: Path, run: int, profile: bool) -> dict[str, Any]:
    """``_desktop_child.py`` through the launcher: its marks, peak RSS and exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMARKET_")}
    env.update(QT_QPA_PLATFORM="offscreen", MINIMARKET_ENV="development",
               MINIMARKET_MACHINE_SECRET=str(folder.machine_secret),
               MINIMARKET_DATA_DIR=str(work / "settings"))
    child = Path(__file__).with_name("_desktop_child.py")
    command = [sys.executable, str(child), str(folder.data_dir), USERNAME, PIN]
    stats = work / f"app-{run}.prof"
    if profile:
        command += ["--profile", str(stats)]
    usage_path, out_path = work / f"app-{run}.json", work / f"app-{run}.out"
    usage_path.unlink(missing_ok=True)
    with out_path.open("wb") as out:
        completed = subprocess.run([sys.executable, "-c", LAUNCHER, str(usage_path), *command],
                                   env=env, stdout=out, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, timeout=300, check=False)
    usage = json.loads(usage_path.read_text()) if usage_path.exists() else {
        "started_at": float("nan"), "maxrss_kb": 0, "exit_code": completed.returncode}
    marks: dict[str, float] = {}
    problems: list[str] = []
    for line in out_path.read_text(errors="replace").splitlines():
        if line.startswith("MARK "):
            _, name, value = line.split()
            marks[name] = float(value) - usage["started_at"]
        elif line.startswith("WRONG "):
            problems.append(line[6:])
    if usage["exit_code"] != 0 or "inicio_loaded" not in marks:
        problems.append(f"app run {run}: exit code {usage['exit_code']}, "
                        f"stderr: {completed.stderr.decode(errors='replace')[-1500:]}")
    result: dict[str, Any] = {
        "marks": marks, "problems": problems, "peak_rss_mb": usage["maxrss_kb"] * 1024 / 1e6,
        "exit_code": usage["exit_code"],
        "start_seconds": marks.get("login_shown", float("nan")),
        "login_seconds": marks.get("inicio_loaded", float("nan"))
        - marks.get("login_submitted", float("nan")),
    }
    if profile and stats.exists():
        log_profile(pstats.Stats(str(stats)), f"the app (run {run}: start, login, Inicio)")
    return result


def log_profile(stats: pstats.Stats, label: str) -> None:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(45)
    log(f"--- cProfile of {label}, by cumulative time ---\n{out.getvalue()}")


# --- search and sale, in this process ------------------------------------------------------


def search_queries(store: StoreData, rng: random.Random) -> list[tuple[str, uuid.UUID | None]]:
    """200 queries: names typed letter by letter, whole words, typos, EANs and skus; with
    the product an EAN or sku must find (None for words)."""
    with Session(store.engine) as session:
        names = list(session.scalars(select(t.Product.name).order_by(t.Product.id).limit(2000)))
        codes = session.execute(
            select(t.Barcode.code, t.Barcode.product_id).order_by(t.Barcode.id).limit(2000)).all()
        skus = session.execute(
            select(t.Product.sku, t.Product.id).order_by(t.Product.id).limit(2000)).all()
    queries: list[tuple[str, uuid.UUID | None]] = []
    for name in rng.sample(names, 8):  # search as you type: every keystroke is a query
        typed = name.lower()[:16].rstrip()
        queries += [(typed[:n], None) for n in range(1, len(typed) + 1) if typed[n - 1] != " "]
    queries = queries[:110]
    queries += [(word, None) for word in rng.sample(SEARCH_WORDS, min(30, len(SEARCH_WORDS)))]
    queries += [(f"{a} {b}", None) for a, b in
                (rng.sample(SEARCH_WORDS, 2) for _ in range(20))]
    queries += [(typo, None) for typo in TYPOS]
    queries += [(code, product) for code, product in rng.sample(codes, 13)]
    queries += [(sku, product) for sku, product in rng.sample(skus, SEARCHES - len(queries))]
    return queries


def bench_search(store: StoreData, seed: int, profile: bool,
                 problems: list[str]) -> dict[str, Any]:
    store_id = store.store_id
    index = CatalogIndex()
    queries = search_queries(store, random.Random(seed))

    def search(text: str) -> list[Any]:
        with store.transaction() as session:
            return search_products(session, store_id, text, SEARCH_ROWS, index=index)

    load_seconds, _ = timed(lambda: search("yerba"))
    profiler = cProfile.Profile() if profile else None
    samples: list[float] = []
    empty = 0
    for text, expected in queries:
        start = time.perf_counter()
        rows = profiler.runcall(search, text) if profiler else search(text)
        samples.append(time.perf_counter() - start)
        empty += not rows
        if expected is not None and (not rows or rows[0].product_id != expected):
            problems.append(f"search {text!r} did not put its product first")
    if profiler is not None:
        log_profile(pstats.Stats(profiler), f"{len(queries)} searches")
    return {"queries": len(queries), "index_load_seconds": load_seconds,
            "p50_ms": percentile(samples, 50) * 1000, "p95_ms": percentile(samples, 95) * 1000,
            "max_ms": max(samples) * 1000, "empty_results": empty,
            "examples": [text for text, _ in queries[::20]]}


def bench_sales(store: StoreData, seed: int, profile: bool) -> dict[str, Any]:
    rng = random.Random(seed)
    with Session(store.engine) as session:  # codes of products counted in units
        codes = list(session.scalars(select(t.Barcode.code).where(t.Barcode.code.like("779%"))
                                     .order_by(t.Barcode.id).limit(20_000)))
    store_id = store.store_id
    profiler = cProfile.Profile() if profile else None
    sales: list[float] = []
    scans: list[float] = []
    confirms: list[float] = []

    def one_sale(picked: list[str]) -> None:
        cart = Cart(store_id)
        start = time.perf_counter()
        for code in picked:
            scan_start = time.perf_counter()
            with store.transaction() as session:
                line = cart.resolve(session, code)
            cart.put(line)
            scans.append(time.perf_counter() - scan_start)
        confirm_start = time.perf_counter()
        store.write(cart.confirm, MovementKind.SALE, user_id=USER_ID)
        end = time.perf_counter()
        cart.clear()
        confirms.append(end - confirm_start)
        sales.append(end - start)

    for _ in range(SALES):
        picked = rng.sample(codes, SALE_LINES)
        if profiler is not None:
            profiler.runcall(one_sale, picked)
        else:
            one_sale(picked)
    if profiler is not None:
        log_profile(pstats.Stats(profiler), f"{SALES} sales")
    return {"sales": SALES, "lines": SALE_LINES,
            "median_ms": statistics.median(sales) * 1000, "max_ms": max(sales) * 1000,
            "scan_median_ms": statistics.median(scans) * 1000,
            "confirm_median_ms": statistics.median(confirms) * 1000}


def percentile(samples: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


# --- output ------------------------------------------------------------------------------


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def figure_rows(figures: dict[str, Any]) -> list[list[Any]]:
    app, search, sale = figures["app"], figures["search"], figures["sale"]
    return [
        ["cold start to the login window (s, median of 3)", app["start_seconds"],
         f"< {MAX_START_SECONDS:g} s", verdict(app["start_seconds"] < MAX_START_SECONDS)],
        ["login to Inicio with its figures (s, median of 3)", app["login_seconds"], "-", "-"],
        ["peak memory of the app (MB, ru_maxrss, max of 3)", app["peak_rss_mb"],
         f"< {MAX_RSS_MB:g} MB", verdict(app["peak_rss_mb"] < MAX_RSS_MB)],
        [f"search p50 (ms, {search['queries']} queries)", search["p50_ms"], "-", "-"],
        [f"search p95 (ms, {search['queries']} queries)", search["p95_ms"],
         f"< {MAX_SEARCH_P95_MS:g} ms", verdict(search["p95_ms"] < MAX_SEARCH_P95_MS)],
        ["search index first load (s)", search["index_load_seconds"], "-", "-"],
        [f"{SALE_LINES}-line sale: scans + confirm (ms, median of {SALES})", sale["median_ms"],
         f"< {MAX_SALE_MS:g} ms", verdict(sale["median_ms"] < MAX_SALE_MS)],
        ["  one scan (ms, median)", sale["scan_median_ms"], "-", "-"],
        ["  confirm (ms, median)", sale["confirm_median_ms"], "-", "-"],
    ]


def print_figures(figures: dict[str, Any], checks: list[Check], problems: list[str],
                  to_json: bool) -> None:
    out = sys.stderr if to_json else sys.stdout
    app = figures["app"]
    runs = ", ".join(f"{r['start_seconds']:.2f}/{r['login_seconds']:.2f}/{r['peak_rss_mb']:.0f}"
                     for r in app["runs"])
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in figures["build"].items())
    lines = [
        "",
        f"desktop app on a store database: {figures['products']:,} products, "
        f"{figures['movements']:,} movements and {figures['counts']:,} counts over a year "
        f"(SQLCipher, {figures['db_mb']:.0f} MB)",
        render_table(["figure", "value", "target", "result"], figure_rows(figures),
                     float_format="{:,.3f}"),
        f"app runs (start s / login s / peak MB): {runs}; background sync off; "
        f"the folder's files are in the OS cache",
        f"search examples: {', '.join(repr(q) for q in figures['search']['examples'])}",
        "",
        render_table(["check", "expected", "found", "result"],
                     [[c.name, str(c.expected), str(c.found), "OK" if c.ok else "WRONG"]
                      for c in checks]),
        f"\nset-up (not timed as figures): {phases or 'reused --data'}",
        f"load average at the start: {' '.join(f'{v:.2f}' for v in figures['loadavg'])} "
        f"({os.cpu_count()} cores)",
        *[f"PROBLEM: {problem}" for problem in problems],
    ]
    print("\n".join(lines), file=out)
    if to_json:
        print(json.dumps({**figures, "checks": [{**asdict(c), "ok": c.ok} for c in checks],
                          "problems": problems}, default=str))


# --- main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=50_000, help="products (default 50000)")
    parser.add_argument("--movements", type=int, default=500_000,
                        help="stock movements over the year (default 500000)")
    parser.add_argument("--counts", type=int,
                        help="count entries (default: movements / 200)")
    parser.add_argument("--data", type=Path,
                        help="build the folder here and keep it, or reuse the one there "
                             "(its machine secret is DIR-machine.key beside it)")
    parser.add_argument("--json", action="store_true",
                        help="also print the figures as one JSON object (alone on stdout; "
                             "the tables go to stderr)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the app's first run, the searches and the sales "
                             "(stderr; their times then include the profiler's overhead)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed (default: only on wrong results)")
    args = parser.parse_args(argv)
    if args.counts is None:
        args.counts = args.movements // 200
    if min(args.products, args.movements) < SALE_LINES or args.counts < 0:
        parser.error(f"--products and --movements must be at least {SALE_LINES}")
    return args


def measure(args: argparse.Namespace, folder: Folder, work: Path, build: dict[str, float],
            checks: list[Check], problems: list[str]) -> dict[str, Any]:
    loadavg = os.getloadavg()
    runs = []
    for run in range(START_RUNS):
        log(f"app run {run + 1}/{START_RUNS}: start, login, Inicio")
        result = run_app(folder, work, run, args.profile and run == 0)
        problems += result["problems"]
        runs.append(result)
    store = open_store(folder.data_dir, passphrase=None, machine_secret=folder.machine_secret)
    try:
        products, movements = count_rows(store, t.Product), count_rows(store, t.StockMovement)
        counts, outbox = count_rows(store, t.CountEntry), count_rows(store, t.OutboxEntry)
        log(f"search: {SEARCHES} queries")
        search = bench_search(store, args.seed, args.profile, problems)
        log(f"sale: {SALES} sales of {SALE_LINES} lines")
        sale = bench_sales(store, args.seed, args.profile)
        checks += [
            Check("app runs that reached Inicio", START_RUNS,
                  sum(1 for r in runs if "inicio_loaded" in r["marks"])),
            Check("movements after the sales", movements + SALES * SALE_LINES,
                  count_rows(store, t.StockMovement)),
            Check("outbox entries added = movements of the sales", SALES * SALE_LINES,
                  count_rows(store, t.OutboxEntry) - outbox),
            cache_check(store),
        ]
    finally:
        store.engine.dispose()
    if not build:  # a reused folder: what it holds
        args.products, args.movements, args.counts = products, movements, counts
    else:
        checks[:0] = [Check("products", args.products, products),
                      Check("movements (before the sales)", args.movements, movements),
                      Check("count entries", args.counts, counts)]
    good = [r for r in runs if r["exit_code"] == 0] or runs
    return {
        "products": args.products, "movements": args.movements, "counts": args.counts,
        "db_mb": (folder.data_dir / STORE_DATABASE_FILE).stat().st_size / 1e6,
        "loadavg": loadavg, "build": build,
        "targets": {"max_start_seconds": MAX_START_SECONDS,
                    "max_search_p95_ms": MAX_SEARCH_P95_MS, "max_sale_ms": MAX_SALE_MS,
                    "max_rss_mb": MAX_RSS_MB},
        "app": {"runs": runs,
                "start_seconds": statistics.median(r["start_seconds"] for r in good),
                "login_seconds": statistics.median(r["login_seconds"] for r in good),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in good)},
        "search": search, "sale": sale,
    }


def prepare_folder(args: argparse.Namespace, root: Path) -> tuple[Folder, dict[str, float]]:
    folder = folder_paths((args.data or root / "caja").resolve())
    if (folder.data_dir / STORE_DATABASE_FILE).is_file():
        log(f"reusing the store folder {folder.data_dir}")
        return folder, {}
    log(f"building a store folder: {args.products:,} products, {args.movements:,} movements, "
        f"{args.counts:,} counts")
    folder.data_dir.parent.mkdir(parents=True, exist_ok=True)
    build = build_folder(folder, args.products, args.movements, args.counts, args.seed)
    log("built in " + ", ".join(f"{k} {v:.1f} s" for k, v in build.items()))
    return folder, build


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_sigterm()
    checks: list[Check] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mm_bench_desktop_") as tmp:
        work = Path(tmp)
        folder, build = prepare_folder(args, work)
        figures = measure(args, folder, work, build, checks, problems)
    print_figures(figures, checks, problems, args.json)
    wrong = bool(problems) or not all(check.ok for check in checks)
    missed = any(row[3] == "FAIL" for row in figure_rows(figures))
    return 1 if wrong or (args.strict and missed) else 0


if __name__ == "__main__":
    run_benchmark(main)
