"""Benchmark: central under load (locust), beside a bare FastAPI endpoint, on PostgreSQL.

On a scratch database migrated with ``upgrade`` it writes a chain of 20 stores and
5,000 products (EAN-13, name, chain-wide price; the ids the ledger generator derives),
people (an admin, a ``deposito`` reader, one ``cajero`` per store), a ledger of N stock
movements (default 10,000,000, server-side, ``_ledger_sql``) and rebuilds the stock
cache. It then starts ``minimarket central up`` (PostgreSQL + a free Redis database)
and, side by side, a bare FastAPI ``GET /ping`` under uvicorn, waits for a quiet
machine, and runs locust users (0.5-1.5 s between requests) mixing ``GET /health``,
one store's stock snapshot, a product search, a sale of one unit, and the baseline's
``/ping``: first 50 users for ``--duration`` seconds, then steps of users (doubling,
shorter) to the highest request rate at which every target still holds:

    p95 < 20 ms health, < 50 ms reads, < 100 ms writes, 0 errors.

The load generator runs on the same 2 cores as the servers; its CPU use is reported.
Everything it started is stopped, and the database dropped, at the end, also after an
error, Ctrl-C or SIGTERM.

    .venv/bin/python benchmarks/bench_central_load.py [--movements N] [--duration S] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _central_data import ADMIN, PASSWORD, READER, SEARCH_WORDS, check_ledger_ids, write_chain
from _ledger_sql import PRODUCTS, STORES
from _processes import free_port, http, redis_database, server, sign_in, wait_until_quiet
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
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.db.stock_levels import rebuild_levels

HERE = Path(__file__).resolve().parent
TARGETS_MS = {"health": 20.0, "stock": 50.0, "search": 50.0, "sale": 100.0}
KINDS = ("health", "stock", "search", "sale", "ping")
CENTRAL_KINDS = ("health", "stock", "search", "sale")


# --- data ----------------------------------------------------------------------------------


def rebuild_stock_cache(engine: Engine) -> int:
    with Session(engine) as session:
        levels = rebuild_levels(session)
        session.commit()
    return levels


def build_data(engine: Engine, movements: int) -> tuple[Any, dict[str, Any]]:
    upgrade(engine)
    seconds, chain = timed(lambda: write_chain(engine))
    log(f"catalog: {STORES} stores, {PRODUCTS:,} products, {len(chain.users)} users "
        f"through the Recorder in {seconds:.1f} s")
    counts = max(movements // 500, 100)
    log(f"generating {movements:,} movements and {counts:,} count entries")
    phases = {"catalog": seconds, **load_ledger(engine, movements, counts, 500_000)}
    phases["rebuild_levels"], levels = timed(lambda: rebuild_stock_cache(engine))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        phases["analyze"], _ = timed(lambda: connection.execute(text("VACUUM ANALYZE")))
    log(f"stock cache: {levels:,} levels in {phases['rebuild_levels']:.1f} s")
    facts = check_ledger_ids(engine)
    return chain, {"phases": phases, "facts": facts}


# --- servers and one load step ---------------------------------------------------------------


def start_servers(stack: ExitStack, url: str, redis_url: str, work: Path) -> dict[str, Any]:
    central_port, ping_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "DASHBOARD_API_KEY", "CORS_ORIGINS")}
    env.update(JWT_SECRET_KEY=secrets.token_urlsafe(48), LOG_LEVEL="WARNING",
               MINIMARKET_DATA_DIR=str(work / "data"), MINIMARKET_ENV="development")
    minimarket = Path(sys.executable).with_name("minimarket")
    central_cmd = [str(minimarket), "central", "up", "--db", url, "--redis", redis_url,
                   "--host", "127.0.0.1", "--port", str(central_port)]
    ping_cmd = [sys.executable, "-m", "uvicorn", "_ping_app:app", "--app-dir", str(HERE),
                "--host", "127.0.0.1", "--port", str(ping_port), "--no-access-log",
                "--log-level", "warning"]
    central = stack.enter_context(server("central", central_cmd,
                                         f"http://127.0.0.1:{central_port}/health", work, env))
    baseline = stack.enter_context(server("baseline", ping_cmd,
                                          f"http://127.0.0.1:{ping_port}/ping", work, env))
    return {"central": f"http://127.0.0.1:{central_port}", "baseline": f"http://127.0.0.1:{ping_port}",
            "pids": {"central": central.pid, "baseline": baseline.pid},
            "commands": {"central": central_cmd, "baseline": ping_cmd}}


def preflight(servers: dict[str, Any], chain: Any, tokens: dict[str, str]) -> None:
    """Each request of the mix once, so a broken path fails here and not as 'errors'."""
    base = servers["central"]
    reader = {"Authorization": f"Bearer {tokens[READER]}"}
    store = chain.store_codes[0]
    cashier = {"Authorization": f"Bearer {tokens[chain.cashiers[store]]}",
               "Content-Type": "application/json"}
    sale = json.dumps({"store": store, "kind": "sale", "quantity": 1,
                       "product": chain.sale_barcodes[0]}).encode()
    checks = [
        ("GET", f"{base}/health", None, {}, 200),
        ("GET", f"{base}/api/deposito/stock?store={store}", None,
         {"Authorization": f"Bearer {tokens[ADMIN]}"}, 200),
        ("GET", f"{base}/api/deposito/products?q={SEARCH_WORDS[0]}", None, reader, 200),
        ("POST", f"{base}/api/deposito/movements", sale, cashier, 201),
        ("GET", f"{servers['baseline']}/ping", None, {}, 200),
    ]
    for method, url, body, headers, expected in checks:
        status, answer = http(method, url, body=body, headers=headers, timeout=60)
        if status != expected:
            raise RuntimeError(f"{method} {url} answered {status}: {answer[:300]!r}")
        if "/stock?" in url and (items := answer.count(b'"sku"')) != PRODUCTS:
            raise RuntimeError(f"the stock snapshot lists {items} products, not {PRODUCTS}")


def run_step(base_config: dict[str, Any], work: Path, users: int, duration: float,
             warmup: float, py_spy: str | None = None) -> dict[str, Any]:
    """One locust run in a child process; with ``py_spy`` (an output .svg) central is
    sampled by ``py-spy record`` meanwhile."""
    config = {**base_config, "users": users, "duration": duration, "warmup": warmup,
              "spawn_rate": max(users / 3, 10)}
    path = work / f"load-{users}.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    log(f"load: {users} users, {warmup:.0f} s warm-up + {duration:.0f} s measured")
    load_before = os.getloadavg()
    with ExitStack() as profiling:
        if py_spy:
            profiling.enter_context(subprocess.Popen(
                [shutil.which("py-spy") or "py-spy", "record", "--pid",
                 str(config["pids"]["central"]), "--duration", str(int(warmup + duration)),
                 "--rate", "100", "--format", "flamegraph", "-o", py_spy],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL))
        completed = subprocess.run(
            [sys.executable, str(HERE / "_load_users.py"), str(path)], capture_output=True,
            text=True, timeout=warmup + duration + 120, stdin=subprocess.DEVNULL, check=False,
        )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"locust step of {users} users failed ({completed.returncode}):\n"
                           + completed.stderr[-3000:])
    result: dict[str, Any] = json.loads(lines[-1])
    result["loadavg_before"] = load_before
    judge(result)
    log(f"  {users} users: {result['rps']:.1f} req/s, central {result['central_rps']:.1f} req/s, "
        + ", ".join(f"{k} p95 {result['requests'][k].get('p95', float('nan')):.1f} ms"
                    for k in KINDS)
        + f", errors {result['errors']} -> {'PASS' if result['passed'] else 'FAIL'}")
    return result


def judge(result: dict[str, Any]) -> None:
    requests = result["requests"]
    result["errors"] = sum(r["errors"] for r in requests.values())
    result["rps"] = sum(r["rps"] for r in requests.values())
    result["central_rps"] = sum(requests[k]["rps"] for k in CENTRAL_KINDS)
    result["targets"] = {
        kind: {"p95_ms": requests[kind].get("p95"), "target_ms": limit,
               "passed": requests[kind]["count"] > 0 and requests[kind]["p95"] < limit}
        for kind, limit in TARGETS_MS.items()
    }
    held = all(target["passed"] for target in result["targets"].values())
    result["passed"] = result["errors"] == 0 and held


def find_limit(
    args: argparse.Namespace, config: dict[str, Any], work: Path
) -> list[dict[str, Any]]:
    """The main run; steps up (doubling) while a step holds every target or central's
    throughput still grows; down (halving) when none held; then one midpoint step."""
    runs = [run_step(config, work, args.users, args.duration, args.warmup, args.py_spy)]

    def step(users: int) -> dict[str, Any]:
        time.sleep(3)  # let the last step's queues drain
        runs.append(run_step(config, work, users, args.step_duration, args.warmup))
        return runs[-1]

    previous, users = runs[0], args.users * 2
    while users <= args.max_users:
        current = step(users)
        growing = current["central_rps"] > 1.15 * previous["central_rps"]
        if not current["passed"] and (not growing or current["errors"]):
            break
        previous, users = current, users * 2
    users = args.users // 2
    while not any(r["passed"] for r in runs) and users >= args.min_users:
        step(users)
        users //= 2
    passing = [r["users"] for r in runs if r["passed"]]
    failing = [r["users"] for r in runs if not r["passed"] and r["users"] > max(passing, default=0)]
    if passing and failing and min(failing) > 1.3 * max(passing):
        step((max(passing) + min(failing)) // 2)
    return runs


def highest_holding(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The busiest step that held every target, and for each target the busiest that held it."""
    def best(held: list[dict[str, Any]]) -> dict[str, Any] | None:
        if not held:
            return None
        top = max(held, key=lambda r: r["central_rps"])
        return {"users": top["users"], "rps": top["rps"], "central_rps": top["central_rps"]}

    return {
        "all": best([r for r in runs if r["passed"]]),
        **{kind: best([r for r in runs if r["targets"][kind]["passed"]
                       and r["requests"][kind]["errors"] == 0]) for kind in TARGETS_MS},
    }


