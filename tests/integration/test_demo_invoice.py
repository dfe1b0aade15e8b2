"""The demo PC's invoice: a photo and a camera clip the pipeline reads into demo products."""

from __future__ import annotations

from pathlib import Path

import cv2

from central.demo import DEMO_PRODUCTS
from minimarket.demo_invoice import LINES, SUPPLIER, write_demo_invoice
from shared.ocr.pipeline import read_path


def test_the_demo_invoice_is_read_into_the_demo_products(tmp_path: Path) -> None:
    invoice = write_demo_invoice(tmp_path / "factura")

    clip = cv2.VideoCapture(str(invoice.clip))
    try:
        assert clip.isOpened() and clip.get(cv2.CAP_PROP_FRAME_COUNT) >= 20
    finally:
        clip.release()
    reading = read_path(invoice.photo)
    assert reading.ok, reading.error
    assert (reading.supplier_cuit, reading.afip_code, reading.point_of_sale, reading.number) == (
        SUPPLIER[0], 1, 3, 1234)
    assert [line.quantity for line in reading.lines] == [quantity for _, quantity in LINES]
    assert [line.amount for line in reading.lines] == [
        DEMO_PRODUCTS[index][4] * quantity for index, quantity in LINES]
    # written again, the files are kept (the demo PC's camera keeps pointing at the clip)
    stamp = invoice.clip.stat().st_mtime_ns
    assert write_demo_invoice(tmp_path / "factura").clip.stat().st_mtime_ns == stamp
