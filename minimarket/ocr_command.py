"""``minimarket ocr IMAGE... [--json] [--no-qr]``: read supplier invoices from files.

One result per file, in the order given: with ``--json`` one ``ocr --json`` object per
line on stdout (CONTRACTS.md), otherwise a short readable summary. Progress goes to
stderr. A file that cannot be read gives ``ok: false`` with the reason on its line and
makes the exit code non-zero; the other files are still read.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from shared.domain.jsonout import dumps
from shared.ocr.model import InvoiceReading


def run_ocr(paths: Sequence[Path], *, as_json: bool, use_qr: bool) -> int:
    """Read every file and print its result; the exit code is 1 if any file failed."""
    from shared.ocr.pipeline import read_path

    errors = Console(stderr=True)
    out = Console(highlight=False, soft_wrap=True)
    failed = 0
    for index, path in enumerate(paths, start=1):
        errors.print(f"[dim]({index}/{len(paths)}) reading {path}…[/dim]")
        reading = read_path(path, use_qr=use_qr)
        reading.file = str(path)
        if not reading.ok:
            failed += 1
        if as_json:
            sys.stdout.write(dumps(reading.to_contract()) + "\n")
            sys.stdout.flush()
        else:
            _summary(out, reading)
    if failed:
        errors.print(f"{failed} of {len(paths)} file(s) could not be read")
    return 1 if failed else 0


def _summary(out: Console, reading: InvoiceReading) -> None:
    if not reading.ok:
        out.print(f"[bold red]{reading.file}[/]: {reading.error}")
        return
    contract = reading.to_contract()
    invoice, supplier, totals = contract["invoice"], contract["supplier"], contract["totals"]
    number = (f"{invoice['point_of_sale']:05d}-{invoice['number']:08d}"
              if invoice["point_of_sale"] is not None and invoice["number"] is not None else "?")
    out.print(f"[bold]{reading.file}[/]  ({contract['seconds']} s, "
              f"confidence {contract['confidence']}, QR {'yes' if reading.used_qr else 'no'})")
    out.print(f"  {_or(invoice['type'])} (code {_or(invoice['afip_code'])}) {number}  "
              f"date {_or(invoice['date'])}  CAE {_or(invoice['cae'])}")
    out.print(f"  supplier {_or(supplier['name'])}  CUIT {_or(supplier['cuit'])}")
    if reading.lines:
        table = Table("code", "description", "qty", "unit price", "amount", box=None)
        for line in contract["lines"]:
            table.add_row(*(_or(line[key]) for key in
                            ("code", "description", "quantity", "unit_price", "amount")))
        out.print(table)
    out.print(f"  net {_or(totals['net'])}  VAT {_or(totals['vat'])}  "
              f"total {_or(totals['total'])}")
    if reading.needs_qr_closeup:
        out.print("  [yellow]a QR is printed but too small to read: take a close-up of it[/]")
    for warning in reading.warnings:
        out.print(f"  [yellow]! {warning}[/]")


def _or(value: object) -> str:
    return "?" if value is None else str(value)
