"""Benchmark: rebuilding the stock-level cache from a large ledger on PostgreSQL.

On a fresh scratch database (migrated with ``upgrade``) it generates, server-side,
N stock movements over 20 stores x 5,000 products (1 % invoice lines, a tenth of the
invoices confirmed twice) and N/500 count entries (20,000 for the default 10 million),
then VACUUM ANALYZE, then times ``rebuild_levels(session)`` with its commit, three
times, interleaved with the baseline

    SELECT store_id, product_id, sum(qty_milli) FROM stock_movements GROUP BY 1, 2

(the same scan with none of the ledger rules). With ``--movements`` up to 1,000,000 it
also checks the rebuilt cache against the pure rules, ``shared.domain.ledger.stock_levels``,
fed with every row (MATCH or MISMATCH; a mismatch exits 1). The database is dropped at
the end, also on errors, Ctrl-C and SIGTERM.

The movement table's indexes are dropped for the load and rebuilt from their own
definitions afterwards (bulk-load practice); the rebuild runs on the migrated schema.

    .venv/bin/python benchmarks/bench_stock_rebuild.py [--movements N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _ledger_sql import PRODUCTS, STORES, confirmations_sql, counts_sql, movements_sql
from _support import (
    DEFAULT_ADMIN_URL,
    log,
    render_table,
    run_benchmark,
    scratch_database,
    stop_cleanly_on_sigterm,
    summary,
    timed,
)
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.db.stock_levels import _LEVELS_SQL, cached_levels, rebuild_levels
from shared.domain.ledger import Count, Movement, stock_levels

TABLE = "stock_movements"
BASELINE_SQL = "SELECT store_id, product_id, sum(qty_milli) FROM stock_movements GROUP BY 1, 2"
VERIFY_LIMIT = 1_000_000


# --- loading ----------------------------------------------------------------------------


def drop_indexes(connection: Connection) -> list[str]:
    """Drop the table's indexes and primary key; return the statements that recreate them."""
    constraints = connection.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u')"), {"t": TABLE}).all()
    names = {name for name, _ in constraints}
    indexes = connection.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"), {"t": TABLE}).all()
    recreate = [definition for name, definition in indexes if name not in names]
    recreate += [f'ALTER TABLE {TABLE} ADD CONSTRAINT "{n}" {d}' for n, d in constraints]
    for name, _ in constraints:
        connection.execute(text(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        if name not in names:
            connection.execute(text(f'DROP INDEX "{name}"'))
    connection.commit()
    return recreate


def load_ledger(engine: Engine, movements: int, counts: int, chunk: int) -> dict[str, float]:
    phases: dict[str, float] = {}
    with engine.connect() as connection:
        connection.execute(text("SET synchronous_commit = off"))
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        recreate = drop_indexes(connection)
        start = time.perf_counter()
        for first in range(1, movements + 1, chunk):
            last = min(first + chunk - 1, movements)
            connection.execute(text(movements_sql(first, last)))
            connection.commit()
            elapsed = time.perf_counter() - start
            log(f"  movements {last:>12,} / {movements:,} ({100 * last / movements:5.1f} %)"
                f"  {elapsed:7.1f} s  {last / elapsed:,.0f} rows/s")
        phases["movements"] = time.perf_counter() - start
        phases["counts"], _ = timed(lambda: connection.execute(text(counts_sql(counts, movements))))
        connection.execute(text(confirmations_sql()))
        connection.commit()
        log(f"  {counts:,} count entries in {phases['counts']:.1f} s; rebuilding indexes")
        start = time.perf_counter()
        for statement in recreate:
            connection.execute(text(statement))
            connection.commit()
        phases["indexes"] = time.perf_counter() - start
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        phases["vacuum_analyze"], _ = timed(
            lambda: connection.execute(text("VACUUM ANALYZE stock_movements, count_entries")))
    log(f"  indexes {phases['indexes']:.1f} s, VACUUM ANALYZE {phases['vacuum_analyze']:.1f} s")
    return phases


def ledger_facts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        row = connection.execute(text("""
            SELECT (SELECT count(*) FROM stock_movements) AS movements,
                   (SELECT count(*) FROM count_entries) AS counts,
                   (SELECT count(*) FROM stock_movements WHERE invoice_key IS NOT NULL)
                       AS invoice_movements,
                   (SELECT count(DISTINCT invoice_key) FROM stock_movements) AS invoice_keys,
                   (SELECT count(*) FROM (SELECT invoice_key FROM stock_movements
                        WHERE invoice_key IS NOT NULL GROUP BY invoice_key
                        HAVING count(DISTINCT op_id) > 1) d) AS keys_confirmed_twice,
                   pg_total_relation_size('stock_movements') AS table_bytes
        """)).one()
    return dict(row._mapping)


# --- measuring ---------------------------------------------------------------------------


def time_rebuild(engine: Engine) -> tuple[float, int]:
    with Session(engine) as session:
        start = time.perf_counter()
        rows = rebuild_levels(session)
        session.commit()
        return time.perf_counter() - start, rows


def time_baseline(engine: Engine) -> tuple[float, int]:
    with engine.connect() as connection:
        start = time.perf_counter()
        groups = len(connection.execute(text(BASELINE_SQL)).all())
        return time.perf_counter() - start, groups


def explain(engine: Engine) -> None:
    levels_sql = _LEVELS_SQL.format(count_filter="1=1", doc_filter="1=1", movement_filter="1=1")
    with engine.connect() as connection:
        for label, sql in (("levels query", levels_sql), ("baseline", BASELINE_SQL)):
            plan = connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).scalars()
            log(f"--- EXPLAIN ANALYZE, {label} ---\n" + "\n".join(plan))


def verify(engine: Engine) -> dict[str, Any]:
    """The rebuilt cache against the pure ledger rules over every row."""
    with Session(engine) as session:
        movements = [
            Movement(r.store_id, r.product_id, (r.hlc, r.device_id, r.op_id), r.qty_milli,
                     r.invoice_key)
            for r in session.execute(text(
                "SELECT store_id, product_id, hlc, device_id, op_id, qty_milli, invoice_key "
                "FROM stock_movements"))
        ]
        counts = [
            Count(r.store_id, r.product_id, (r.hlc, r.device_id, r.op_id), r.qty_milli)
            for r in session.execute(text(
                "SELECT store_id, product_id, hlc, device_id, op_id, qty_milli FROM count_entries"))
        ]
        cached = cached_levels(session)
    expected = stock_levels(movements, counts)
    differing = sorted(pair for pair in expected.keys() | cached.keys()
                       if expected.get(pair) != cached.get(pair))
    return {"result": "MISMATCH" if differing else "MATCH", "pairs": len(expected),
            "cached_pairs": len(cached), "differing_pairs": len(differing),
            "examples": [(str(s), str(p), expected.get((s, p)), cached.get((s, p)))
                         for s, p in differing[:5]]}


# --- running ------------------------------------------------------------------------------


def measure(engine: Engine, runs: int) -> dict[str, Any]:
    rebuilds: list[float] = []
    baselines: list[float] = []
    cache_rows = groups = 0
    for number in range(1, runs + 1):
        seconds, cache_rows = time_rebuild(engine)
        rebuilds.append(seconds)
        baseline, groups = time_baseline(engine)
        baselines.append(baseline)
        log(f"  run {number}: rebuild_levels {seconds:.2f} s ({cache_rows:,} rows), "
            f"GROUP BY {baseline:.2f} s ({groups:,} groups)")
    return {"rebuild": summary(rebuilds), "baseline": summary(baselines),
            "rebuild_samples": rebuilds, "baseline_samples": baselines,
            "cache_rows": cache_rows, "baseline_groups": groups,
            "ratio": statistics.median(rebuilds) / statistics.median(baselines)}


def print_figures(figures: dict[str, Any], to_json: bool) -> None:
    out = sys.stderr if to_json else sys.stdout
    facts, load, m = figures["ledger"], figures["load_seconds"], figures["measure"]
    print(f"\nledger: {facts['movements']:,} movements ({facts['invoice_movements']:,} invoice "
          f"lines, {facts['invoice_keys']:,} invoice keys, {facts['keys_confirmed_twice']:,} "
          f"confirmed twice), {facts['counts']:,} count entries, {STORES} stores x {PRODUCTS:,} "
          f"products; table + indexes {facts['table_bytes'] / 2**20:,.0f} MiB", file=out)
    print(f"load: movements {load['movements']:.1f} s, counts {load['counts']:.1f} s, "
          f"indexes {load['indexes']:.1f} s, VACUUM ANALYZE {load['vacuum_analyze']:.1f} s\n",
          file=out)
    headers = ["query", "runs", "min s", "median s", "max s", "rows"]
    table = [
        ["rebuild_levels + commit", len(m["rebuild_samples"]), m["rebuild"]["min"],
         m["rebuild"]["median"], m["rebuild"]["max"], m["cache_rows"]],
        ["baseline GROUP BY", len(m["baseline_samples"]), m["baseline"]["min"],
         m["baseline"]["median"], m["baseline"]["max"], m["baseline_groups"]],
    ]
    print(render_table(headers, table), file=out)
    print(f"ratio (median rebuild / median baseline): {m['ratio']:.2f}", file=out)
    check = figures.get("verify")
    if check is None:
        print(f"correctness check: skipped (runs with --movements <= {VERIFY_LIMIT:,}, "
              "or with --verify)", file=out)
    else:
        print(f"correctness check against shared.domain.ledger.stock_levels: {check['result']} "
              f"({check['pairs']:,} pairs expected, {check['cached_pairs']:,} in the cache, "
              f"{check['differing_pairs']} differing)", file=out)
        for example in check["examples"]:
            print(f"  store {example[0]} product {example[1]}: rules {example[2]}, "
                  f"cache {example[3]}", file=out)
    if to_json:
        print(json.dumps(figures))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movements", type=int, default=10_000_000,
                        help="stock movements to generate (default 10000000)")
    parser.add_argument("--counts", type=int, default=None,
                        help="count entries (default movements / 500, at least 100)")
    parser.add_argument("--chunk", type=int, default=500_000, help="rows per INSERT … SELECT")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each query")
    parser.add_argument("--verify", action=argparse.BooleanOptionalAction, default=None,
                        help=f"check against the pure rules (default: when N <= {VERIFY_LIMIT:,})")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN (ANALYZE, BUFFERS) of both queries to stderr")
    parser.add_argument("--json", action="store_true",
                        help="also print the figures as one JSON object (alone on stdout; "
                             "the table goes to stderr)")
    parser.add_argument("--pg", default=DEFAULT_ADMIN_URL,
                        help=f"server for the scratch databases ({DEFAULT_ADMIN_URL})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_sigterm()
    counts = args.counts if args.counts is not None else max(args.movements // 500, 100)
    check = args.verify if args.verify is not None else args.movements <= VERIFY_LIMIT
    with scratch_database(args.pg, "stock") as url:
        engine = create_db_engine(url)
        try:
            upgrade(engine)
            log(f"generating {args.movements:,} movements and {counts:,} count entries")
            load = load_ledger(engine, args.movements, counts, args.chunk)
            figures: dict[str, Any] = {"load_seconds": load, "ledger": ledger_facts(engine)}
            if args.explain:
                explain(engine)
            figures["measure"] = measure(engine, args.runs)
            if check:
                log("checking the cache against shared.domain.ledger.stock_levels")
                figures["verify"] = verify(engine)
        finally:
            engine.dispose()
    print_figures(figures, args.json)
    return 1 if figures.get("verify", {}).get("result") == "MISMATCH" else 0


if __name__ == "__main__":
    run_benchmark(main)
