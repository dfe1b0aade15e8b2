"""The work behind Recepción's capture pages, run on worker threads: read a camera
frame or a file with the OCR pipeline, review it against the store, confirm it.

The OCR stack (Tesseract, the pipeline) is imported on first use, not with the screen.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from desktop.app.intake import IntakeResult, SupplierRef, supplier_by_cuit
from desktop.app.invoice_capture import CaptureReview, confirm_capture, review_reading
from desktop.app.store import StoreData
from desktop.ui.screens.backoffice_widgets import in_session, quantity_text
from shared.domain.cuit import normalize_cuit
from shared.ocr.model import InvoiceReading

if TYPE_CHECKING:
    from desktop.ui.screens.intake_review import ReviewHeader

JPEG_QUALITY = 90


@dataclass
class Capture:
    """One photo (or file) read: the review, the page to show, the photo to keep."""

    reading: InvoiceReading
    review: CaptureReview | None  # None when nothing could be read
    page: np.ndarray | None  # the straightened page, for the review
    photo: bytes
    photo_name: str
    frame: np.ndarray | None = None  # a camera capture, kept to merge a QR close-up
    closeups: list[np.ndarray] = field(default_factory=list)


def _page_of(reading: InvoiceReading, image: np.ndarray) -> np.ndarray | None:
    page = getattr(reading, "page", None)
    if isinstance(page, np.ndarray):
        return page
    from shared.ocr.document import UnreadableImage, prepare_page

    try:
        return prepare_page(image).color
    except UnreadableImage:
        return image


def _reviewed(store: StoreData, reading: InvoiceReading) -> CaptureReview | None:
    if not reading.ok:
        return None
    return in_session(store, lambda session, _store_id: review_reading(session, reading))


def read_frame(store: StoreData, frame: np.ndarray, closeups: Sequence[np.ndarray] = (),
               name: str = "factura.jpg") -> Capture:
    """Worker: OCR a camera capture (with its QR close-ups) and review it."""
    from shared.ocr.pipeline import read_invoice

    reading = read_invoice(frame, file=name, closeups=tuple(closeups))
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    photo = encoded.tobytes() if ok else b""
    return Capture(reading, _reviewed(store, reading), _page_of(reading, frame), photo, name,
                   frame, list(closeups))


def read_file(store: StoreData, path: str | Path) -> Capture:
    """Worker: OCR a photo or PDF the supplier sent; raises UnreadableImage (Spanish by
    :func:`desktop.ui.messages.message_for`) for a file that holds no image."""
    from shared.ocr.pipeline import read_invoice, read_pages
    from shared.ocr.sources import load_pages

    file = Path(path)
    pages = load_pages(file)
    reading = read_invoice(pages[0], file=file.name) if len(pages) == 1 else read_pages(
        pages, file=file.name)
    return Capture(reading, _reviewed(store, reading), _page_of(reading, pages[0]),
                   file.read_bytes(), file.name)


def confirm_reviewed(store: StoreData, review: CaptureReview, header: ReviewHeader,
                     photo: bytes, photo_name: str, user_id: uuid.UUID | None) -> IntakeResult:
    """Worker: the header as typed onto the draft, then confirm (one transaction)."""
    draft = review.draft
    if header.cuit:
        cuit = normalize_cuit(header.cuit)
        current = draft.supplier
        if current is None or current.cuit != cuit:
            current = in_session(store, lambda s, _id: supplier_by_cuit(s, cuit)) or \
                SupplierRef.new_provisional(cuit, header.name)
        if current.supplier_id is None and header.name:
            current = SupplierRef.new_provisional(cuit, header.name)
        draft.supplier = current
    else:
        draft.supplier = None
    draft.letter, draft.kind = header.letter, header.kind
    draft.point_of_sale, draft.number = header.point_of_sale, header.number
    draft.issued_on = header.issued_on
    review.reading.cae = header.cae or None
    return confirm_capture(store, review, photo, photo_name, user_id=user_id)


def result_text(result: IntakeResult, supplier: str) -> str:
    """The banner after a confirmation, as Recepción manual words it."""
    levels = ", ".join(f"{line.name}: {quantity_text(line.level)}" for line in result.lines[:4])
    more = "…" if len(result.lines) > 4 else ""
    created = " (proveedor provisorio nuevo)" if result.supplier_created else ""
    return (f"Recepción registrada: {result.label} de {supplier}{created}. "
            f"Stock ahora: {levels}{more}. La foto quedó guardada con el comprobante.")
