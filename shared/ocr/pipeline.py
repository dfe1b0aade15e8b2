"""One pure pipeline from a photo (or the pages of a PDF) to a structured invoice.

Steps per page: ``prepare_page`` (find, flatten, level, even out the sheet), the
barcodes (AFIP QR or old CAE barcode, read on the original photo, on the straightened
page and on any close-up of the QR) in a thread beside Tesseract, the words laid out
into the header, the item table (``table_text``) and the totals. Then the pages are
merged (header from page 1, lines from every page, totals and QR wherever they are) and
**reconciled**: the QR, being machine-made, wins over the text for the fields it carries
(with a warning when they disagree); the lines are checked against the net, net + VAT
against the total, the total against the QR. Each header field gets a confidence from
that agreement.

A field that cannot be read is None, never guessed. ``ok`` is False only when the image
cannot be processed at all, and nothing here raises: the CLI, the desktop and HQ's
upload endpoint all get an ``InvoiceReading`` back.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shared.domain.enums import AFIP_DOCUMENT_TYPES
from shared.domain.errors import ValidationError
from shared.ocr.fields import HeaderFields, fill_missing, read_header
from shared.ocr.figure_reader import read_box, reread_rows
from shared.ocr.letter_box import read_letter
from shared.ocr.lines import group_rows
from shared.ocr.model import HEADER_FIELDS, AfipQr, Box, Code, InvoiceReading, ReadLine, Word
from shared.ocr.numbering import MAX_DAYS_BEFORE_CAE_DUE
from shared.ocr.numbers_ar import DATE_PATTERN, date_of
from shared.ocr.table_text import read_around_table, read_text
from shared.ocr.tesseract import (
    DEFAULT_TIMEOUT,
    OcrEngineError,
    even_shading,
    remove_rules,
)

if TYPE_CHECKING:
    from shared.ocr.document import PreparedPage

log = logging.getLogger(__name__)

#: Two amounts within this many pesos are the same figure (per-rate rounding).
TOLERANCE = Decimal("0.05")
#: Highest confidence the printed text alone can earn; agreement with the QR gives 1.
TEXT_ONLY_CAP = 0.85


@dataclass(slots=True)
class PageRead:
    """What one page gave: its header and totals, its lines, its barcodes."""

    header: HeaderFields
    lines: list[ReadLine]
    codes: list[Code] = field(default_factory=list)
    undecoded_qr: list[Box] = field(default_factory=list)
    #: Where a copy of the page may not differ from it: its item table and its
    #: header's figures (prepared-page pixels).
    keep_clear: list[Box] = field(default_factory=list)


def read_invoice(
    image: np.ndarray, *, use_qr: bool = True, file: str | None = None,
    closeups: Sequence[np.ndarray] = (), time_limit: float | None = None,
) -> InvoiceReading:
    """Read one photo of an invoice; ``closeups`` are extra photos of just its QR."""
    return read_pages([image], use_qr=use_qr, file=file, closeups=closeups,
                      time_limit=time_limit)


def read_pages(
    pages: Sequence[np.ndarray], *, use_qr: bool = True, file: str | None = None,
    closeups: Sequence[np.ndarray] = (), time_limit: float | None = None,
) -> InvoiceReading:
    """Read a document of one or more pages (a PDF: totals often sit on the last one)."""
    started = time.perf_counter()
    timeout = time_limit if time_limit is not None else DEFAULT_TIMEOUT
    try:
        if not pages:
            raise ValidationError("the document has no pages")
        reads, copies = _read_all(pages, use_qr=use_qr, timeout=timeout)
        closeup_codes: list[Code] = []
        if use_qr:
            from shared.ocr.codes import scan_codes

            for closeup in closeups:
                closeup_codes.extend(scan_codes(_checked_image(closeup)).codes)
        reading = merge_pages(reads, closeup_codes, use_qr=use_qr)
        reading.warnings.extend(copies)
    except (ValidationError, OcrEngineError) as error:
        return InvoiceReading.failed(file, str(error), time.perf_counter() - started)
    except Exception as error:  # never let one bad photo crash the caller
        log.exception("OCR pipeline failed")
        return InvoiceReading.failed(file, f"could not process the image: {error}",
                                     time.perf_counter() - started)
    reading.file = file
    reading.seconds = time.perf_counter() - started
    return reading


def read_path(path: str | Path, *, use_qr: bool = True) -> InvoiceReading:
    """Read an image or PDF file; a missing or unreadable file gives ``ok=False``."""
    started = time.perf_counter()
    name = str(path)
    try:
        pages = _load_pages(Path(path))
    except (ValidationError, OSError) as error:
        return InvoiceReading.failed(name, str(error), time.perf_counter() - started)
    except Exception as error:
        log.exception("could not load %s", name)
        return InvoiceReading.failed(name, f"could not open the file: {error}",
                                     time.perf_counter() - started)
    reading = read_pages(pages, use_qr=use_qr, file=name)
    reading.seconds = time.perf_counter() - started
    return reading


def _load_pages(path: Path) -> list[np.ndarray]:
    from shared.ocr.sources import load_pages

    return load_pages(path)


def _checked_image(image: object) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.size == 0:
        raise ValidationError("the image is empty or not a picture")
    return image


# --- one page ---------------------------------------------------------------------------


def _read_all(pages: Sequence[np.ndarray], *, use_qr: bool, timeout: float
              ) -> tuple[list[PageRead], list[str]]:
    """Each page's reading, and a warning for each page that is a copy of an earlier one
    (ORIGINAL, DUPLICADO…): a copy printed from the same file is not read at all, a
    photographed copy's lines are dropped, so that its goods are counted once."""
    from shared.ocr.copies import (
        better_read,
        repeated_lines,
        same_document,
        same_invoice,
        same_print,
    )
    from shared.ocr.document import prepare_page

    seen: list[tuple[int, np.ndarray, PageRead]] = []  # page number, page, reading
    copies: list[str] = []
    for number, image in enumerate(pages, start=1):
        page = prepare_page(_checked_image(image))
        original = next((earlier_number for earlier_number, gray, read in seen
                         if same_print(page.gray, gray, read.keep_clear)), None)
        if original is not None:
            copies.append(f"page {number} is a copy of page {original}: read once")
            continue
        read = _read_page(image, page, use_qr=use_qr, timeout=timeout)
        for earlier_number, _, earlier in seen:
            pairs = repeated_lines(read.lines, earlier.lines,
                                   same_invoice=same_invoice(read.header, earlier.header)) \
                if same_document(read.header, earlier.header) else None
            if pairs is not None:
                # a second reading of the same lines: keep the better read of each
                for mine, theirs in pairs:
                    earlier.lines[theirs] = better_read(read.lines[mine], earlier.lines[theirs])
                copies.append(f"page {number} is a copy of page {earlier_number}: "
                              "its lines are counted once")
                read.lines = []
                break
        seen.append((number, page.gray, read))
    return [read for _, _, read in seen], copies


