"""A second reader for printed text that Tesseract turns into noise.

On a compact invoice photographed at about 130 dpi, 7 pt print is 8-10 px tall and
soft, and Tesseract reads the item table's header ``Cant. Código Producto P. Unitario``
as ``Cam. Coba Prodi P Umrarda``: no table is found, and every line of the delivery is
lost. ``text.onnx`` is a small CRNN trained on such crops of invoice text rendered in
the common free fonts and degraded like photos (``scripts/train_text_reader.py``; its
vocabulary is Tesseract's Spanish word list, made-up words, pack sizes, invoice labels
and figures, nothing of the photo generator's product list).

It reads a row of the page cell by cell: the row's ink is cut where the gap is wider
than a word space, each piece is read whole, and its words get boxes from where the
model emitted each character. The words then go through the same table finder,
parsers and arithmetic checks as Tesseract's: the model never decides a figure alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from shared.ocr.figure_reader import ink_box, ink_mask, open_session, padded_crop, run_crops
from shared.ocr.model import Box, Word

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("models") / "text.onnx"
#: The model's classes after the CTC blank (class 0), as trained.
ALPHABET = ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "áéíóúüñÁÉÍÓÚÜÑ.,-/$%:()°º#&+*'\" ")
MAX_WIDTH = 800
#: Input pixels per output frame (two 2x2 poolings).
FRAME = 4
#: Gaps in a row's ink wider than this many text heights separate cells (a word space
#: is about a third of a height; columns are set further apart).
CELL_GAP = 1.2
#: A word whose least sure character is below this is left out (a mark, not print).
MIN_CONFIDENCE = 0.1


@cache
def _session():
    return open_session(MODEL_PATH)


def available() -> bool:
    return MODEL_PATH.is_file()


def _ink(patch: np.ndarray) -> np.ndarray:
    """Print, light grey print included: at least 30 grey levels under the paper, or a
    third of the way to the darkest ink."""
    return ink_mask(patch, floor=30.0, share=0.33)


def _ink_columns(gray: np.ndarray, band: Box) -> np.ndarray:
    return _ink(gray[band.top:band.bottom, band.left:band.right]).sum(axis=0) >= 2


def text_lines(gray: np.ndarray, top: int, bottom: int) -> list[tuple[Box, float]]:
    """The printed lines between pixel rows ``top`` and ``bottom`` (the table's rules
    already wiped): runs of pixel rows with ink, split at blank rows, each as a band
    across the page and its height. Specks much shorter than the usual line are left
    out; an accent's gap does not split a line."""
    top, bottom = max(0, top), min(gray.shape[0], bottom)
    if bottom - top < 8:
        return []
    width = gray.shape[1]
    ink = np.zeros((bottom - top, width), bool)
    step = max(200, width // 4)  # the paper's level taken piece by piece
    for left in range(0, width, step):
        ink[:, left:left + step] = _ink(gray[top:bottom, left:left + step])
    inked = np.flatnonzero(ink.sum(axis=1) >= max(3, width // 400))
    if not len(inked):
        return []
    cuts = np.flatnonzero(np.diff(inked) > 1)
    runs = list(zip(np.concatenate(([inked[0]], inked[cuts + 1])),
                    np.concatenate((inked[cuts], [inked[-1]])) + 1, strict=True))
    usual = float(np.median([end - start for start, end in runs]))
    joined: list[list[int]] = []
    for start, end in runs:  # an accent or an i's dot floats just above its line
        if joined and start - joined[-1][1] <= max(1, 0.2 * usual) and \
                min(end - start, joined[-1][1] - joined[-1][0]) < 0.6 * usual:
            joined[-1][1] = int(end)
        else:
            joined.append([int(start), int(end)])
    usual = float(np.median([end - start for start, end in joined]))
    lines = []
    for start, end in joined:
        height = end - start
        if height < 0.45 * usual or height > 3 * usual:
            continue  # a speck, a dash, a logo
        pad = max(1, round(0.15 * height))
        # a header with a cell on two lines is one tall band, its print no larger
        lines.append((Box(0, top + start - pad, width, height + 2 * pad),
                      float(min(height, 1.3 * usual))))
    return lines


def _clipped(gray: np.ndarray, box: Box) -> Box:
    left, top = max(0, box.left), max(0, box.top)
    return Box(left, top, max(0, min(gray.shape[1], box.right) - left),
               max(0, min(gray.shape[0], box.bottom) - top))


def cells_of(gray: np.ndarray, band: Box, height: float) -> list[Box]:
    """The pieces of ink along ``band`` (one printed row), cut at gaps wider than
    ``CELL_GAP`` text heights, each narrowed to its ink; specks are left out."""
    band = _clipped(gray, band)
    if band.height < 4 or band.width < 4:
        return []
    inked = np.flatnonzero(_ink_columns(gray, band))
    if not len(inked):
        return []
    gap = max(3, round(CELL_GAP * height))
    cuts = np.flatnonzero(np.diff(inked) > gap)
    starts = np.concatenate(([inked[0]], inked[cuts + 1]))
    ends = np.concatenate((inked[cuts], [inked[-1]])) + 1
    cells = []
    for start, end in zip(starts, ends, strict=True):
        if end - start < 2:
            continue
        box = ink_box(gray, Box(band.left + int(start), band.top, int(end - start), band.height))
        # a lone narrow piece must stand as tall as a digit ("1"): a short one is a speck
        tall_enough = 0.35 if end - start >= 0.25 * height else 0.55
        if box is not None and box.height >= tall_enough * height:
            cells.extend(_split_wide(gray, box, height))
    return cells


def wipe_rules(gray: np.ndarray, top: int, bottom: int, height: float) -> None:
    """Paint over, in place, the vertical rules of a grid between pixel rows ``top`` and
    ``bottom``: lines often so light they are not ink, broken where the horizontal rules
    were wiped, but the model reads them as ``l`` or ``/``, joining a quantity to its
    code or a header's cells into one. A rule is a thin line (paper either side) that
    survives a vertical opening longer than any letter (two text heights), once the
    gaps the wiped horizontal rules left are bridged."""
    top, bottom = max(0, top), min(gray.shape[0], bottom)
    length = max(8, round(2 * height))
    if bottom - top <= length:
        return
    patch = gray[top:bottom]
    level = patch.astype(np.int16)
    side = max(4, round(0.25 * height))  # lighter this far either side: a line, not a stroke
    thin = np.zeros(patch.shape, bool)
    thin[:, side:-side] = (level[:, side:-side] < level[:, :-2 * side] - 20) & \
        (level[:, side:-side] < level[:, 2 * side:] - 20)
    bridged = cv2.morphologyEx(thin.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((9, 1), np.uint8))
    lines = cv2.morphologyEx(bridged, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    lines = cv2.dilate(lines, np.ones((1, 3), np.uint8)).astype(bool)
    patch[lines] = int(np.percentile(patch, 90))


def _split_wide(gray: np.ndarray, box: Box, height: float) -> list[Box]:
    """A cell wider than the model takes, cut at its widest inner gaps."""
    limit = MAX_WIDTH * box.height / 32 * 0.9
    if box.width <= limit:
        return [box]
    inked = _ink_columns(gray, box)
    blank = np.flatnonzero(~inked)
    middle = [x for x in blank if box.width * 0.25 < x < box.width * 0.75]
    if not middle:
        return [box]
    cut = int(middle[len(middle) // 2])
    left = Box(box.left, box.top, cut, box.height)
    right = Box(box.left + cut, box.top, box.width - cut, box.height)
    return _split_wide(gray, left, height) + _split_wide(gray, right, height)


def words_of(log_probs: np.ndarray, crop_width: int, crop_left: int, box: Box,
             alphabet: str = ALPHABET) -> list[Word]:
    """The words of one cell's reading, each boxed from where its characters were
    emitted (frame x ``FRAME`` input pixels, scaled back to the page)."""
    best = log_probs.argmax(-1)
    sure = np.exp(log_probs.max(-1))
    input_width = len(best) * FRAME
    scale = crop_width / max(1, input_width) if input_width else 1.0
    chars: list[tuple[str, float, float]] = []  # (char, page x, probability)
    previous = 0
    for frame, k in enumerate(best):
        if k != previous and k != 0:
            x = crop_left + (frame * FRAME + FRAME / 2) * scale
            chars.append((alphabet[k - 1], x, float(sure[frame])))
        previous = int(k)
    words: list[Word] = []
    current: list[tuple[str, float, float]] = []
    for item in [*chars, (" ", 0.0, 1.0)]:
        if item[0] != " ":
            current.append(item)
            continue
        if current:
            half = 0.3 * box.height
            left = max(box.left, round(current[0][1] - half))
            right = min(box.right, round(current[-1][1] + half))
            confidence = min(p for _, _, p in current)
            words.append(Word("".join(c for c, _, _ in current),
                              Box(left, box.top, max(1, right - left), box.height),
                              round(confidence * 100, 1)))
        current = []
    return words


def read_rows(gray: np.ndarray, bands: Sequence[tuple[Box, float]]) -> list[list[Word]] | None:
    """Each band's words as the model reads them (``bands``: a printed row's box and its
    text height), None when the model is missing or fails (Tesseract's words stand)."""
    if not available():
        return None
    return _read_rows_wiping(gray.copy(), bands)


def _read_rows_wiping(gray: np.ndarray, bands: Sequence[tuple[Box, float]]
                      ) -> list[list[Word]] | None:
    """``read_rows`` on a page of its own: the table's rules are wiped off ``gray``."""
    if not bands:
        return []
    wipe_rules(gray, min(band.top for band, _ in bands), max(band.bottom for band, _ in bands),
               float(np.median([height for _, height in bands])))
    spots: list[tuple[int, Box]] = []
    for index, (band, height) in enumerate(bands):
        spots.extend((index, cell) for cell in cells_of(gray, band, height))
    crops = [padded_crop(gray, cell, pad_y=0.25, pad_x=0.3) for _, cell in spots]
    try:
        outputs = run_crops(_session(), [crop for crop, _ in crops], MAX_WIDTH)
    except Exception:  # a broken model file must not cost the reading
        log.exception("text model failed; keeping Tesseract's words")
        return None
    rows: list[list[Word]] = [[] for _ in bands]
    for (index, cell), (crop, left), out in zip(spots, crops, outputs, strict=True):
        if out is None:
            continue
        # every word of a band stands on its line, however tall its own cell's ink (a
        # header cell on two lines), so that the words group into one row
        band = bands[index][0]
        line = Box(cell.left, band.top, cell.width, band.height)
        rows[index].extend(w for w in words_of(out, crop.shape[1], left, line)
                           if w.confidence >= MIN_CONFIDENCE * 100)
    return rows


def flattened(gray: np.ndarray, top: int, bottom: int, height: float) -> np.ndarray:
    """The page with only the print between rows ``top`` and ``bottom`` left, dark on
    white: each pixel's darkness below its neighbourhood's lightest (a black-hat over
    about one and a half text heights). A header printed on a grey band, or shading
    the page preparation left, then reads like print on paper."""
    size = max(5, round(1.5 * height)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    flat = np.full_like(gray, 255)
    region = gray[max(0, top):min(gray.shape[0], bottom)]
    if region.size:
        hat = cv2.morphologyEx(region, cv2.MORPH_BLACKHAT, kernel)
        flat[max(0, top):max(0, top) + region.shape[0]] = 255 - hat
    return flat


def read_region(gray: np.ndarray, top: int, bottom: int, height: float
                ) -> list[list[Word]] | None:
    """The printed lines between pixel rows ``top`` and ``bottom``, each as the model
    reads it, top to bottom (``height``: the usual text height there, in pixels); None
    when the model is missing or fails."""
    if not available():
        return None
    flat = flattened(gray, top, bottom, height)
    return _read_rows_wiping(flat, text_lines(flat, top, bottom))  # flat is a fresh copy
