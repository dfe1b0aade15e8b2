"""Benchmark: the HQ dashboard's pages, server time per page, beside the bare ``/health``.

On a scratch PostgreSQL database migrated with ``upgrade`` it builds the load
benchmark's chain (20 stores, 5,000 products, people through the Recorder; a ledger of
N movements, default 10,000,000, generated server-side) and, on top, what the pages
show (``_dashboard_data``: suppliers, invoices with lines and rising costs, purchase
orders, devices with heartbeats, audit events, pricing rules, the index, provisional
products); then ``rebuild_levels`` and the document-cost cache's ``rebuild`` (the
project's own) and ``VACUUM ANALYZE``.

It then serves central's app (every agent, as ``central up``) in this process, on a free
Redis database, signs in as ``admin`` through the login form, and sends each page
``--requests`` times (40) after ``--warmup`` (3) unmeasured ones, one request at a time,
through an in-process ``httpx.ASGITransport`` client: the time of each is the app's
whole handling of it (routing, session look-up in Redis, queries, template rendering),
with no socket in between. ``GET /health`` (one ``SELECT 1`` and a Redis ping) is
measured the same way and each page's p95 is printed beside it as a ratio.

Target: **every page p95 < 200 ms**. A page that answers anything but 200, or a body
without its heading, exits 1. The database is dropped at the end, also after an error,
Ctrl-C or SIGTERM (``--keep`` leaves it for ``--reuse`` while working on a query).

    .venv/bin/python benchmarks/bench_dashboard.py [--movements N] [--requests N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _central_data import ADMIN, PASSWORD, SEARCH_WORDS, check_ledger_ids, md5_uuid, write_chain
from _dashboard_data import write_records, write_tables
from _ledger_sql import PRODUCTS, STORES
from _processes import redis_database
from _support import (
    DEFAULT_ADMIN_URL,
    log,
    render_table,
    run_benchmark,
    scratch_database,
    stop_cleanly_on_sigterm,
    timed,
)
from bench_stock_rebuild import load_ledger
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session

from central.negocio import cost_cache
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.db.stock_levels import rebuild_levels

TARGET_MS = 200.0
DEFAULT_MOVEMENTS = 10_000_000


# --- data ----------------------------------------------------------------------------------


def build_data(engine: Engine, movements: int) -> dict[str, Any]:
    upgrade(engine)
    phases: dict[str, float] = {}
    phases["catalog"], _chain = timed(lambda: write_chain(engine))
    phases["records"], _ = timed(lambda: write_records(engine))
    log(f"catalog: {STORES} stores, {PRODUCTS:,} products, suppliers, rules, index "
        f"through the Recorder in {phases['catalog'] + phases['records']:.1f} s")
    counts = max(movements // 500, 100)
    log(f"generating {movements:,} movements and {counts:,} count entries")
    phases.update(load_ledger(engine, movements, counts, 500_000))
    phases["tables"], written = timed(lambda: write_tables(engine))
    log(f"invoices, orders, devices, audit: {written} in {phases['tables']:.1f} s")

    def rebuild() -> int:
        with Session(engine) as session:
            levels = rebuild_levels(session)
            session.commit()
        return levels

    phases["rebuild_levels"], levels = timed(rebuild)

    def rebuild_costs() -> int:
        with Session(engine) as session:
            cost_cache.rebuild(session)
            session.commit()
            return session.scalar(text("SELECT count(*) FROM document_costs")) or 0

    phases["document_costs"], cost_rows = timed(rebuild_costs)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        phases["analyze"], _ = timed(lambda: connection.execute(text("VACUUM ANALYZE")))
    log(f"stock cache: {levels:,} levels in {phases['rebuild_levels']:.1f} s; document costs: "
        f"{cost_rows:,} rows in {phases['document_costs']:.1f} s")
    facts = check_ledger_ids(engine)
    if facts["unknown_stores"] or facts["unknown_products"]:
        raise RuntimeError(f"the stock cache names unknown stores or products: {facts}")
    return {"phases": phases, "written": written, "facts": facts}


def sample_ids(engine: Engine) -> dict[str, list[str]]:
    """Ids the detail pages are asked for: products sold everywhere, invoices, orders."""
    with engine.connect() as connection:
        invoices = connection.execute(text(
            "SELECT id FROM supplier_invoices ORDER BY hashtext(id::text) LIMIT 20")).scalars()
        orders = connection.execute(text(
            "SELECT id FROM purchase_orders ORDER BY hashtext(id::text) LIMIT 20")).scalars()
        categories = connection.execute(text(
            "SELECT DISTINCT category FROM products WHERE category IS NOT NULL "
            "ORDER BY 1 LIMIT 10")).scalars()
        return {"invoices": [str(i) for i in invoices], "orders": [str(i) for i in orders],
                "categories": list(categories),
                "products": [str(md5_uuid(f"product-{p}")) for p in range(1, PRODUCTS, 251)]}


# --- requests ------------------------------------------------------------------------------


def page_plan(ids: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """(label, the URLs its requests cycle through), ``health`` first."""
    stores = [f"S{s:02d}" for s in range(1, STORES + 1)]
    words = SEARCH_WORDS[:: max(len(SEARCH_WORDS) // 20, 1)]
    supplier = str(md5_uuid("supplier-3"))
    cats = ids["categories"]
    from urllib.parse import quote

    return [
        ("health (baseline)", ["/health"]),
        ("resumen", ["/"]),
        ("resumen: fragmento (cada 5 s)", ["/fragmentos/resumen"]),
        ("resumen.json (gráficos)", ["/datos/resumen.json"]),
        ("stock", ["/stock"]),
        ("stock: búsqueda", [f"/stock?q={quote(w)}" for w in words]),
        ("stock: filtros", [f"/stock?category={quote(c)}&store={s}&below=1"
                            for c, s in zip(cats * 2, stores, strict=False)]),
        ("stock: proveedor", [f"/stock?supplier={supplier}&store={s}" for s in stores[:5]]),
        ("stock: página 20", ["/stock?page=20"]),
        ("historial de producto", [f"/stock/producto/{p}" for p in ids["products"]]),
        ("historial en una sucursal", [f"/stock/producto/{p}?store={s}"
                                       for p, s in zip(ids["products"], stores, strict=False)]),
        ("stock crítico", [f"/stock/critico?store={s}" for s in stores]),
        ("transferencias", ["/transferencias"]),
        ("catálogo", ["/catalogo"]),
        ("catálogo: búsqueda", [f"/catalogo?q={quote(w)}" for w in words]),
        ("catálogo: provisorios", ["/catalogo?vista=provisorios"]),
        ("catálogo: proveedores", ["/catalogo?vista=proveedores"]),
        ("catálogo: precios", [f"/catalogo?vista=precios&store={s}" for s in stores]),
        ("facturas", ["/facturas"]),
        ("facturas: sin confirmar", ["/facturas?status=draft"]),
        ("factura", [f"/facturas/{i}" for i in ids["invoices"]]),
        ("órdenes", ["/ordenes"]),
        ("órdenes: enviadas de una sucursal", [f"/ordenes?status=sent&store={s}" for s in stores]),
        ("orden", [f"/ordenes/{o}" for o in ids["orders"]]),
        ("precios", ["/precios"]),
        ("inflación", ["/inflacion"]),
        ("inflacion.json por proveedor",
         ["/datos/inflacion.json?desde=2026-05&hasta=2026-11&por=supplier"]),
        ("inflacion.json por categoría",
         ["/datos/inflacion.json?desde=2026-05&hasta=2026-11&por=category"]),
        ("dispositivos", ["/dispositivos"]),
        ("conflictos", ["/conflictos"]),
        ("conflictos: todos de una sucursal", [f"/conflictos?estado=todos&store={s}"
                                               for s in stores]),
        ("auditoría", ["/auditoria"]),
        ("auditoría: filtros", [f"/auditoria?usuario={ADMIN}&tipo=auth&desde=2026-0{m}-01"
                                f"&hasta=2026-0{m}-28" for m in range(3, 10)]),
        ("auditoría: cambios", ["/auditoria?fuente=cambios"]),
        ("usuarios", ["/usuarios"]),
    ]


def percentile(samples: list[float], share: float) -> float:
    """Nearest rank."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