def _read_page(image: np.ndarray, page: PreparedPage, *, use_qr: bool,
               timeout: float) -> PageRead:
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan: Future[tuple[list[Code], list[Box]]] | None = (
            pool.submit(_scan_page, image, page.color) if use_qr else None)
        gray = remove_rules(even_shading(page.gray))
        rows, lines, table = read_text(gray, timeout=timeout)
        codes, undecoded = scan.result() if scan is not None else ([], [])
    height, width = gray.shape[:2]
    table_top = table.header.box.top if table is not None else None
    table_bottom = table.bottom if table is not None else None
    amounts = [line.amount for line in lines]

    def header_of(page_rows: Sequence[Sequence[Word]]) -> HeaderFields:
        return read_header(page_rows, page_width=width, page_height=height,
                           table_top=table_top, table_bottom=table_bottom,
                           line_amounts=amounts)

    header = header_of([row.words for row in rows])
    if _missing(header):
        # Soft print: read the paper around the table once more, sharpened, and take
        # from that reading only the fields the first one could not.
        again = read_around_table(gray, table_top, table_bottom, timeout=timeout)
        if again is not None:
            kept = [w for row in rows for w in row.words if again.covers(w)]
            fill_missing(header, header_of([r.words for r in group_rows(kept + again.words)]))
    if _missing(header):
        # Figures too small and soft for Tesseract: read its figure-like words again with
        # the figure model; what it reads passes the same checks, and fills only gaps.
        # The letter box's big letter, when the page reading dropped it, is read alone.
        reread = reread_rows(gray, [row.words for row in rows])
        letter = read_letter(gray, reread, timeout=timeout) if header.letter is None else None
        if letter is not None:
            reread = [r.words for r in group_rows([w for row in reread for w in row] + [letter])]
        fill_missing(header, header_of(reread))
    _check_figures(gray, header)
    keep_clear = [box for name, box in header.boxes.items() if name in HEADER_FIELDS]
    keep_clear.append(Box(0, table_top, width, table_bottom - table_top)
                      if table_top is not None and table_bottom is not None
                      else Box(0, 0, width, height))  # no table found: the whole page
    return PageRead(header, lines, codes, undecoded, keep_clear)


