"""A supplier invoice for the back-office test store (``backoffice_store``), drawn as a page.

Distribuidora Sur SA (the folder's known supplier) bills a Factura A with four lines:
three of the store's products, each with its EAN printed (so they match whatever the
description reads like), and one the store does not carry (it stays "Sin asignar").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np

from shared.ocr.synthetic import InvoiceTruth, TruthLine, _totals, random_truth, render_invoice
from tests.ui.backoffice_store import AZUCAR_EAN, FIDEOS_EAN, KNOWN_CUIT, KNOWN_SUPPLIER

CENT = Decimal("0.01")
UNKNOWN_LINE = 3  # the line no product matches


def _line(code: str, description: str, quantity: int, price: str, ean: str | None,
          rate: str = "21") -> TruthLine:
    unit = Decimal(price)
    return TruthLine(code, description, Decimal(quantity), unit,
                     (unit * quantity).quantize(CENT), Decimal(rate), ean)


LINES = (
    _line("10021", "Azúcar Ledesma 1 kg", 10, "1120.00", AZUCAR_EAN, "10.5"),
    _line("10022", "Fideos tallarín Marolio 500 g", 24, "640.50", FIDEOS_EAN),
    _line("10023", "Yerba Mate Playadito 1 kg", 6, "3410.00", None),
    _line("10024", "Alfajor Jorgito triple x 6", 12, "915.00", None),
)


def store_invoice(number: int = 48_301, seed: int = 7) -> InvoiceTruth:
    rng = np.random.default_rng(seed)
    base = random_truth(rng)
    lines = list(LINES)
    net, vat, total, by_rate = _totals(lines, "A")
    return replace(base, supplier_cuit=KNOWN_CUIT, supplier_name=KNOWN_SUPPLIER, letter="A",
                   afip_code=1, point_of_sale=4, number=number, date=date(2026, 3, 12),
                   lines=tuple(lines), net=net, vat=vat, total=total, vat_by_rate=by_rate,
                   qr_readable=True, qr_printed=True, associated=None)


def store_page(truth: InvoiceTruth, seed: int = 7) -> np.ndarray:
    return render_invoice(truth, np.random.default_rng([seed, 1]))
