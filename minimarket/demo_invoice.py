"""A supplier invoice for the demo PC: a photo to import and a clip its "camera" plays.

The demo has no webcam to hold an invoice under, so it writes a Factura A of a few demo
products (their EANs printed on the lines, so they match) as a photo and as a recorded
clip, and chooses the clip as the demo PC's camera. Recepción → Cámara then captures it
just as it would a real webcam's picture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.ocr.synthetic import TruthLine

CLIP_NAME = "camara-demo.avi"
PHOTO_NAME = "factura-demo.jpg"
SUPPLIER = ("30712345671", "Distribuidora Sur S.A.")
#: (index in central.demo.DEMO_PRODUCTS, quantity) of the lines on the demo invoice
LINES = ((0, 12), (1, 20), (4, 6), (13, 12), (20, 10))


@dataclass(frozen=True)
class DemoInvoice:
    clip: Path
    photo: Path


def write_demo_invoice(folder: Path, *, seed: int = 2026) -> DemoInvoice:
    """Write the demo invoice's photo and clip into ``folder`` (kept when already there)."""
    clip, photo = folder / CLIP_NAME, folder / PHOTO_NAME
    if clip.exists() and photo.exists():
        return DemoInvoice(clip, photo)
    import cv2
    import numpy as np

    from shared.ocr.synthetic import RESPONSABLE_INSCRIPTO, InvoiceTruth, Party, line_totals
    from shared.ocr.synthetic_pages import render_invoice
    from shared.ocr.synthetic_photo import degrade, write_capture_video

    rng = np.random.default_rng(seed)
    lines = _lines()
    net, vat, total, by_rate = line_totals(lines, "A")
    today = dt.date.today()
    truth = InvoiceTruth(
        supplier_cuit=SUPPLIER[0], supplier_name=SUPPLIER[1], letter="A", afip_code=1,
        point_of_sale=3, number=1234, date=today, cae="76123456789012",
        cae_due=today + dt.timedelta(days=10), lines=tuple(lines), net=net, vat=vat,
        total=total, qr_readable=True, supplier_address="Av. Belgrano 1234, CABA",
        vat_by_rate=by_rate, receiver=Party(
            "Minimarket Demo S.R.L.", "30716549875", RESPONSABLE_INSCRIPTO,
            "Corrientes 1500, CABA"))
    page = render_invoice(truth, rng)
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(photo), degrade(page, "clean", rng), [cv2.IMWRITE_JPEG_QUALITY, 90])
    write_capture_video(clip, page, rng)
    return DemoInvoice(clip, photo)


def _lines() -> list[TruthLine]:
    from central.demo import DEMO_PRODUCTS, demo_ean
    from shared.ocr.synthetic import TruthLine

    lines = []
    for index, quantity in LINES:
        name, _category, _unit, _price, cost, _minimum = DEMO_PRODUCTS[index]
        unit_price = Decimal(cost)
        lines.append(TruthLine(
            code=f"DS-{index + 1:03d}", description=name, quantity=Decimal(quantity),
            unit_price=unit_price, amount=unit_price * quantity, vat_rate=Decimal(21),
            ean=demo_ean(index + 1)))
    return lines