async def sign_in(client: Any) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise RuntimeError(f"the login page answered {page.status_code}")
    done = await client.post("/login", data={"username": ADMIN, "password": PASSWORD,
                                             "csrf_token": token.group(1), "next": "/"})
    if done.status_code != 303 or "mm_session" not in client.cookies:
        raise RuntimeError(f"signing in answered {done.status_code}: {done.text[:300]}")


async def measure(url: str, redis_url: str, plan: list[tuple[str, list[str]]],
                  requests: int, warmup: int, budget: float) -> list[dict[str, Any]]:
    import httpx

    from central.app import create_app
    from shared.settings import Settings

    with tempfile.TemporaryDirectory(prefix="mm-bench-dashboard-") as work:
        settings = Settings(MINIMARKET_DATA_DIR=Path(work) / "data", LOG_LEVEL="WARNING",
                            JWT_SECRET_KEY=secrets.token_urlsafe(48))
        app = create_app(settings=settings, db_url=url, redis_url=redis_url)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://dashboard",
                                         timeout=300) as client:
                await sign_in(client)
                results = []
                for label, urls in plan:
                    results.append(await _page(client, label, urls, requests, warmup, budget))
    return results


async def _page(client: Any, label: str, urls: list[str], requests: int, warmup: int,
                budget: float) -> dict[str, Any]:
    for n in range(warmup):
        begin = time.perf_counter()
        await _get(client, urls[n % len(urls)])
        if time.perf_counter() - begin > budget / 20:
            break  # a page this slow is not warming up anything
    samples: list[float] = []
    started = time.perf_counter()
    for n in range(requests):
        target = urls[n % len(urls)]
        begin = time.perf_counter()
        size = await _get(client, target)
        samples.append((time.perf_counter() - begin) * 1000)
        if time.perf_counter() - started > budget and len(samples) >= 5:
            break  # a very slow page: enough samples to say so
    entry = {"page": label, "example": urls[0], "count": len(samples),
             "p50": statistics.median(samples), "p95": percentile(samples, 0.95),
             "max": max(samples), "bytes": size}
    log(f"  {label}: p50 {entry['p50']:.1f} ms, p95 {entry['p95']:.1f} ms ({len(samples)})")
    return entry


