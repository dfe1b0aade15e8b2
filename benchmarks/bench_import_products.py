"""Benchmark: importing a products CSV, against a raw bulk insert of the same rows.

For each backend (a SQLite file, a fresh PostgreSQL database) it times

* the import as ``minimarket central import-products`` runs it: ``read_products`` over
  the open file and ``import_products`` in one transaction (``Central.transaction``),
  from opening the file to the commit, CSV parsing included;
* the same file imported a second time into the same database (nothing changed, so
  next to nothing should be written);
* a baseline: SQLAlchemy Core ``conn.execute(insert(table), rows)`` of the rows the
  import writes (suppliers, products, barcodes, prices and one operation per row, with
  the import's payloads and field versions) in one transaction into a fresh migrated
  database. The baseline's dicts are built before the clock starts.

and once, for SQLite, the CLI itself in a subprocess (interpreter start-up included).
Targets: at least 5,000 rows/s, and at most 5 times the baseline's time.

    .venv/bin/python benchmarks/bench_import_products.py [--rows N]
        [--backends sqlite,postgres] [--json] [--profile] [--strict]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _catalog import write_catalog
from _support import (
    DEFAULT_ADMIN_URL,
    log,
    render_table,
    run_benchmark,
    scratch_database,
    stop_cleanly_on_sigterm,
    timed,
)
from sqlalchemy import Engine, Table, func, insert, select

from central.catalog.importer import ImportReport, import_products
from central.catalog.products_csv import ProductRow, RowError, read_products
from central.runtime import Central, open_central
from shared.db import tables as t
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.domain.ids import new_id
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import version_stamp
from shared.settings import business_day

MIN_ROWS_PER_SECOND = 5_000
MAX_RATIO = 5.0
COUNTED_TABLES: dict[str, Table] = {
    model.__tablename__: cast(Table, model.__table__)
    for model in (t.Supplier, t.Product, t.Barcode, t.Price, t.OperationRow)
}


@dataclass
class BackendResult:
    backend: str
    rows: int
    seconds: float
    baseline_seconds: float
    reimport_seconds: float
    reimport_operations: int
    report: dict[str, int]
    reimport_report: dict[str, int]
    tables: dict[str, int]
    baseline_tables: dict[str, int]
    bad_rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def baseline_rows_per_second(self) -> float:
        return self.rows / self.baseline_seconds

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline_seconds

    @property
    def passed(self) -> bool:
        return self.rows_per_second >= MIN_ROWS_PER_SECOND and self.ratio <= MAX_RATIO


# --- the product path -----------------------------------------------------------


def run_product_import(central: Central, path: Path) -> ImportReport:
    """What ``run_import`` does, minus the progress bar: one transaction, committed."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = read_products(handle, mapping={}, decimal="auto")
        with central.transaction() as (session, recorder):
            return import_products(
                session, recorder, rows, today=business_day(datetime.now(UTC))
            )


def report_counts(report: ImportReport) -> dict[str, int]:
    return {"created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "suppliers_created": report.suppliers_created,
            "bad_rows": len(report.errors)}


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: int(connection.scalar(select(func.count()).select_from(model)) or 0)
                for name, model in COUNTED_TABLES.items()}


def profiled(function: Any, label: str) -> Any:
    profiler = cProfile.Profile()
    value = profiler.runcall(function)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    log(f"--- cProfile of the {label} import, by cumulative time ---\n{out.getvalue()}")
    return value


# --- the baseline ---------------------------------------------------------------------