# --- report ----------------------------------------------------------------------------------


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def cpu_line(run: dict[str, Any]) -> str:
    cpu, seconds = run["cpu_seconds"], run["seconds"]
    named = ("central", "baseline", "locust", "postgres", "redis")
    other = cpu["machine_busy"] - sum(cpu[k] for k in named)
    parts = [f"{k} {100 * cpu[k] / seconds:.0f}" for k in named]
    return (f"CPU, % of one core: {', '.join(parts)}, other {100 * other / seconds:.0f}; "
            f"machine {100 * cpu['machine_busy'] / (seconds * (os.cpu_count() or 1)):.0f} % busy "
            f"of {os.cpu_count()} cores")


def main_table(run: dict[str, Any]) -> str:
    rows = []
    for kind in KINDS:
        r = run["requests"][kind]
        target = run["targets"].get(kind)
        rows.append([r["name"], r["count"], round(r["rps"], 1), _ms(r.get("p50")),
                     _ms(r.get("p95")), _ms(r.get("p99")), _ms(r.get("max")), r["errors"],
                     f"< {target['target_ms']:.0f} ms" if target else "(baseline)",
                     ("PASS" if target["passed"] else "FAIL") if target else "-"])
    headers = ["request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors",
               "p95 target", "result"]
    return render_table(headers, rows, "{:,.1f}")


