"""Copies of a page in one document: ORIGINAL, DUPLICADO, TRIPLICADO.

Billing programs often put every copy of an invoice in the PDF they e-mail, one per
page, alike but for the copy's name. Their lines must be counted once: a copy read as a
continuation page would take the goods into stock two or three times.

Two checks, pure functions of pixels and readings:

* ``same_print``: a page rendered from the same file as an earlier one (an e-mailed
  PDF) differs from it only in a few words outside the item table and the header's
  figures; it need not be read at all.
* ``repeated_lines``: a page read in full (a photo of each copy) whose item lines are
  the earlier page's again, on a page of the same document.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import cv2
import numpy as np
from rapidfuzz import fuzz

from shared.ocr.fields import HeaderFields
from shared.ocr.model import Box, ReadLine

#: Grey levels two renders of one pixel may differ by (anti-aliasing, JPEG).
PIXEL_TOLERANCE = 60
#: At most this share of the page may differ between copies (the copy's name, a page
#: counter): more is another page.
MAX_CHANGED_SHARE = 0.01
#: Quantity x unit price within this of the amount: the line agrees (rounding).
CENTS = Decimal("0.05")
#: Descriptions of one line read on two copies are at least this similar (0-100).
SAME_DESCRIPTION = 80
#: Share of a later page's lines that must repeat an earlier page's when both pages
#: print the same invoice number.
REPEATED_SHARE = 0.6


def changed_boxes(page: np.ndarray, earlier: np.ndarray) -> list[Box] | None:
    """Boxes around the print that differs between two gray pages of one size, None
    when the sizes differ or too much of the page differs for a copy."""
    if page.shape != earlier.shape:
        return None
    changed = (cv2.absdiff(page, earlier) > PIXEL_TOLERANCE).astype(np.uint8)
    if changed.mean() > MAX_CHANGED_SHARE:
        return None
    # a word's letters (and a line's words) make one box
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (25, 9))
    count, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(changed, kernel))
    return [Box(int(x), int(y), int(w), int(h)) for x, y, w, h, _ in stats[1:count]]


def same_print(page: np.ndarray, earlier: np.ndarray, keep_clear: Sequence[Box]) -> bool:
    """Whether ``page`` is ``earlier`` again, differing at most outside ``keep_clear``
    (the earlier page's item table and the header's figures as it read them)."""
    boxes = changed_boxes(page, earlier)
    if boxes is None:
        return False
    return not any(box.shared_area(clear) for box in boxes for clear in keep_clear)


def repeated_lines(later: Sequence[ReadLine], earlier: Sequence[ReadLine], *,
                   same_invoice: bool) -> list[tuple[int, int]] | None:
    """When ``later``'s item lines are ``earlier``'s again, which line repeats which
    (pairs of indices, one to one); None when they are not. Two lines are one when their
    descriptions are alike and their amounts equal (or one amount went unread). Every
    later line must repeat one, or most of them when both pages print the same invoice
    number (``same_invoice``): a photo's reading misses a line here and there."""
    if not later or len(later) > len(earlier):
        return None
    unused = set(range(len(earlier)))
    pairs: list[tuple[int, int]] = []
    for index, line in enumerate(later):
        match = next((other for other in sorted(unused)
                      if _same_line(line, earlier[other])), None)
        if match is not None:
            unused.discard(match)
            pairs.append((index, match))
    needed = REPEATED_SHARE * len(later) if same_invoice else len(later)
    return pairs if pairs and len(pairs) >= needed else None


def same_invoice(a: HeaderFields, b: HeaderFields) -> bool:
    """Both pages print the same invoice number (and no two different totals)."""
    return all(getattr(a, name) is not None and getattr(a, name) == getattr(b, name)
               for name in ("point_of_sale", "number")) and \
        (a.total is None or b.total is None or a.total == b.total)


def same_document(a: HeaderFields, b: HeaderFields) -> bool:
    """No figure read on both pages tells two documents apart."""
    return all(getattr(a, name) is None or getattr(b, name) is None
               or getattr(a, name) == getattr(b, name)
               for name in ("supplier_cuit", "afip_code", "point_of_sale", "number"))


def better_read(line: ReadLine, other: ReadLine) -> ReadLine:
    """Of two readings of one line, the one with more of its figures read and agreeing
    (the surer one when they are alike)."""
    mine, theirs = (_completeness(line), line.confidence), (_completeness(other), other.confidence)
    return line if mine > theirs else other


def _completeness(line: ReadLine) -> int:
    read = sum(value is not None and value > 0
               for value in (line.quantity, line.unit_price, line.amount))
    agrees = (line.quantity is not None and line.unit_price is not None
              and line.amount is not None
              and abs(line.quantity * line.unit_price - line.amount) <= CENTS)
    return read + 2 * agrees


def _same_line(line: ReadLine, other: ReadLine) -> bool:
    if line.amount is not None and other.amount is not None and line.amount != other.amount:
        return False
    if line.amount is None and other.amount is None:
        return False  # nothing but words to go by
    if not line.description or not other.description:
        return False
    return fuzz.partial_ratio(line.description.lower(),
                              other.description.lower()) >= SAME_DESCRIPTION