async def _get(client: Any, target: str) -> int:
    answer = await client.get(target)
    if answer.status_code != 200:
        raise RuntimeError(f"GET {target} answered {answer.status_code}: {answer.text[:500]}")
    kind = answer.headers.get("content-type", "")
    fragment = target.startswith("/fragmentos/")
    if "html" in kind and ("overview-body" if fragment else "<h1") not in answer.text:
        raise RuntimeError(f"GET {target} is not the page: {answer.text[:500]}")
    if "json" in kind:
        json.loads(answer.content)
    return len(answer.content)


# --- report --------------------------------------------------------------------------------


def report(results: list[dict[str, Any]]) -> tuple[str, bool]:
    baseline = results[0]["p95"]
    rows = []
    passed = True
    for entry in results:
        is_baseline = entry["page"].startswith("health")
        entry["ratio"] = entry["p95"] / baseline if baseline else None
        entry["passed"] = is_baseline or entry["p95"] < TARGET_MS
        passed = passed and entry["passed"]
        rows.append((entry["page"], entry["count"], entry["p50"], entry["p95"], entry["max"],
                     entry["ratio"], entry["bytes"] // 1024,
                     "-" if is_baseline else ("PASS" if entry["passed"] else "FAIL")))
    table = render_table(("page", "n", "p50 ms", "p95 ms", "max ms", "p95/health", "kB",
                          f"p95 < {TARGET_MS:.0f} ms"), rows, "{:,.1f}")
    return table, passed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movements", type=int, default=DEFAULT_MOVEMENTS)
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests per page")
    parser.add_argument("--page-budget", type=float, default=60.0,
                        help="seconds after which a slow page stops (with >= 5 samples)")
    parser.add_argument("--pg", default=DEFAULT_ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--only", help="measure only pages whose label contains this")
    parser.add_argument("--skip", default="",
                        help="comma-separated label beginnings of pages not to measure")
    parser.add_argument("--keep", action="store_true",
                        help="leave the database (its name is printed) for --reuse")
    parser.add_argument("--reuse", help="measure an existing database built with --keep")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page misses")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


@contextmanager
def database(args: argparse.Namespace) -> Iterator[tuple[str, dict[str, Any]]]:
    if args.reuse:
        yield make_url(args.pg).set(database=args.reuse).render_as_string(
            hide_password=False), {}
        return
    with ExitStack() as stack:
        if args.keep:
            from _support import scratch_name

            name = scratch_name("dashboard")
            import psycopg

            with psycopg.connect(make_url(args.pg).set(drivername="postgresql")
                                 .render_as_string(hide_password=False),
                                 autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
            log(f"keeping database {name} (drop it yourself)")
        else:
            url = stack.enter_context(scratch_database(args.pg, "dashboard"))
        engine = create_db_engine(url)
        try:
            built = build_data(engine, args.movements)
        finally:
            engine.dispose()
        yield url, built


def main() -> int:
    args = parse_args()
    stop_cleanly_on_sigterm()
    with database(args) as (url, built), redis_database(args.redis) as redis_url:
        engine = create_db_engine(url)
        try:
            ids = sample_ids(engine)
            with engine.connect() as connection:
                size, movements = connection.execute(text(
                    "SELECT pg_database_size(current_database()), "
                    "(SELECT count(*) FROM stock_movements)")).one()
        finally:
            engine.dispose()
        plan = page_plan(ids)
        if args.only:
            plan = [plan[0], *[p for p in plan[1:] if args.only in p[0]]]
        skipped = tuple(word for word in args.skip.split(",") if word)
        if skipped:
            plan = [p for p in plan if not p[0].startswith(skipped)]
        log(f"measuring {len(plan)} pages, {args.warmup} + {args.requests} requests each")
        results = asyncio.run(measure(url, redis_url, plan, args.requests, args.warmup,
                                      args.page_budget))
    table, passed = report(results)
    summary = {"movements": movements, "database_bytes": size, **built,
               "target_ms": TARGET_MS, "pages": results, "passed": passed}
    out = sys.stderr if args.json else sys.stdout
    print(f"\nDashboard pages, server time in-process (httpx ASGI), signed in as admin; "
          f"{movements:,} movements, database {size / 2**30:.1f} GiB", file=out)
    print(table, file=out)
    print(f"\nevery page p95 < {TARGET_MS:.0f} ms: {'PASS' if passed else 'FAIL'}", file=out)
    if args.json:
        print(json.dumps(summary, default=str))
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    run_benchmark(main)
