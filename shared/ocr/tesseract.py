"""Run Tesseract on a page image and keep every word with its box and confidence.

We call the ``tesseract`` binary ourselves instead of going through pytesseract so
that each child process gets ``OMP_THREAD_LIMIT=1`` in *its* environment only (the
OpenMP threads of one process fight each other on two cores: a single thread is about
four times faster) and so that the image travels through a pipe, not a temporary file.

A page can be read as horizontal bands in parallel, one process per core: the bands
are cut at blank rows, so no word is split, and the words come back in page
coordinates with their line ids kept apart per band.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from shared.domain.errors import MinimarketError
from shared.ocr.model import Box, Word

DEFAULT_LANG = "spa"
#: Fully automatic page segmentation: blocks, then lines in reading order.
PSM_AUTO = 3
#: One uniform block of text (a crop of a single field).
PSM_BLOCK = 6
#: Sparse text: as many words as possible, no order (tables with wide gaps).
PSM_SPARSE = 11
DEFAULT_TIMEOUT = 20.0
#: The characters of a column of figures (quantities, prices, amounts, rates).
NUMERIC_CHARACTERS = "0123456789.,$-%"
_MARGIN = 12  # white pixels added around a crop: Tesseract misses text touching the edge
_LINE_STRIDE = 1_000_000  # line ids of band ``i`` start at ``i * _LINE_STRIDE``
_MIN_BAND_HEIGHT = 400  # below this, a second process costs more than it saves
_MAX_RULE = 7  # pixels: the thickest line ``remove_rules`` takes for a rule
#: Darker than this may be a rule: a grid printed in light grey, blurred by the camera,
#: is far lighter than text (the page has been evened out, paper is near 255).
RULE_INK = 215
_SHADE_KERNEL = 15  # pixels: wider than a letter's stroke, narrower than a shaded band


class OcrEngineError(MinimarketError):
    """Tesseract is not installed, failed, or took longer than allowed."""

    status_code = 503


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def read_words(
    image: np.ndarray, *, lang: str = DEFAULT_LANG, psm: int = PSM_AUTO,
    timeout: float = DEFAULT_TIMEOUT, bands: int = 1, origin: tuple[int, int] = (0, 0),
) -> list[Word]:
    """Every word Tesseract reads in ``image`` (gray or BGR), boxes in image pixels.

    ``bands > 1`` cuts the image into that many horizontal bands at blank rows and reads
    them in parallel. ``origin`` is added to every box (for crops of a larger page).
    Raises OcrEngineError when Tesseract is missing, fails or exceeds ``timeout``.
    """
    if image.size == 0:
        return []
    cuts = band_cuts(image, bands) if bands > 1 else [0, image.shape[0]]
    spans = list(itertools.pairwise(cuts))
    if len(spans) == 1:
        return _read_band(image, lang, psm, timeout, origin, 0)
    with ThreadPoolExecutor(max_workers=len(spans)) as pool:
        futures = [
            pool.submit(_read_band, image[top:bottom], lang, psm, timeout,
                        (origin[0], origin[1] + top), index)
            for index, (top, bottom) in enumerate(spans)
        ]
        words: list[Word] = []
        for future in futures:
            words.extend(future.result())
    return words


def read_regions(
    image: np.ndarray, regions: Sequence[Box], *, lang: str = DEFAULT_LANG,
    psm: int = PSM_BLOCK, timeout: float = DEFAULT_TIMEOUT, workers: int = 2,
    whitelists: Sequence[str | None] | None = None, zoom: float = 1.0,
) -> list[list[Word]]:
    """Words of each region of ``image`` (boxes in page pixels), read in parallel.

    ``whitelists`` gives each region the only characters Tesseract may read there (None:
    any), e.g. ``NUMERIC_CHARACTERS`` for a column of figures. Each crop gets a white
    margin and is enlarged ``zoom`` times when its text is small; boxes come back in
    page pixels.
    """
    allowed = list(whitelists) if whitelists is not None else [None] * len(regions)

    def read(index: int, region: Box) -> list[Word]:
        crop = image[region.top:region.bottom, region.left:region.right]
        if crop.size == 0:
            return []
        if zoom != 1.0:
            crop = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
        crop = cv2.copyMakeBorder(crop, _MARGIN, _MARGIN, _MARGIN, _MARGIN,
                                  cv2.BORDER_CONSTANT, value=255)
        words = _read_band(crop, lang, psm, timeout, (0, 0), index, allowed[index])
        return [_to_page(word, region, zoom) for word in words]

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(read, range(len(regions)), regions))


def read_side_by_side(
    image: np.ndarray, regions: Sequence[Box], *, lang: str = DEFAULT_LANG,
    psm: int = PSM_BLOCK, timeout: float = DEFAULT_TIMEOUT, whitelist: str | None = None,
    zoom: float = 1.0, gap: int = 80,
) -> list[list[Word]]:
    """Words of each region (columns of one band of the page: same top and bottom),
    read in one Tesseract run with the crops set side by side, ``gap`` white pixels
    apart: one process instead of one per column. Boxes come back in page pixels."""
    crops = _zoomed_crops(image, regions, zoom)
    if not any(crop.size for crop in crops):
        return [[] for _ in regions]
    height = max(crop.shape[0] for crop in crops if crop.size) + 2 * _MARGIN
    parts: list[np.ndarray] = [np.full((height, _MARGIN), 255, np.uint8)]
    starts: list[int] = []
    x = _MARGIN
    for crop in crops:
        starts.append(x)
        width = crop.shape[1] if crop.size else 1
        part = np.full((height, width + gap), 255, np.uint8)
        if crop.size:
            part[_MARGIN:_MARGIN + crop.shape[0], :width] = crop
        parts.append(part)
        x += width + gap
    words = _read_band(np.hstack(parts), lang, psm, timeout, (0, 0), 0, whitelist)
    found: list[list[Word]] = [[] for _ in regions]
    for word in words:
        middle = (word.box.left + word.box.right) / 2
        index = max(0, int(np.searchsorted(starts, middle, side="right")) - 1)
        region, start = regions[index], starts[index]
        box = word.box
        found[index].append(Word(word.text, Box(
            region.left + round((box.left - start) / zoom),
            region.top + round((box.top - _MARGIN) / zoom),
            max(1, round(box.width / zoom)), max(1, round(box.height / zoom))),
            word.confidence, word.block, word.line))
    return found


def read_cells(
    image: np.ndarray, cells: Sequence[Box], *, lang: str = DEFAULT_LANG,
    timeout: float = DEFAULT_TIMEOUT, whitelist: str | None = None, zoom: float = 1.0,
) -> list[list[Word]]:
    """Words of each small region (a table cell) of ``image``, in one Tesseract run.

    The cells are enlarged ``zoom`` times and stacked one under the other with paper
    between them, then read as a block: starting a process per cell would cost far
    more than reading them. Word boxes come back in the stacked image's pixels; the
    words are grouped by the cell they were read in.
    """
    crops = _zoomed_crops(image, cells, zoom)
    if not any(crop.size for crop in crops):
        return [[] for _ in cells]
    width = max(crop.shape[1] for crop in crops if crop.size) + 2 * _MARGIN
    spacing = max(_MARGIN, max(crop.shape[0] for crop in crops if crop.size) // 2)
    parts: list[np.ndarray] = []
    spans: list[tuple[int, int]] = []
    y = spacing
    parts.append(np.full((spacing, width), 255, np.uint8))
    for crop in crops:
        height = crop.shape[0] if crop.size else 1
        row = np.full((height + spacing, width), 255, np.uint8)
        if crop.size:
            gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
            row[:height, _MARGIN:_MARGIN + gray.shape[1]] = gray
        parts.append(row)
        spans.append((y, y + height))
        y += height + spacing
    words = _read_band(np.vstack(parts), lang, PSM_BLOCK, timeout, (0, 0), 0, whitelist)
    found: list[list[Word]] = [[] for _ in cells]
    for word in words:
        middle = (word.box.top + word.box.bottom) / 2
        for index, (top, bottom) in enumerate(spans):
            if top <= middle < bottom:
                found[index].append(word)
                break
    return found


def _zoomed_crops(image: np.ndarray, boxes: Sequence[Box], zoom: float) -> list[np.ndarray]:
    """Each box of ``image`` cut out (gray) and enlarged ``zoom`` times."""
    crops: list[np.ndarray] = []
    for box in boxes:
        crop = image[max(0, box.top):box.bottom, max(0, box.left):box.right]
        if crop.ndim == 3:
            crop = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        if crop.size and zoom != 1.0:
            crop = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
        crops.append(crop)
    return crops


def _to_page(word: Word, region: Box, zoom: float) -> Word:
    box = word.box
    return Word(word.text, Box(region.left + round((box.left - _MARGIN) / zoom),
                               region.top + round((box.top - _MARGIN) / zoom),
                               max(1, round(box.width / zoom)), max(1, round(box.height / zoom))),
                word.confidence, word.block, word.line)


def remove_rules(gray: np.ndarray) -> np.ndarray:
    """The page without its table rules and box outlines (long thin lines of ink).

    Tesseract reads a ruled grid as characters ("|", "_") and slows down on it; text
    strokes are far shorter than a table rule, so a morphological opening with a long
    line finds the rules. A blurred line of bold text can also hold a long run of ink,
    but it is as thick as the letters: only runs thinner than ``_MAX_RULE`` are erased.
    """
    height, width = gray.shape[:2]
    ink = (gray < RULE_INK).astype(np.uint8) * 255
    across = cv2.getStructuringElement(cv2.MORPH_RECT, (max(60, width // 12), 1))
    down = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(40, height // 40)))
    rules = np.zeros_like(ink)
    for kernel, vertical in ((across, False), (down, True)):
        found = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(found, connectivity=8)
        for label in range(1, count):
            left, top, w, h = (int(v) for v in stats[label, :4])
            if _is_rule(ink.T if vertical else ink,
                        (top, left, h, w) if vertical else (left, top, w, h)):
                rules[labels == label] = 255
    cleaned = gray.copy()
    cleaned[cv2.dilate(rules, np.ones((3, 3), np.uint8)) > 0] = 255
    return cleaned


def _is_rule(ink: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Whether a long horizontal run of ink is a rule: thin, with paper on one side at
    least (a blurred line of bold text has letters above and below its run)."""
    left, top, width, height = box
    if height > _MAX_RULE:
        return False
    span = ink[:, left:left + width]
    above = span[max(0, top - 8):max(0, top - 2)]
    below = span[top + height + 2:top + height + 8]
    sides = [part.mean() / 255 for part in (above, below) if part.size]
    return not sides or min(sides) < 0.15


