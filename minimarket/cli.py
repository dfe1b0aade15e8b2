"""The ``minimarket`` command: the composition root that mounts every part's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from central.cli import app as central_app
from central.cli import cli_errors
from desktop.cli import app as store_app
from minimarket.forecast_command import app as forecast_app

app = typer.Typer(
    help="Minimarket: inventario offline-first para cadenas de minimercados.",
    no_args_is_help=True, add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.add_typer(central_app, name="central")
app.add_typer(store_app, name="store")
app.add_typer(forecast_app, name="forecast")


@app.command()
@cli_errors
def demo(
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start central after seeding.")
    ] = True,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    desktop: Annotated[bool | None, typer.Option(
        "--desktop/--no-desktop",
        help="Open a demo store PC's desktop app (default: when a display is available).",
    )] = None,
) -> None:
    """Embedded default: central on SQLite with demo data, every agent on one port."""
    from central.demo_command import run_demo
    from minimarket.demo_desktop import display_available, start_demo_desktop

    opens = desktop if desktop is not None else display_available()
    run_demo(serve=serve, host=host, port=port,
             before_serve=start_demo_desktop if opens else None)


@app.command()
@cli_errors
def desktop(
    data: Annotated[Path, typer.Option("--data", help="The store's data folder.")],
) -> None:
    """The store desktop app (Qt) on a data folder; an empty folder starts enrollment."""
    from desktop.ui.app import run as run_desktop

    raise typer.Exit(run_desktop(data))


@app.command()
def ocr(
    images: Annotated[list[Path], typer.Argument(help="Invoice photos, scans or PDFs.")],
    as_json: Annotated[bool, typer.Option(
        "--json", help="One JSON object per line and file (the ocr --json contract).")] = False,
    qr: Annotated[bool, typer.Option(
        "--qr/--no-qr", help="Read the AFIP QR (--no-qr measures the text reading alone).")] = True,
) -> None:
    """Read supplier invoices (photos, scans or PDFs) into structured data."""
    from minimarket.ocr_command import run_ocr

    raise typer.Exit(run_ocr(images, as_json=as_json, use_qr=qr))


def run() -> None:
    from shared.logging import configure_logging

    configure_logging("WARNING", json=True)
    app()
