"""``minimarket store --data DIR …``: the store PC's commands (CONTRACTS.md), headless.

Imports stay inside the commands: a store command answers in about a second.
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

app = typer.Typer(help="Store PC: sell, receive, count and sync, offline.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False)
F = TypeVar("F", bound=Callable[..., Any])
_state: dict[str, Path] = {}


def errors(function: F) -> F:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except MinimarketError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def main(data: Annotated[Path, typer.Option("--data", help="The store's data folder.")]) -> None:
    _state["data"] = data


def _settings():  # type: ignore[no-untyped-def]
    from shared.settings import Settings

    return Settings.load()


def _passphrase(settings: Any, *, confirm: bool = False) -> str | None:
    if settings.store_passphrase is not None:
        return str(settings.store_passphrase.get_secret_value())
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("Frase de acceso del operador: ")
    if confirm and first != getpass.getpass("Repetila: "):
        raise typer.BadParameter("the passphrases do not match")
    return first


def _open() -> Any:
    from desktop.app.store import open_store

    settings = _settings()
    passphrase = settings.store_passphrase
    return open_store(_state["data"], machine_secret=settings.machine_secret_path,
                      passphrase=passphrase.get_secret_value() if passphrase else None)


def _progress() -> Callable[[int, bool], None]:
    received = [0]

    def report(count: int, more: bool) -> None:
        received[0] += count
        typer.echo(f"\rrecibidas {received[0]} operaciones" + ("…" if more else ""), err=True,
                   nl=not more)

    return report


@app.command("enroll")
@errors
def enroll_command(
    server: Annotated[str, typer.Option("--server", help="Central or edge URL.")],
    token: Annotated[str | None, typer.Option("--token", help="One-time token.")] = None,
    name: Annotated[str, typer.Option("--name", help="This PC's name.")] = "",
) -> None:
    """Enroll this PC: create the encrypted data folder and sync for the first time."""
    from desktop.app.store import enroll

    settings = _settings()
    token = token or (settings.enroll_token.get_secret_value() if settings.enroll_token else None)
    if not token:
        raise MinimarketError("give --token or set MINIMARKET_ENROLL_TOKEN")
    passphrase = _passphrase(settings, confirm=True)
    if not passphrase:
        raise MinimarketError("set MINIMARKET_STORE_PASSPHRASE or run in a terminal")
    store, report = enroll(_state["data"], server, token, passphrase=passphrase,
                           machine_secret=settings.machine_secret_path, name=name,
                           progress=_progress())
    typer.echo(f"enrolled as device {store.replica.device_id}; {report.pulled} operations received")


def _move(kind_name: str, code: str, quantity: str, **kwargs: Any) -> None:
    from desktop.app.stock_actions import move
    from shared.domain.enums import MovementKind
    from shared.domain.numbers import parse_quantity

    store = _open()
    result = store.write(move, code, MovementKind[kind_name], parse_quantity(quantity), **kwargs)
    warning = "  (stock negativo: queda marcado)" if result.negative else ""
    typer.echo(f"{result.sku} {result.name}: {result.quantity} → stock {result.level}{warning}")


QTY = Annotated[str, typer.Argument(help="Quantity; decimals with , or .")]
CODE = Annotated[str, typer.Argument(metavar="SKU_OR_EAN")]


@app.command(context_settings={"ignore_unknown_options": True})
@errors
def sale(code: CODE, qty: QTY) -> None:
    """Sell (or take out) a product."""
    _move("SALE", code, qty)


@app.command("return", context_settings={"ignore_unknown_options": True})
@errors
def customer_return(code: CODE, qty: QTY,
                    reason: Annotated[str, typer.Option("--reason")]) -> None:
    """A customer returns a product."""
    _move("CUSTOMER_RETURN", code, qty, reason=reason)


@app.command(context_settings={"ignore_unknown_options": True})
@errors
def intake(
    code: CODE, qty: QTY,
    cost: Annotated[str | None, typer.Option("--cost", help="Unit cost, net.")] = None,
) -> None:
    """Receive goods without an invoice at hand."""
    from shared.domain.numbers import parse_decimal

    _move("INTAKE", code, qty, unit_cost=parse_decimal(cost) if cost else None)


@app.command(context_settings={"ignore_unknown_options": True})
@errors
def count(code: CODE, qty: QTY) -> None:
    """Record a physical count: Q on hand now."""
    from desktop.app.stock_actions import count as record_count
    from shared.domain.numbers import parse_quantity

    store = _open()
    result = store.write(record_count, code, parse_quantity(qty))
    typer.echo(f"{result.sku} {result.name}: contado {result.quantity}")


@app.command(context_settings={"ignore_unknown_options": True})
@errors
def adjust(code: CODE, delta: Annotated[str, typer.Argument(help="Signed change.")],
           reason: Annotated[str, typer.Option("--reason")]) -> None:
    """Adjust stock by a signed amount, with a reason."""
    _move("ADJUSTMENT", code, delta, reason=reason)


@app.command("sync")
@errors
def sync_command(server: Annotated[str | None, typer.Option("--server")] = None) -> None:
    """Push what this PC recorded and pull what is new."""
    from desktop.app.store import sync

    report = sync(_open(), server=server, progress=_progress())
    typer.echo(f"sent {report.pushed} ({report.duplicates} already there), "
               f"refused {report.refused}, received {report.pulled}")
    for op_id, code, reason in report.refusals:
        typer.echo(f"refused {op_id}: {code}: {reason}", err=True)


@app.command()
@errors
def salvage(old_data: Annotated[Path, typer.Argument(help="The replaced PC's data folder.")],
            ) -> None:
    """Send the unsent operations of a replaced PC's database (opened with the passphrase)."""
    from desktop.app.store import salvage as push_old

    settings = _settings()
    passphrase = _passphrase(settings)
    if not passphrase:
        raise typer.BadParameter("the old database opens only with the operator passphrase")
    report = push_old(_open(), old_data, passphrase=passphrase)
    typer.echo(f"salvaged {report.pushed} ({report.duplicates} already there), "
               f"refused {report.refused}, received {report.pulled}")
    for op_id, code, reason in report.refusals:
        typer.echo(f"refused {op_id}: {code}: {reason}", err=True)


@app.command()
@errors
def stock(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """This store's stock, offline."""
    from desktop.app.store import stock as snapshot
    from shared.domain.jsonout import dumps

    data = snapshot(_open())
    if as_json:
        sys.stdout.write(dumps(data) + "\n")
        return
    for item in data["items"]:
        typer.echo(f"{item['sku']}\t{item['quantity']}")


@app.command()
@errors
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Sync state: pending and refused operations, last sync."""
    from desktop.app.store import status as read_status
    from shared.domain.jsonout import dumps

    data = read_status(_open())
    if as_json:
        sys.stdout.write(dumps(data) + "\n")
        return
    for key, value in data.items():
        typer.echo(f"{key}: {value}")