def steps_table(runs: list[dict[str, Any]]) -> str:
    rows = []
    for run in sorted(runs, key=lambda r: r["users"]):
        q = run["requests"]
        cpu, seconds = run["cpu_seconds"], run["seconds"]
        rows.append([run["users"], round(run["rps"], 1), round(run["central_rps"], 1),
                     *[_ms(q[k].get("p95")) for k in KINDS], run["errors"],
                     round(100 * cpu["central"] / seconds), round(100 * cpu["locust"] / seconds),
                     round(100 * cpu["postgres"] / seconds), "PASS" if run["passed"] else "FAIL"])
    headers = ["users", "req/s", "central req/s", "health p95", "stock p95", "search p95",
               "sale p95", "ping p95 (baseline)", "errors", "central CPU %", "locust CPU %",
               "postgres CPU %", "all targets"]
    return render_table(headers, rows, "{:,.1f}")


def print_figures(figures: dict[str, Any], to_json: bool) -> None:
    out = sys.stderr if to_json else sys.stdout
    data, quiet, runs = figures["data"], figures["quiet"], figures["runs"]
    facts, phases = data["facts"], data["phases"]
    main = runs[0]

    def say(line: str = "") -> None:
        print(line, file=out)

    say(f"\ndata: {STORES} stores x {PRODUCTS:,} products, {facts['movements']:,} movements, "
        f"{facts['counts']:,} count entries, {facts['levels']:,} cached levels; set up in "
        + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()))
    say(f"servers: {' '.join(figures['servers']['commands']['central'])}")
    say(f"         baseline {' '.join(figures['servers']['commands']['baseline'][1:4])} (bare "
        "FastAPI GET /ping) in its own process")
    load = quiet["loadavg"]
    say(f"machine before the first run: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"(waited {quiet['waited_seconds']:.0f} s for < {quiet['threshold']}; "
        + ("quiet)" if quiet["quiet"] else "NOT quiet: figures include other work)"))
    say("load generator: locust (FastHttpUser) on the same 2 cores as the servers and "
        "PostgreSQL; its CPU use is in the CPU lines below\n")
    say(f"{main['users']} users, {main['seconds']:.0f} s: {main['rps']:.1f} req/s in all, "
        f"central {main['central_rps']:.1f} req/s; read cache (stock snapshots and catalog "
        f"pages) hits {main['cache']['hits']:.0f}, misses {main['cache']['misses']:.0f}")
    say(main_table(main))
    say(cpu_line(main))
    for message in main["error_messages"]:
        say(f"  error: {message}")
    say("\nsteps (p95 in ms; all targets = p95 health < 20, stock and search < 50, "
        "sale < 100, 0 errors):")
    say(steps_table(runs))
    highest = figures["highest_holding"]
    say("highest rate at which the targets hold (central req/s = without the baseline's /ping):")
    for kind in ("all", *TARGETS_MS):
        label = "every target" if kind == "all" else f"{kind} p95 < {TARGETS_MS[kind]:.0f} ms"
        found = highest[kind]
        say(f"  {label:<22} " + ("no step" if found is None else
            f"{found['users']} users: {found['rps']:.1f} req/s in all, "
            f"central {found['central_rps']:.1f} req/s"))
    for run in runs[1:]:
        for message in run["error_messages"]:
            say(f"  {run['users']} users, error: {message}")
    if to_json:
        print(json.dumps(figures))


# --- running ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movements", type=int, default=10_000_000,
                        help="stock movements to generate (default 10000000)")
    parser.add_argument("--users", type=int, default=50, help="users of the main run (50)")
    parser.add_argument("--duration", type=float, default=60,
                        help="measured seconds of the main run (60)")
    parser.add_argument("--step-duration", type=float, default=30,
                        help="measured seconds of each further step (30)")
    parser.add_argument("--warmup", type=float, default=8,
                        help="seconds of spawning and warm-up before each measurement (8)")
    parser.add_argument("--max-users", type=int, default=800, help="step-up bound (800)")
    parser.add_argument("--min-users", type=int, default=5, help="step-down bound (5)")
    parser.add_argument("--request-timeout", type=float, default=10,
                        help="seconds before a request counts as an error (10)")
    parser.add_argument("--quiet-load", type=float, default=1.0,
                        help="wait for a 1-minute load average under this (1.0)")
    parser.add_argument("--quiet-wait", type=float, default=900,
                        help="longest wait for a quiet machine, seconds (900)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true",
                        help="also print the figures as one JSON object (alone on stdout; "
                             "the tables go to stderr)")
    parser.add_argument("--pg", default=DEFAULT_ADMIN_URL,
                        help=f"server for the scratch database ({DEFAULT_ADMIN_URL})")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379",
                        help="Redis server; a free numbered database is used and emptied")
    parser.add_argument("--py-spy", metavar="SVG",
                        help="sample central with py-spy (on PATH) during the main run and "
                             "write a flame graph to SVG")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when the main run misses a target")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_sigterm()
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database(args.pg, "load"))
        engine = create_db_engine(url)
        try:
            chain, data = build_data(engine, args.movements)
        finally:
            engine.dispose()
        facts = data["facts"]
        if facts["unknown_stores"] or facts["unknown_products"]:
            log(f"the ledger names stores or products the catalog lacks: {facts}")
            return 1
        redis_url = stack.enter_context(redis_database(args.redis))
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mm_bench_load_")))
        servers = start_servers(stack, url, redis_url, work)
        tokens = {name: sign_in(servers["central"], name, PASSWORD) for name in chain.users}
        preflight(servers, chain, tokens)
        config = {
            "central": servers["central"], "baseline": servers["baseline"],
            "pids": servers["pids"], "seed": args.seed, "request_timeout": args.request_timeout,
            "reader_token": tokens[READER], "stock_items": PRODUCTS,
            "stores": [{"code": code, "token": tokens[chain.cashiers[code]]}
                       for code in chain.store_codes],
            "sale_barcodes": chain.sale_barcodes, "search_words": SEARCH_WORDS,
        }
        quiet = wait_until_quiet(args.quiet_load, args.quiet_wait)
        runs = find_limit(args, config, work)
    figures = {"data": data, "servers": {"commands": servers["commands"]}, "quiet": quiet,
               "runs": runs, "targets_ms": TARGETS_MS, "highest_holding": highest_holding(runs)}
    print_figures(figures, args.json)
    return 1 if args.strict and not runs[0]["passed"] else 0


if __name__ == "__main__":
    run_benchmark(main)