class _BaselineRows:
    """The rows the import would write, as plain dicts, with its payloads and versions."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.device_id = new_id()
        self.clock = HybridLogicalClock()
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in COUNTED_TABLES}
        self.suppliers: dict[str, Any] = {}

    def operation(self, kind: str, entity: str, entity_id: Any,
                  payload: dict[str, Any]) -> tuple[Any, int, str]:
        op_id, hlc = new_id(), self.clock.now()
        self.tables["operations"].append({
            "op_id": op_id, "hlc": hlc, "device_id": self.device_id, "user_id": None,
            "kind": kind, "entity": entity, "entity_id": entity_id, "store_id": None,
            "payload": payload,
        })
        return op_id, hlc, version_stamp(hlc, self.device_id, op_id)

    def record(self, table: str, entity: str, values: dict[str, Any],
               columns: tuple[str, ...]) -> Any:
        row_id = new_id()
        payload = {k: str(v) if k.endswith("_id") and v is not None else v
                   for k, v in values.items()}
        _, _, version = self.operation("upsert", entity, row_id, payload)
        self.tables[table].append({
            **dict.fromkeys(columns), **values, "id": row_id, "deleted": False,
            "field_versions": dict.fromkeys(values, version),
        })
        return row_id

    def supplier_id(self, cuit: str | None) -> Any:
        if cuit is None:
            return None
        if cuit not in self.suppliers:
            self.suppliers[cuit] = self.record(
                "suppliers", "supplier",
                {"cuit": cuit, "name": cuit, "provisional": False, "archived": False},
                ("merged_into",))
        return self.suppliers[cuit]

    def add(self, row: ProductRow) -> None:
        values: dict[str, Any] = {
            "sku": row.sku, "provisional": False, "name": row.name, "category": row.category,
            "unit": row.unit.value, "vat_rate": row.vat_rate.value, "archived": False,
        }
        if row.min_stock_milli is not None:
            values["min_stock_milli"] = row.min_stock_milli
        if row.cost_cents is not None:
            values["last_cost_cents"] = row.cost_cents
        if row.supplier_cuit is not None:
            values["supplier_id"] = self.supplier_id(row.supplier_cuit)
        product_id = self.record("products", "product", values,
                                 ("min_stock_milli", "last_cost_cents", "supplier_id",
                                  "merged_into"))
        for code in row.eans:
            self.record("barcodes", "barcode", {"code": code, "product_id": product_id}, ())
        if row.price_cents is not None:
            price_id = new_id()
            op_id, hlc, _ = self.operation("append", "price", price_id, {
                "product_id": str(product_id), "store_id": None,
                "price_cents": row.price_cents, "effective_from": self.today.isoformat()})
            self.tables["prices"].append({
                "id": price_id, "op_id": op_id, "hlc": hlc, "device_id": self.device_id,
                "user_id": None, "product_id": product_id, "store_id": None,
                "price_cents": row.price_cents, "effective_from": self.today})


def baseline_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    rows = _BaselineRows(business_day(datetime.now(UTC)))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for item in read_products(handle):
            if isinstance(item, RowError):
                raise SystemExit(f"the generated CSV has a bad row: {item}")
            rows.add(item)
    return rows.tables


def bulk_insert(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    with engine.begin() as connection:
        for name in ("operations", "suppliers", "products", "barcodes", "prices"):
            if rows[name]:
                connection.execute(insert(COUNTED_TABLES[name]), rows[name])


# --- one backend ----------------------------------------------------------------------


@contextmanager
def fresh_database(backend: str, workdir: Path, label: str, admin_url: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'{label}.sqlite'}"
    elif backend == "postgres":
        with scratch_database(admin_url, label) as url:
            yield url
    else:
        raise SystemExit(f"unknown backend {backend!r} (sqlite, postgres)")


def migrated_engine(url: str) -> Engine:
    engine = create_db_engine(url)
    upgrade(engine)
    return engine


def bench_backend(backend: str, path: Path, rows: int, workdir: Path,
                  args: argparse.Namespace) -> BackendResult:
    with fresh_database(backend, workdir, "import", args.pg) as url:
        migrated_engine(url).dispose()
        central = open_central(url)
        log(f"[{backend}] importing {rows:,} rows")
        once = partial(run_product_import, central, path)
        seconds, report = timed(partial(profiled, once, backend) if args.profile else once)
        log(f"[{backend}] import: {seconds:.2f} s; re-importing the same file")
        operations_before = table_counts(central.engine)["operations"]
        reimport_seconds, again = timed(once)
        tables = table_counts(central.engine)
        central.engine.dispose()
    log(f"[{backend}] re-import: {reimport_seconds:.2f} s; building the baseline rows")
    prepared = baseline_rows(path)
    with fresh_database(backend, workdir, "baseline", args.pg) as url:
        engine = migrated_engine(url)
        log(f"[{backend}] baseline bulk insert")
        baseline_seconds, _ = timed(lambda: bulk_insert(engine, prepared))
        baseline_tables = table_counts(engine)
        engine.dispose()
    result = BackendResult(
        backend=backend, rows=rows, seconds=seconds, baseline_seconds=baseline_seconds,
        reimport_seconds=reimport_seconds,
        reimport_operations=tables["operations"] - operations_before,
        report=report_counts(report), reimport_report=report_counts(again),
        tables=tables, baseline_tables=baseline_tables, bad_rows=len(report.errors),
    )
    if report.errors:
        result.problems.append(f"{len(report.errors)} bad rows, first: {report.errors[0]}")
    if tables != baseline_tables:
        result.problems.append(f"row counts differ: import {tables}, baseline {baseline_tables}")
    return result


def bench_cli(path: Path, rows: int, workdir: Path) -> dict[str, Any]:
    """The real command in a subprocess, once, on SQLite (start-up and progress bar included)."""
    executable = Path(sys.executable).parent / "minimarket"
    url = f"sqlite:///{workdir / 'cli.sqlite'}"
    subprocess.run([str(executable), "central", "migrate", "--db", url], check=True,
                   capture_output=True, text=True)
    log(f"[cli] {executable.name} central import-products ({rows:,} rows, SQLite)")
    seconds, done = timed(lambda: subprocess.run(
        [str(executable), "central", "import-products", str(path), "--db", url],
        capture_output=True, text=True))
    summary = (done.stderr.strip().splitlines() or [""])[-1]
    return {"seconds": seconds, "rows_per_second": rows / seconds, "exit_code": done.returncode,
            "summary": summary}


# --- output ---------------------------------------------------------------------------


def print_figures(results: list[BackendResult], cli: dict[str, Any] | None,
                  parse_seconds: float, facts: dict[str, int], to_json: bool) -> None:
    out = sys.stderr if to_json else sys.stdout
    print(f"\nproducts CSV: {facts['rows']:,} rows, {facts['barcodes']:,} barcodes "
          f"({facts['two_barcodes']:,} rows with two), {facts['weighed']:,} weighed (kg), "
          f"{facts['argentine_prices']:,} prices written 1.234,56-style, "
          f"{facts['suppliers']} supplier CUITs", file=out)
    print(f"parsing alone (read_products, no database): {parse_seconds:.2f} s, "
          f"{facts['rows'] / parse_seconds:,.0f} rows/s\n", file=out)
    headers = ["backend", "rows", "seconds", "rows/s", "baseline s", "baseline rows/s",
               "ratio", "result"]
    table = [[r.backend, r.rows, r.seconds, r.rows_per_second, r.baseline_seconds,
              r.baseline_rows_per_second, r.ratio, "PASS" if r.passed else "FAIL"]
             for r in results]
    print(render_table(headers, table), file=out)
    print(f"targets: >= {MIN_ROWS_PER_SECOND:,} rows/s and ratio <= {MAX_RATIO:g}\n", file=out)
    headers = ["re-import", "seconds", "rows/s", "operations written", "created", "updated",
               "unchanged"]
    table = [[r.backend, r.reimport_seconds, r.rows / r.reimport_seconds, r.reimport_operations,
              r.reimport_report["created"], r.reimport_report["updated"],
              r.reimport_report["unchanged"]] for r in results]
    print(render_table(headers, table), file=out)
    print("", file=out)
    headers = ["rows written", *COUNTED_TABLES]
    table = []
    for r in results:
        table.append([f"{r.backend} import", *r.tables.values()])
        table.append([f"{r.backend} baseline", *r.baseline_tables.values()])
    print(render_table(headers, table), file=out)
    if cli is not None:
        print(f"\nCLI subprocess, SQLite: {cli['seconds']:.2f} s, {cli['rows_per_second']:,.0f} "
              f"rows/s, exit code {cli['exit_code']} ({cli['summary']})", file=out)
    for r in results:
        for problem in r.problems:
            print(f"PROBLEM [{r.backend}]: {problem}", file=out)
    if to_json:
        print(json.dumps({
            "rows": facts["rows"], "csv": facts, "parse_seconds": parse_seconds,
            "targets": {"min_rows_per_second": MIN_ROWS_PER_SECOND, "max_ratio": MAX_RATIO},
            "backends": {r.backend: {
                **asdict(r), "rows_per_second": r.rows_per_second,
                "baseline_rows_per_second": r.baseline_rows_per_second, "ratio": r.ratio,
                "passed": r.passed} for r in results},
            "cli_sqlite": cli,
        }))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="CSV rows (default 50000)")
    parser.add_argument("--backends", default="sqlite,postgres",
                        help="comma-separated: sqlite, postgres (default both)")
    parser.add_argument("--json", action="store_true",
                        help="also print the figures as one JSON object (alone on stdout; "
                             "the table goes to stderr)")
    parser.add_argument("--pg", default=DEFAULT_ADMIN_URL,
                        help=f"server for the scratch databases ({DEFAULT_ADMIN_URL})")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI subprocess run")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the first import of each backend (stderr; its time "
                             "then includes the profiler's overhead)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed (default: only on wrong results)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_sigterm()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    with tempfile.TemporaryDirectory(prefix="mm_bench_import_") as tmp:
        workdir = Path(tmp)
        path = workdir / "products.csv"
        facts = asdict(write_catalog(path, args.rows, args.seed))
        log(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            parse_seconds, _ = timed(lambda: sum(1 for _ in read_products(handle)))
        results = [bench_backend(b, path, args.rows, workdir, args) for b in backends]
        cli = bench_cli(path, args.rows, workdir) if "sqlite" in backends and not args.no_cli \
            else None
    print_figures(results, cli, parse_seconds, facts, args.json)
    wrong = any(r.problems for r in results) or (cli is not None and cli["exit_code"] != 0)
    missed = not all(r.passed for r in results)
    return 1 if wrong or (args.strict and missed) else 0


if __name__ == "__main__":
    run_benchmark(main)
