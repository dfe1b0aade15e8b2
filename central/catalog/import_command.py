"""The ``import-products`` command: file handling, progress and the report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from central.catalog.importer import ImportReport, import_products
from central.catalog.products_csv import CsvFormatError, parse_mapping, read_products
from central.runtime import open_central
from shared.domain.numbers import DecimalMode
from shared.settings import business_day

MAX_ERRORS_SHOWN = 200


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def run_import(path: Path, *, decimal: DecimalMode, mapping: list[str], db: str | None) -> int:
    """Import ``path``; print the report on stderr; return the number of bad rows."""
    console = Console(stderr=True, soft_wrap=True)
    if not path.is_file():
        raise CsvFormatError(f"no such file: {path}")
    fields = parse_mapping(mapping)
    central = open_central(db)
    total = _count_lines(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = read_products(handle, mapping=fields, decimal=decimal)
            with Progress(
                TextColumn("Importando productos"), BarColumn(), MofNCompleteColumn(),
                TimeRemainingColumn(), console=console, transient=True,
            ) as progress, central.transaction() as (session, recorder):
                task = progress.add_task("import", total=total)
                report = import_products(
                    session, recorder, rows, today=business_day(datetime.now(UTC)),
                    progress=lambda done: progress.advance(task, done),
                )
    except UnicodeDecodeError as error:
        raise CsvFormatError(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    _print_report(console, report)
    return len(report.errors)


def _print_report(console: Console, report: ImportReport) -> None:
    for error in sorted(report.errors, key=lambda e: e.line)[:MAX_ERRORS_SHOWN]:
        console.print(f"line {error.line}: {error.reason}", markup=False, highlight=False)
    if len(report.errors) > MAX_ERRORS_SHOWN:
        console.print(f"… and {len(report.errors) - MAX_ERRORS_SHOWN} more bad rows")
    summary = (
        f"{report.imported} rows imported ({report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged), {report.suppliers_created} suppliers created, "
        f"{len(report.errors)} bad rows"
    )
    console.print(summary, markup=False, highlight=False)
