"""``minimarket central …``: HQ administration from the command line (CONTRACTS.md).

Heavy imports happen inside the commands so that ``minimarket --help`` and the store
commands stay fast.
"""

from __future__ import annotations

import functools
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from shared.domain.errors import MinimarketError

app = typer.Typer(
    help="HQ services and administration.", no_args_is_help=True, add_completion=False,
    pretty_exceptions_show_locals=False
)
F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: DATABASE_URL or the embedded SQLite file)."),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def cli_errors(function: F) -> F:
    """Expected failures become one line on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import OperationalError

        try:
            return function(*args, **kwargs)
        except MinimarketError as error:
            raise fail(str(error)) from None
        except OperationalError as error:
            raise fail(f"database error: {error.orig}") from None

    return wrapper  # type: ignore[return-value]


def read_password(prompt_for: str) -> str:
    """$MINIMARKET_PASSWORD, or a prompt typed twice; never echoed, never logged."""
    from shared.settings import Settings

    password = Settings.load().cli_password
    if password is not None:
        return password.get_secret_value()
    if not sys.stdin.isatty():
        raise fail("set MINIMARKET_PASSWORD or run in a terminal to type the password")
    first = getpass.getpass(f"Password for {prompt_for}: ")
    if first != getpass.getpass("Repeat the password: "):
        raise fail("the passwords do not match")
    return first


HostOption = Annotated[str, typer.Option("--host", help="Address to listen on.")]
RedisOption = Annotated[
    str | None,
    typer.Option("--redis", help="Redis URL (default: REDIS_URL; none: in-process cache)."),
]


@app.command()
@cli_errors
def up(
    db: DbOption = None,
    redis: RedisOption = None,
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
) -> None:
    """Every agent in one process on one port, with production's URL paths."""
    from central.serve import serve

    serve(None, db=db, redis=redis, host=host, port=port)


@app.command("serve")
@cli_errors
def serve_agent(
    agent: Annotated[str, typer.Argument(help="deposito | negocio | ml | sync | dashboard")],
    db: DbOption = None,
    redis: RedisOption = None,
    host: HostOption = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default: the agent's own).")
    ] = None,
) -> None:
    """One agent per process, for production behind nginx."""
    from central.serve import serve

    serve(agent, db=db, redis=redis, host=host, port=port)


@app.command()
@cli_errors
def migrate(db: DbOption = None) -> None:
    """Create or upgrade the database schema."""
    from central.runtime import open_central
    from shared.db.migrate import current_revision, upgrade

    central = open_central(db, require_schema=False)
    upgrade(central.engine)
    typer.echo(f"database schema at revision {current_revision(central.engine)}")


@app.command("create-admin")
@cli_errors
def create_admin(username: str, db: DbOption = None) -> None:
    """Create an HQ administrator (password from $MINIMARKET_PASSWORD or a prompt)."""
    _add_user(db, username, "admin", None)


@app.command("add-user")
@cli_errors
def add_user(
    username: str,
    role: Annotated[
        str, typer.Option("--role", help="admin, deposito, negocio, ml_service, cajero")
    ],
    store: Annotated[str | None, typer.Option("--store", help="Store code (cajero).")] = None,
    pin: Annotated[bool, typer.Option(
        "--pin", help="Also set a 4-8 digit PIN for the counter ($MINIMARKET_PIN or a prompt)."
    )] = False,
    db: DbOption = None,
) -> None:
    """Create a user with a role (password from $MINIMARKET_PASSWORD or a prompt)."""
    _add_user(db, username, role, store, pin=pin)


def _read_pin(username: str) -> str:
    import os

    value = os.environ.get("MINIMARKET_PIN")
    if value:
        return value
    if not sys.stdin.isatty():
        raise fail("set MINIMARKET_PIN or run in a terminal to type the PIN")
    first = getpass.getpass(f"PIN for {username}: ")
    if first != getpass.getpass("Again: "):
        raise fail("the PINs do not match")
    return first


def _add_user(db: str | None, username: str, role: str, store: str | None, *,
              pin: bool = False) -> None:
    from central import identity
    from central.runtime import open_central

    central = open_central(db)
    password = read_password(username)
    user_pin = _read_pin(username) if pin else None
    with central.transaction() as (session, recorder):
        identity.add_user(session, recorder, username, password, role, store, pin=user_pin)
    typer.echo(f"user {username.strip().lower()} created with role {role}")


@app.command("add-store")
@cli_errors
def add_store(code: str, name: str, db: DbOption = None) -> None:
    """Register a store."""
    from central import identity
    from central.runtime import open_central

    central = open_central(db)
    with central.transaction() as (session, recorder):
        identity.add_store(session, recorder, code, name)
    typer.echo(f"store {code} created")