def _check_figures(gray: np.ndarray, header: HeaderFields) -> None:
    """The CAE and the issue date have no check digit: their figures are read once more
    by the figure model, which misreads soft digits far less often than Tesseract; where
    the two readings differ, the model's is taken when it is a whole CAE / a real date
    of the same year that fits the CAE's due date (as the first reading had to)."""
    box = header.boxes.get("cae")
    if header.cae is not None and box is not None:
        second = read_box(gray, box)
        if second is not None and second != header.cae and re.fullmatch(r"[0-9]{14}", second):
            log.info("CAE read as %s and by the figure model as %s: took the model's",
                     header.cae, second)
            header.cae = second
    box = header.boxes.get("date")
    if header.date is not None and box is not None:
        second = read_box(gray, box)
        match = DATE_PATTERN.fullmatch(second) if second is not None else None
        found = date_of(match) if match is not None else None
        due = header.cae_due
        if found is not None and found != header.date and found.year == header.date.year \
                and (due is None or 0 <= (due - found).days <= MAX_DAYS_BEFORE_CAE_DUE):
            log.info("date read as %s and by the figure model as %s: took the model's",
                     header.date, found)
            header.date = found


#: Header fields worth a second, sharpened reading of the page when they are missing.
_SECOND_READING = ("supplier_cuit", "afip_code", "number", "date", "cae", "total")


def _missing(header: HeaderFields) -> bool:
    return any(getattr(header, name) is None for name in _SECOND_READING)


def _scan_page(photo: np.ndarray, straightened: np.ndarray) -> tuple[list[Code], list[Box]]:
    """Barcodes of the original photo, then (if no AFIP code yet) of the straight page."""
    from shared.ocr.afip_qr import best_afip
    from shared.ocr.codes import scan_codes

    first = scan_codes(photo)
    found = best_afip(first.codes)
    if found is not None and not found.problems:
        return first.codes, []
    second = scan_codes(straightened)
    codes = [*first.codes, *second.codes]
    undecoded = second.undecoded_qr if best_afip(codes) is None else []
    return codes, undecoded


# --- merging and reconciling ------------------------------------------------------------------


