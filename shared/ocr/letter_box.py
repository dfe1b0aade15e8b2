"""The big letter (A, B, C, M) in its box beside the document's title, when Tesseract's
page reading left it out.

Reading a whole page, Tesseract sometimes drops a lone glyph three times the size of the
text around it. This finds it from the pixels (a compact blob of ink left of the title
word, much taller than the title's letters) and reads just that crop as one character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import cv2
import numpy as np

from shared.ocr.model import Box, Word
from shared.ocr.numbers_ar import fold
from shared.ocr.tesseract import DEFAULT_TIMEOUT, read_cells

_TITLE = re.compile(r"^(FACTURA|NOTA|RECIBO|TIQUE)")
#: The letter is this much taller than the title's capitals, at least and at most.
TALLER = (1.3, 5.0)


def find_letter(gray: np.ndarray, rows: Sequence[Sequence[Word]]
                ) -> tuple[Box, np.ndarray] | None:
    """The box of a big letter left of (or just above) the title word, and the letter
    alone on white paper (its box and the small print around it left out); None if none."""
    title = next((w for row in rows for w in row
                  if _TITLE.match(fold(w.text)) and w.box.top < gray.shape[0] * 0.3), None)
    if title is None:
        return None
    size = title.box.height
    top = max(0, title.box.top - 3 * size)
    bottom = min(gray.shape[0], title.box.bottom + 3 * size)
    left = max(0, title.box.left - 10 * size)
    region = gray[top:bottom, left:title.box.left]
    if region.size == 0:
        return None
    _, ink = cv2.threshold(region, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    best: tuple[Box, np.ndarray] | None = None
    for label, (x, y, w, h, area) in enumerate(stats[1:count], start=1):
        if not TALLER[0] * size <= h <= TALLER[1] * size or not 0.45 <= w / h <= 1.4:
            continue
        if area < 0.12 * w * h or area > 0.75 * w * h:
            continue  # a filled square, not a letter's strokes
        blob = labels[y:y + h, x:x + w] == label
        if min(blob[0].mean(), blob[:, 0].mean(), blob[-1].mean(), blob[:, -1].mean()) > 0.8:
            continue  # the box drawn around the letter
        if x == 0 or y == 0 or x + w >= region.shape[1] or y + h >= region.shape[0]:
            continue  # cut by the region's edge: not whole
        box = Box(left + int(x), top + int(y), int(w), int(h))
        if best is None or box.right > best[0].right:  # the one nearest the title
            mask = cv2.dilate(blob.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
            alone = np.where(mask, region[y:y + h, x:x + w], 255).astype(np.uint8)
            best = box, cv2.copyMakeBorder(alone, h // 2, h // 2, h // 2, h // 2,
                                           cv2.BORDER_CONSTANT, value=255)
    return best


def read_letter(gray: np.ndarray, rows: Sequence[Sequence[Word]], *,
                timeout: float = DEFAULT_TIMEOUT) -> Word | None:
    """The letter box's letter as a word (for the header reader), None when not found."""
    found = find_letter(gray, rows)
    if found is None:
        return None
    box, alone = found
    (words,) = read_cells(alone, [Box(0, 0, alone.shape[1], alone.shape[0])],
                          whitelist="ABCM", timeout=timeout)
    letters = [w for w in words if fold(w.text).strip() in ("A", "B", "C", "M")]
    if len(letters) != 1:
        return None
    return Word(fold(letters[0].text).strip(), box, letters[0].confidence)
