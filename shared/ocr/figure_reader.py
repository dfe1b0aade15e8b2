"""A second reader for printed figures that Tesseract turns into noise.

Below about 12 px capitals, with a webcam's blur and JPEG, Tesseract reads a CUIT such
as ``33378318829`` as ``113718310879`` and a CAE as letters. ``figures.onnx`` is a small
CRNN trained only on figures (digits and ``. , - / $ %``) rendered in the common free
fonts and degraded like photos (``scripts/train_figure_reader.py``); run with
onnxruntime it reads such crops far better. It never decides alone: what it reads goes
back through the same parsers and checks as Tesseract's words (a CUIT's check digit, a
CAE's label and length, a date's calendar, the totals' arithmetic), and the pipeline
only takes from it fields the first reading left empty.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from shared.ocr.model import Box, Word

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("models") / "figures.onnx"
#: The model's classes after the CTC blank (class 0), as trained.
ALPHABET = "0123456789.,-/$% "
HEIGHT = 32
MAX_WIDTH = 448
#: Below this (the least sure frame's probability) a reading is not used.
MIN_CONFIDENCE = 0.5
#: Characters Tesseract makes of soft digits: a word mostly made of these was a figure.
_DIGITISH = set("0123456789.,-/$%OoIlSBZgsQDT|")


def open_session(path: Path):  # an onnxruntime.InferenceSession on one thread
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@cache
def _session():
    return open_session(MODEL_PATH)


def available() -> bool:
    return MODEL_PATH.is_file()


def model_input(crop: np.ndarray, max_width: int = MAX_WIDTH) -> np.ndarray:
    """A gray crop as the model takes it: height 32, width by aspect, dark ink near 1."""
    h, w = crop.shape[:2]
    width = max(8, min(max_width, round(w * HEIGHT / max(h, 1))))
    interpolation = cv2.INTER_AREA if h > HEIGHT else cv2.INTER_LINEAR
    resized = cv2.resize(crop, (width, HEIGHT), interpolation=interpolation).astype(np.float32)
    low, high = float(np.percentile(resized, 2)), float(np.percentile(resized, 98))
    return np.clip((high - resized) / max(high - low, 16.0), 0, 1)


def decode(log_probs: np.ndarray, alphabet: str = ALPHABET) -> tuple[str, float]:
    """Greedy CTC decoding: the text and its least sure frame's probability."""
    best = log_probs.argmax(-1)
    chars: list[str] = []
    previous = 0
    for k in best:
        if k != previous and k != 0:
            chars.append(alphabet[k - 1])
        previous = int(k)
    sure = float(np.exp(log_probs.max(-1).min())) if len(best) else 0.0
    return "".join(chars).strip(), sure