def merge_pages(reads: Sequence[PageRead], closeup_codes: Sequence[Code] = (), *,
                use_qr: bool = True) -> InvoiceReading:
    """One reading from the pages: header from page 1 (later pages fill its gaps),
    lines from every page, totals from the last page that prints them."""
    first = reads[0].header
    header = replace(first, boxes=dict(first.boxes), word_confidence=dict(first.word_confidence),
                     problems=list(first.problems))
    for later in reads[1:]:
        for name in ("supplier_cuit", "supplier_name", "letter", "afip_code", "point_of_sale",
                     "number", "date", "cae", "currency", "receiver_cuit"):
            if getattr(header, name) is None and getattr(later.header, name) is not None:
                setattr(header, name, getattr(later.header, name))
    with_totals = [r.header for r in reads if r.header.total is not None]
    if with_totals:
        last = with_totals[-1]
        header.total, header.net, header.vat = last.total, last.net, last.vat
        header.subtotal, header.other_taxes = last.subtotal, last.other_taxes
        header.word_confidence["total"] = last.word_confidence.get("total", 0.0)
        if reads[0].header is not last:
            header.boxes.pop("total", None)  # a box on another page means nothing here
    reading = InvoiceReading(lines=[line for r in reads for line in r.lines])
    qr: AfipQr | None = None
    if use_qr:
        from shared.ocr.afip_qr import best_afip

        codes = [code for r in reads for code in r.codes] + list(closeup_codes)
        qr = best_afip(codes)
        reading.needs_qr_closeup = qr is None and any(r.undecoded_qr for r in reads)
    reconcile_reading(reading, header, qr)
    return reading


def reconcile_reading(reading: InvoiceReading, text: HeaderFields, qr: AfipQr | None) -> None:
    """Fill ``reading`` from the text and the QR, with confidences and warnings."""
    reading.qr = qr
    reading.highlights = {k: v for k, v in text.boxes.items() if k in HEADER_FIELDS}
    reading.supplier_name = text.supplier_name
    _set_header(reading, text, qr)
    _set_totals(reading, text)
    _check_arithmetic(reading, text, qr)
    if qr is not None and qr.problems:
        reading.warnings.append("AFIP QR: " + "; ".join(qr.problems))
    reading.warnings.extend(text.problems)
    if reading.afip_code in (3, 8, 13, 53):
        reading.warnings.append("this document is a credit note: it returns goods to the supplier")


def _set_header(reading: InvoiceReading, text: HeaderFields, qr: AfipQr | None) -> None:
    conf = text.word_confidence
    pairs: dict[str, tuple[object, object]] = {
        "cuit": (text.supplier_cuit, qr.cuit if qr else None),
        "type": (text.afip_code, qr.afip_code if qr else None),
        "point_of_sale": (text.point_of_sale, qr.point_of_sale if qr else None),
        "number": (text.number, qr.number if qr else None),
        "date": (text.date, qr.date if qr else None),
        "cae": (text.cae, qr.cae if qr else None),
    }
    chosen: dict[str, object] = {}
    for name, (from_text, from_qr) in pairs.items():
        if from_qr is not None:
            reading.used_qr = True
            chosen[name] = from_qr
            if from_text is None:
                reading.confidence[name] = 0.9
            elif from_text == from_qr:
                reading.confidence[name] = 1.0
            else:
                reading.confidence[name] = 0.8
                reading.warnings.append(
                    f"{name.replace('_', ' ')}: the QR says {from_qr}, the text says {from_text}; "
                    "using the QR")
        else:
            chosen[name] = from_text
            reading.confidence[name] = _text_confidence(name, from_text, conf.get(name, 0.5),
                                                        text)
    cuit = chosen["cuit"]
    if qr is not None and qr.receiver_cuit and cuit == qr.receiver_cuit:
        # The text's only CUIT was the store's own: never report it as the supplier.
        reading.warnings.append("the CUIT read is the receiver's, not the supplier's")
        cuit, reading.confidence["cuit"] = None, 0.0
    reading.supplier_cuit = cuit if isinstance(cuit, str) else None
    code = chosen["type"]
    reading.afip_code = code if isinstance(code, int) else None
    if reading.afip_code in AFIP_DOCUMENT_TYPES:
        reading.letter = AFIP_DOCUMENT_TYPES[reading.afip_code][0]
    elif text.letter is not None and qr is None:
        reading.letter = text.letter  # the letter box alone: the kind of document unread
        reading.confidence["type"] = min(reading.confidence["type"], 0.3)
    pos, number = chosen["point_of_sale"], chosen["number"]
    reading.point_of_sale = pos if isinstance(pos, int) else None
    reading.number = number if isinstance(number, int) else None
    reading.date = chosen["date"]  # type: ignore[assignment]
    cae = chosen["cae"]
    reading.cae = cae if isinstance(cae, str) else None
    reading.currency = (qr.currency if qr and qr.currency else None) or text.currency


