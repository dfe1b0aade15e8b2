"""``minimarket demo``: migrate the embedded database, seed it and say what is there."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from central.demo import DEMO_STORES, DemoSummary, seed_demo
from central.runtime import Central, open_central
from shared.db.migrate import upgrade
from shared.services.stock import below_minimum, stock_snapshot


def run_demo(*, serve: bool = False, host: str = "127.0.0.1", port: int = 8000,
             before_serve: Callable[[Central, str], None] | None = None) -> None:
    """Migrate and seed the embedded database, print a summary, then serve (``serve``).

    ``before_serve(central, base_url)`` runs just before the server starts (the
    composition root uses it to open a demo store PC).
    """
    console = Console(soft_wrap=True)
    central = open_central(require_schema=False)
    upgrade(central.engine)
    password = central.settings.cli_password
    with central.transaction() as (session, recorder):
        summary = seed_demo(
            session, recorder, admin_password=password.get_secret_value() if password else None
        )
        from central.identity import find_store

        stores = [find_store(session, code) for code, _name in DEMO_STORES]
        snapshots = [
            (stock_snapshot(session, store), len(below_minimum(session, store))) for store in stores
        ]
    console.print(f"[bold]Minimarket central[/] — base de datos: {central.url}")
    if summary.created:
        console.print("Datos de demostración creados.")
        if summary.admin_password and not password:
            console.print(f"Usuario [bold]admin[/], contraseña [bold]{summary.admin_password}[/]"
                          " (se muestra solo esta vez)")
        if summary.cashier_pin:
            console.print(f"Caja de S1: usuario [bold]cajero[/], PIN [bold]{summary.cashier_pin}[/]"
                          " (se muestra solo esta vez)")
    table = Table("Sucursal", "Productos", "Con stock", "Sin stock", "Bajo mínimo",
                  title="Resumen")
    for snapshot, short in snapshots:
        items = snapshot["items"]
        in_stock = sum(1 for item in items if item["quantity"] > 0)
        table.add_row(snapshot["store"], str(len(items)), str(in_stock),
                      str(len(items) - in_stock), str(short))
    console.print(table)
    console.print(f"{summary.stores} sucursales, {summary.products} productos, "
                  f"{summary.movements} movimientos de stock.")
    console.print("Probá: [bold]minimarket central stock --store S1[/]")
    if not serve:
        return
    base = f"http://{host}:{port}"
    console.print(f"\nCentral escuchando en [bold]{base}[/] (Ctrl+C para salir)")
    console.print(f"  Panel web:           {base}/")
    hint = _password_hint(summary, password)
    console.print(f"  Ingreso al panel:    usuario [bold]admin[/], {hint}")
    console.print(f"  API y documentación: {base}/docs")
    console.print(f"  Estado:              {base}/health")
    console.print(f"  Métricas:            {base}/metrics")
    from central.serve import serve as run_server

    if before_serve is not None:
        before_serve(central, base)
    run_server(None, db=None, redis=None, host=host, port=port, quiet=True)



def _password_hint(summary: DemoSummary, from_settings: object) -> str:
    """Where the demo administrator's password is (never repeated: shown once above)."""
    if from_settings:
        return "contraseña de MINIMARKET_PASSWORD"
    if summary.admin_password:
        return "la contraseña de arriba"
    return "la contraseña que se mostró al crear los datos"