def even_shading(gray: np.ndarray) -> np.ndarray:
    """The page with shaded bands turned white: light fills (a grey table header, zebra
    rows) divided out by the local background, and dark fills with light letters
    inverted first, so that every word is dark ink on white for Tesseract."""
    page = gray.copy()
    dark = (page < 110).astype(np.uint8)
    height, width = page.shape[:2]
    row_share = dark.mean(axis=1)
    filled = row_share > 0.35
    start = None
    for y in range(height + 1):
        inside = y < height and filled[y]
        if inside and start is None:
            start = y
        elif not inside and start is not None:
            if y - start >= 12:
                columns = np.flatnonzero(dark[start:y].mean(axis=0) > 0.5)
                if columns.size and columns[-1] - columns[0] > width // 4:
                    left, right = int(columns[0]), int(columns[-1]) + 1
                    page[start:y, left:right] = 255 - page[start:y, left:right]
            start = None
    background = cv2.dilate(page, np.ones((_SHADE_KERNEL, _SHADE_KERNEL), np.uint8))
    background = cv2.blur(background, (5, 5))
    evened = page.astype(np.float32) * 255.0 / np.maximum(background.astype(np.float32), 1.0)
    return np.clip(evened, 0, 255).astype(np.uint8)


def band_cuts(image: np.ndarray, bands: int) -> list[int]:
    """Row indices that split the image into ``bands`` parts, each cut on a blank row."""
    height = image.shape[0]
    bands = max(1, min(bands, height // _MIN_BAND_HEIGHT))
    if bands == 1:
        return [0, height]
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    # Ink per row: dark pixels, so a blank row (or a row crossed only by thin
    # vertical rules) scores near zero.
    ink = (gray < 128).sum(axis=1).astype(np.int64)
    cuts = [0]
    for index in range(1, bands):
        target = height * index // bands
        window = height // (4 * bands)
        low, high = max(cuts[-1] + 1, target - window), min(height - 1, target + window)
        segment = ink[low:high]
        # Among the emptiest rows, the one closest to the even split.
        emptiest = np.flatnonzero(segment <= segment.min())
        best = low + int(emptiest[np.argmin(np.abs(emptiest + low - target))])
        cuts.append(best)
    cuts.append(height)
    return cuts


def _read_band(
    image: np.ndarray, lang: str, psm: int, timeout: float, origin: tuple[int, int],
    band: int, whitelist: str | None = None,
) -> list[Word]:
    if image.size == 0:
        return []
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise OcrEngineError("could not encode the image for Tesseract")
    tsv = _run_tesseract(png.tobytes(), lang, psm, timeout, whitelist)
    return parse_tsv(tsv, origin=origin, line_base=band * _LINE_STRIDE)


def _run_tesseract(png: bytes, lang: str, psm: int, timeout: float,
                   whitelist: str | None = None) -> str:
    binary = shutil.which("tesseract")
    if binary is None:
        raise OcrEngineError(
            "Tesseract is not installed (install tesseract-ocr and its 'spa' language)")
    # One OpenMP thread per process, set in the child's environment only.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = [binary, "stdin", "stdout", "-l", lang, "--psm", str(psm),
               "-c", "tessedit_do_invert=0"]
    if whitelist:
        command += ["-c", f"tessedit_char_whitelist={whitelist}"]
    command.append("tsv")
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            command, input=png, capture_output=True, env=env, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        raise OcrEngineError(f"Tesseract took longer than {timeout:g} s") from None
    except OSError as error:
        raise OcrEngineError(f"Tesseract could not start: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = message[-1] if message else f"exit code {done.returncode}"
        raise OcrEngineError(f"Tesseract failed: {reason}")
    return done.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str, *, origin: tuple[int, int] = (0, 0), line_base: int = 0) -> list[Word]:
    """Words of Tesseract's TSV output; each (block, paragraph, line) gets one line id."""
    words: list[Word] = []
    line_ids: dict[tuple[str, str, str], int] = {}
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        try:
            confidence = float(row["conf"])
            left, top = int(row["left"]), int(row["top"])
            width, height = int(row["width"]), int(row["height"])
        except (KeyError, TypeError, ValueError):
            continue
        if confidence < 0:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        line = line_ids.setdefault(key, line_base + len(line_ids))
        words.append(Word(
            text=text, box=Box(left + origin[0], top + origin[1], width, height),
            confidence=confidence, block=int(row["block_num"]), line=line,
        ))
    return words