def _text_confidence(name: str, value: object, word_confidence: float,
                     text: HeaderFields) -> float:
    if value is None:
        return 0.0
    score = 0.45 + 0.35 * max(0.0, min(1.0, word_confidence))
    if name == "cuit":
        score += 0.1 if text.cuit_labeled else -0.15
    if name == "type" and text.letter is not None:
        score += 0.05
    return round(min(TEXT_ONLY_CAP, score), 2)


def _set_totals(reading: InvoiceReading, text: HeaderFields) -> None:
    reading.total, reading.vat, reading.net = text.total, text.vat, text.net
    letter = reading.letter or text.letter
    if letter in ("A", "M") and reading.net is None:
        reading.net = text.subtotal
    elif letter == "C":
        # A C discriminates no VAT: what it prints is the net.
        reading.vat = Decimal("0.00") if reading.vat is None else reading.vat
        reading.net = reading.net if reading.net is not None else reading.total
    elif letter == "B" and reading.net is None and reading.total is not None and \
            reading.vat is not None:
        reading.net = reading.total - reading.vat  # the VAT the prices contain, taken out
    if reading.total is None and reading.net is not None and reading.vat is not None and \
            letter in ("A", "M") and text.other_taxes is None:
        reading.warnings.append("the total was not read")


def _check_arithmetic(reading: InvoiceReading, text: HeaderFields, qr: AfipQr | None) -> None:
    total_score = _text_confidence("total", reading.total, text.word_confidence.get("total", 0.5),
                                   text)
    agreements = 0
    if qr is not None and qr.total is not None:
        if reading.total is None:
            reading.total, total_score = qr.total, 0.9
            reading.used_qr = True
        elif _same(reading.total, qr.total):
            agreements += 2
        else:
            reading.warnings.append(
                f"total: the QR says {qr.total}, the text says {reading.total}; using the QR")
            reading.total, total_score = qr.total, 0.8
            reading.used_qr = True
    if reading.net is not None and reading.vat is not None and reading.total is not None:
        others = text.other_taxes or Decimal(0)
        if _same(reading.net + reading.vat + others, reading.total):
            agreements += 1
        else:
            reading.warnings.append(
                f"net {reading.net} + VAT {reading.vat} does not add up to the total "
                f"{reading.total}")
    amounts = [line.amount for line in reading.lines]
    if reading.lines and all(a is not None for a in amounts):
        lines_sum = sum((a for a in amounts if a is not None), Decimal(0))
        letter = reading.letter or text.letter
        target = reading.net if letter in ("A", "M") else reading.total
        if target is not None:
            if _same(lines_sum, target):
                agreements += 1
            else:
                reading.warnings.append(
                    f"the lines add up to {lines_sum}, the invoice says {target}")
    elif reading.lines:
        unread = sum(1 for a in amounts if a is None)
        reading.warnings.append(f"{unread} of {len(reading.lines)} line amounts were not read")
    if agreements >= 2:
        total_score = 1.0
    elif agreements == 1:
        total_score = max(total_score, 0.9)
    reading.confidence["total"] = round(total_score, 2) if reading.total is not None else 0.0


def _same(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= TOLERANCE