def run_crops(session, crops: Sequence[np.ndarray], max_width: int = MAX_WIDTH,
              batch_width: int = 4096) -> list[np.ndarray | None]:
    """The model's log-probabilities (frames x classes) for each gray crop, None for a
    crop too small to read. Crops of like widths are run together, at most
    ``batch_width`` columns of input per run, so short crops are not padded to long."""
    inputs = [model_input(crop, max_width) if min(crop.shape[:2]) >= 4 else None
              for crop in crops]
    results: list[np.ndarray | None] = [None] * len(crops)
    ready = sorted(((i, x) for i, x in enumerate(inputs) if x is not None),
                   key=lambda pair: pair[1].shape[1])
    while ready:
        group = [ready.pop(0)]
        while ready and (len(group) + 1) * ready[0][1].shape[1] <= batch_width:
            group.append(ready.pop(0))
        width = (group[-1][1].shape[1] + 3) // 4 * 4
        batch = np.zeros((len(group), 1, HEIGHT, width), np.float32)
        for row, (_, x) in enumerate(group):
            batch[row, 0, :, :x.shape[1]] = x
        (out,) = session.run(None, {"image": batch})
        for row, (i, x) in enumerate(group):
            results[i] = out[row][:(x.shape[1] + 3) // 4]  # the padding's frames are not its own
    return results


def read_crops(crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
    """Each gray crop's figure and confidence (empty and 0 for a crop too small to read)."""
    if not crops:
        return []
    return [decode(out) if out is not None else ("", 0.0)
            for out in run_crops(_session(), crops)]


def figure_like(word: Word) -> bool:
    """A word Tesseract read as mostly digits and their punctuation, or as digit-like
    noise: worth reading again as a figure."""
    text = word.text.strip()
    if len(text) < 2:
        return False
    digits = sum(c.isdigit() for c in text)
    shaped = sum(c in _DIGITISH for c in text)
    if digits >= 2 and shaped >= 0.7 * len(text):
        return True
    # a figure whose first digits came out as letters: ``esere92231378``
    return digits >= 0.4 * len(text) and re.search(r"\d{4}", text) is not None


def padded_crop(gray: np.ndarray, box: Box, pad_y: float = 0.3,
                pad_x: float = 0.25) -> tuple[np.ndarray, int]:
    """The crop a model reads for ``box``, padded by shares of the box's height as in
    training, and the crop's left edge on the page."""
    dy = max(2, round(box.height * pad_y))
    dx = max(2, round(box.height * pad_x))
    top, bottom = max(0, box.top - dy), min(gray.shape[0], box.bottom + dy)
    left, right = max(0, box.left - dx), min(gray.shape[1], box.right + dx)
    return gray[top:bottom, left:right], left


def _crop(gray: np.ndarray, box: Box) -> np.ndarray:
    return padded_crop(gray, box)[0]


def ink_mask(patch: np.ndarray, floor: float = 40.0, share: float = 0.45) -> np.ndarray:
    """Pixels well darker than the paper around them (at least ``floor`` grey levels, or
    ``share`` of the way from paper to the darkest ink): print, not JPEG noise or
    shading."""
    paper = float(np.percentile(patch, 90))
    return patch < paper - max(floor, (paper - float(patch.min())) * share)


def ink_box(gray: np.ndarray, cell: Box) -> Box | None:
    """The box of the ink inside a table cell (a figure right-aligned in a wide column),
    None when the cell is blank. Specks narrower than a stroke do not count."""
    top, bottom = max(0, cell.top), min(gray.shape[0], cell.bottom)
    left, right = max(0, cell.left), min(gray.shape[1], cell.right)
    if bottom - top < 4 or right - left < 4:
        return None
    ink = ink_mask(gray[top:bottom, left:right])
    columns = np.flatnonzero(ink.sum(axis=0) >= 2)
    rows = np.flatnonzero(ink.sum(axis=1) >= 2)
    if len(columns) < 3 or len(rows) < 3:
        return None
    return Box(left + int(columns[0]), top + int(rows[0]), int(columns[-1] - columns[0]) + 1,
               int(rows[-1] - rows[0]) + 1)


def read_cells(gray: np.ndarray, cells: Sequence[Box]) -> list[str]:
    """The figure in each table cell as the model reads it ('' when blank or unsure)."""
    if not available():
        return [""] * len(cells)
    boxes = [ink_box(gray, cell) for cell in cells]
    spots = [(index, box) for index, box in enumerate(boxes) if box is not None]
    try:
        readings = read_crops([_crop(gray, box) for _, box in spots])
    except Exception:
        log.exception("figure model failed; keeping Tesseract's figures")
        return [""] * len(cells)
    found = [""] * len(cells)
    for (index, _), (text, sure) in zip(spots, readings, strict=True):
        if sure >= MIN_CONFIDENCE:
            found[index] = text
    return found


def grown(gray: np.ndarray, box: Box) -> Box:
    """``box`` widened over the ink that continues it with gaps narrower than a word
    space: Tesseract often boxes only part of a soft figure (``1341381`` of
    ``33-41381597-0``), and the model must see all of it."""
    top, bottom = max(0, box.top), min(gray.shape[0], box.bottom)
    if bottom - top < 3:
        return box
    inked = ink_mask(gray[top:bottom]).sum(axis=0) >= 1
    gap = max(2, round(box.height * 0.5))
    reach = max(box.width, 3 * box.height)  # never more than one figure's worth
    left, right = box.left, box.right
    while right < box.right + reach:
        ahead = np.flatnonzero(inked[right:min(len(inked), right + gap)])
        if not len(ahead):
            break
        right += int(ahead[-1]) + 1
    while left > box.left - reach:
        behind = np.flatnonzero(inked[max(0, left - gap):left])
        if not len(behind):
            break
        left = max(0, left - gap) + int(behind[0])
    return Box(left, box.top, right - left, box.height)


def _fitted(gray: np.ndarray, box: Box) -> Box:
    """A word box fitted to its figure: narrowed to the ink (Tesseract's boxes are often
    as tall as the row), grown over the rest of the figure, narrowed again."""
    box = ink_box(gray, box) or box
    box = grown(gray, box)
    return ink_box(gray, box) or box


def _runs(words: Sequence[Word]) -> list[list[Word]]:
    """Figure-like words of one row, neighbours a narrow gap apart joined into one run
    (Tesseract splits a soft ``30-63751426-8`` at its dashes)."""
    runs: list[list[Word]] = []
    for word in words:
        if not figure_like(word):
            if runs and runs[-1]:
                runs.append([])
            continue
        if runs and runs[-1]:
            last = runs[-1][-1]
            if word.box.left - last.box.right <= 0.8 * max(word.box.height, last.box.height):
                runs[-1].append(word)
                continue
        runs.append([word])
    return [run for run in runs if run]


def read_box(gray: np.ndarray, box: Box) -> str | None:
    """The figure printed at ``box`` (a field's word box) as the model reads it, None
    when it is not sure or the model is missing."""
    if not available():
        return None
    try:
        ((text, sure),) = read_crops([_crop(gray, _fitted(gray, box))])
    except Exception:
        log.exception("figure model failed")
        return None
    return text if sure >= MIN_CONFIDENCE and text else None


def reread_rows(gray: np.ndarray, rows: Sequence[Sequence[Word]]) -> list[list[Word]]:
    """The rows with each figure-like run of words replaced by the model's reading of
    its pixels, where the model is sure enough; other words unchanged."""
    if not available():
        return [list(row) for row in rows]
    spots: list[tuple[int, list[Word], Box]] = []
    for index, row in enumerate(rows):
        for run in _runs(row):
            box = run[0].box
            for word in run[1:]:
                box = box.union(word.box)
            spots.append((index, run, _fitted(gray, box)))
    try:
        readings = read_crops([_crop(gray, box) for _, _, box in spots])
    except Exception:  # a broken model file must not cost the reading: log, keep Tesseract's
        log.exception("figure model failed; keeping Tesseract's words")
        return [list(row) for row in rows]
    by_row: dict[int, list[tuple[list[Word], Word]]] = {}
    for (index, run, box), (text, sure) in zip(spots, readings, strict=True):
        if sure >= MIN_CONFIDENCE and re.search(r"\d", text):
            by_row.setdefault(index, []).append(
                (run, Word(text, box, round(sure * 100, 1), run[0].block, run[0].line)))
    result: list[list[Word]] = []
    for index, row in enumerate(rows):
        swaps = by_row.get(index, [])
        if not swaps:
            result.append(list(row))
            continue
        first = {id(run[0]): new for run, new in swaps}
        dropped = {id(w) for run, _ in swaps for w in run[1:]}
        result.append([first.get(id(w), w) for w in row if id(w) not in dropped])
    return result