@app.command("import-products")
@cli_errors
def import_products(
    file: Annotated[Path, typer.Argument(help="UTF-8 CSV (CONTRACTS.md 'Products CSV').")],
    decimal: Annotated[str, typer.Option("--decimal", help="auto | comma | dot")] = "auto",
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=COLUMN, repeatable.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Import or update products by sku; bad rows are reported with their line numbers."""
    from central.catalog.import_command import run_import

    if decimal not in ("auto", "comma", "dot"):
        raise fail("--decimal takes auto, comma or dot")
    bad = run_import(file, decimal=decimal, mapping=mapping or [], db=db)  # type: ignore[arg-type]
    if bad:
        raise typer.Exit(1)


@app.command("enroll-token")
@cli_errors
def enroll_token(
    store: Annotated[str, typer.Option("--store", help="Store code.")],
    ttl: Annotated[float, typer.Option("--ttl", help="Hours until it expires.")] = 72,
    db: DbOption = None,
) -> None:
    """Print a one-time token that enrolls one device of a store (the token alone)."""
    from central import identity
    from central.runtime import open_central

    central = open_central(db)
    with central.transaction() as (session, _recorder):
        token = identity.create_enrollment_token(session, store, ttl_hours=ttl)
    sys.stdout.write(token + "\n")


@app.command("revoke-device")
@cli_errors
def revoke_device(device_id: str, db: DbOption = None) -> None:
    """Revoke an enrolled device: its next sync is refused."""
    from central import devices
    from central.runtime import open_central

    central = open_central(db)
    with central.transaction() as (session, _recorder):
        devices.revoke_device(session, device_id)
    typer.echo(f"device {device_id} revoked")


@app.command("compact-tombstones")
@cli_errors
def compact_tombstones(
    days: Annotated[int, typer.Option("--days", min=90,
                                      help="Purge records deleted longer ago (>= 90).")] = 90,
    db: DbOption = None,
) -> None:
    """Purge long-deleted records and their operations; PCs away longer re-sync fully."""
    from central.runtime import open_central
    from sync.server import compact_tombstones as compact

    central = open_central(db)
    with central.transaction() as (session, _recorder):
        report = compact(session, older_than_days=days)
    typer.echo(f"{report.records} deleted records purged ({report.operations} operations); "
               f"horizon at sequence {report.horizon}")


@app.command("rebuild-stock")
@cli_errors
def rebuild_stock(
    check: Annotated[
        bool, typer.Option("--check", help="Only compare the cache with the ledger.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Rebuild the stock-level cache from the ledger (or, with --check, verify it)."""
    from central.runtime import open_central
    from shared.db.stock_levels import cached_levels, compute_levels, rebuild_levels

    central = open_central(db)
    with central.transaction() as (session, _recorder):
        if check:
            ledger = {pair: qty for pair, qty in compute_levels(session).items()}
            cache = cached_levels(session)
            differing = {pair for pair in set(ledger) | set(cache)
                         if ledger.get(pair, 0) != cache.get(pair, 0)}
            if differing:
                raise fail(f"the cache differs from the ledger in {len(differing)} levels")
            typer.echo(f"the cache matches the ledger ({len(ledger)} levels)")
            return
        size = rebuild_levels(session)
    typer.echo(f"stock cache rebuilt from the ledger: {size} levels")


@app.command()
@cli_errors
def stock(
    store: Annotated[str, typer.Option("--store", help="Store code.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
    db: DbOption = None,
) -> None:
    """A store's stock per product, from the ledger."""
    from central.identity import find_store
    from central.runtime import open_central
    from shared.domain.jsonout import dumps
    from shared.services.stock import stock_snapshot

    central = open_central(db)
    with central.transaction() as (session, _recorder):
        snapshot = stock_snapshot(session, find_store(session, store))
    if as_json:
        sys.stdout.write(dumps(snapshot) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("SKU", "Cantidad", title=f"Stock de {snapshot['store']}")
    for item in snapshot["items"]:
        table.add_row(item["sku"], str(item["quantity"]))
    Console().print(table)


@app.command("train-forecast")
@cli_errors
def train_forecast(
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=60,
                                         help="Days forecast ahead.")] = 14,
    window_days: Annotated[int, typer.Option(
        "--window-days", min=57, max=1500, help="Days of sales history to learn from.")] = 730,
    trees: Annotated[int | None, typer.Option(
        "--trees", min=1, max=2000,
        help="Boosting iterations (default: the library's; fewer is faster and rougher).")
    ] = None,
    activate: Annotated[bool, typer.Option(
        "--activate", help="Release the model to HQ and the stores if training succeeds.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Train the demand model now, in the foreground, with a progress bar (as the ml
    agent's background job does); prints its id, version and backtest WAPE."""
    from central.ml.train_command import run_training

    config = {} if trees is None else {"max_iter": trees}
    if not run_training(db, horizon=horizon, window_days=window_days, config=config,
                        activate=activate):
        raise typer.Exit(1)
