"""``minimarket forecast …``: demand forecasting from the command line.

``forecast backtest --sales FILE.csv --horizon DAYS [--json]`` reads a sales CSV
(``date,store,sku,units``, optional ``price`` and ``stock``), runs the rolling-origin
backtest of ``shared.forecast.backtest`` and prints the model's WAPE and MASE beside
the seasonal naive's (CONTRACTS.md). Bad rows are reported on stderr with their line
number and counted in the JSON (``bad_rows``); the rest is used. The exit code is
non-zero only when the file is missing or unreadable or no series is usable.
Heavy modules (numpy, scikit-learn) are imported inside the command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Demand forecasting: backtest the model on a sales file.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False)

BAD_ROWS_SHOWN = 20


@app.callback()
def forecast() -> None:
    """Demand forecasting: backtest the model on a sales file."""


@app.command("backtest")
def backtest_command(
    sales: Annotated[Path, typer.Option("--sales", help="Sales CSV: date,store,sku,units.")],
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=91,
                                         help="Days forecast from each origin.")] = 14,
    origins: Annotated[int, typer.Option("--origins", min=1, max=12,
                                         help="Rolling origins at the end of the data.")] = 3,
    country: Annotated[str, typer.Option(
        "--country", help="Public holidays calendar (ISO code: AR, US, GB…).")] = "AR",
    loss: Annotated[str, typer.Option("--loss", help="poisson or squared_error.")] = "poisson",
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print only the JSON result on stdout.")] = False,
) -> None:
    """Backtest the demand model against the weekly seasonal naive on a sales CSV."""
    raise typer.Exit(run_backtest(sales, horizon=horizon, origins=origins, country=country,
                                  loss=loss, as_json=as_json))


def run_backtest(path: Path, *, horizon: int, origins: int, country: str, loss: str,
                 as_json: bool) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shared.domain.jsonout import dumps
    from shared.forecast.backtest import backtest
    from shared.forecast.card import ForecastConfig
    from shared.forecast.errors import ForecastError
    from shared.forecast.series import read_sales_csv

    errors = Console(stderr=True)
    try:
        config = ForecastConfig(loss=loss, country=country.upper())  # type: ignore[arg-type]
    except ValueError as error:
        errors.print(f"error: {error}", markup=False, highlight=False)
        return 2
    try:
        panel, bad_rows = read_sales_csv(path)
        for line_no, reason in bad_rows[:BAD_ROWS_SHOWN]:
            errors.print(f"line {line_no}: {reason}", markup=False, highlight=False)
        if len(bad_rows) > BAD_ROWS_SHOWN:
            errors.print(f"… and {len(bad_rows) - BAD_ROWS_SHOWN} more bad rows")
        if bad_rows:
            errors.print(f"{len(bad_rows)} bad row(s) skipped", markup=False)
        if not panel.units.any():
            raise ForecastError(f"{path}: no series has any sale")
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=errors, transient=as_json) as bar:
            task = bar.add_task("backtest", total=1.0)

            def progress(what: str, done: float) -> None:
                bar.update(task, completed=done, description=what)

            result = backtest(panel, horizon=horizon, origins=origins, config=config,
                              progress=progress)
    except ForecastError as error:
        errors.print(f"error: {error}", markup=False, highlight=False)
        return 1
    contract = {**result.to_contract(), "bad_rows": len(bad_rows), "days": panel.n_days}
    if as_json:
        sys.stdout.write(dumps(contract) + "\n")
        return 0
    model, naive = contract["model"], contract["seasonal_naive"]
    out = Console(highlight=False)
    out.print(f"{contract['series']} series, {panel.n_days} days, horizon {horizon}, "
              f"origins {', '.join(result.origins)} ({contract['seconds']} s)")
    out.print(f"  model           WAPE {model['wape']}  MASE {model['mase']}")
    out.print(f"  seasonal naive  WAPE {naive['wape']}  MASE {naive['mase']}")
    return 0
