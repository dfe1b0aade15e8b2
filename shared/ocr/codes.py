"""Find and decode the barcodes on a page image: the AFIP QR, the old CAE barcode, EANs.

zxing-cpp reads most pages as they come; what it misses is usually a QR drawn at under
two or three pixels per module, or blurred, so the image is tried again binarised and
scaled up, and then around each QR-like region (zxing's failed attempts and the QR finder
patterns we find ourselves) cropped and enlarged. OpenCV's Aruco QR detector is the last
resort. Each pass costs a few hundredths of a second; the scan stops as soon as an AFIP
QR is in hand, and skips the optional passes once its time budget is spent.

A QR-like region that none of this decodes is returned in ``undecoded_qr`` so the
application can ask for a close-up of the QR.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from shared.ocr.afip_qr import is_afip_qr_text
from shared.ocr.model import Box, Code

Gray = npt.NDArray[np.uint8]

_FORMATS = zxingcpp.barcode_formats_from_str("QRCode,ITF,EAN13,EAN8,UPCA,Code128")
_KINDS = frozenset(fmt.name for fmt in _FORMATS)
#: Failed zxing reads whose place is worth a closer look: a QR often fails as its cousins.
_QR_FAMILY = frozenset({"QRCode", "MicroQRCode", "RMQRCode"})
MIN_ITF_DIGITS = 6
DEFAULT_BUDGET_SECONDS = 0.4
#: Whole-page passes are skipped past this many pixels on the long side after scaling.
MAX_UPSCALED_SIDE = 4000
#: A cropped QR region is enlarged to about this many pixels on its long side.
CROP_TARGET_SIDE = 600
MAX_CROP_SCALE = 6.0
#: A QR-like region smaller than this (pixels) or with less ink is not reported.
MIN_QR_SIDE = 15
MIN_QR_INK = 0.2


@dataclass(slots=True)
class CodeScan:
    """The codes read on one image and the QR-like regions that could not be read."""

    codes: list[Code] = field(default_factory=list)
    undecoded_qr: list[Box] = field(default_factory=list)

    @property
    def has_afip_qr(self) -> bool:
        return any(is_afip_qr_text(code.text) for code in self.codes)


def scan_codes(
    image: npt.NDArray[Any], *, budget_seconds: float = DEFAULT_BUDGET_SECONDS,
) -> CodeScan:
    """Every barcode zxing-cpp (or, failing it, OpenCV) can read on ``image``.

    ``image`` is a numpy BGR, BGRA or gray ``uint8`` array. Boxes are in its pixels.
    The first pass always runs; later ones only while ``budget_seconds`` last.
    """
    gray = to_gray(image)
    deadline = time.perf_counter() + budget_seconds
    found = _Found()
    regions = found.read(gray)
    if found.done:
        return found.result([])
    for scale, binarise in ((1.0, True), (1.5, False), (2.0, False), (0.75, False)):
        if time.perf_counter() > deadline:
            break
        if max(gray.shape) * scale <= MAX_UPSCALED_SIDE:
            regions += found.read(_prepare(gray, scale, binarise), scale=scale)
            if found.done:
                return found.result([])
    candidates = [box for box in _merge_boxes([*regions, *find_qr_regions(gray)])
                  if _looks_like_qr(gray, box)]
    undecoded = [box for box in candidates if not found.covers(box)]
    still: list[Box] = []
    for box in undecoded:
        if time.perf_counter() > deadline or not _close_look(gray, box, found):
            still.append(box)
    if not found.has_qr and time.perf_counter() <= deadline:
        found.add_aruco(gray)
    return found.result([box for box in still if not found.covers(box)])


def to_gray(image: npt.NDArray[Any]) -> Gray:
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    pixels: Gray = np.ascontiguousarray(image, dtype=np.uint8)
    if pixels.ndim == 2:
        return pixels
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        return np.ascontiguousarray(pixels[:, :, 0])
    if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if pixels.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        return np.asarray(cv2.cvtColor(pixels, code), dtype=np.uint8)
    raise ValueError(f"expected a gray, BGR or BGRA image, got shape {image.shape}")


class _Found:
    """The codes read so far, without duplicates, in the original image's pixels."""

    def __init__(self) -> None:
        self.codes: dict[tuple[str, str], Code] = {}

    @property
    def has_qr(self) -> bool:
        return any(kind == "QRCode" for kind, _ in self.codes)

    @property
    def done(self) -> bool:
        return any(is_afip_qr_text(text) for _, text in self.codes)

    def add(self, kind: str, text: str, box: Box | None) -> None:
        if kind == "ITF" and not (text.isdigit() and len(text) >= MIN_ITF_DIGITS):
            return  # short ITF reads are mostly stray lines of text
        self.codes.setdefault((kind, text), Code(kind, text, box))

    def read(self, image: Gray, *, scale: float = 1.0, left: int = 0, top: int = 0) -> list[Box]:
        """Decode ``image`` (a scaled crop at ``left, top`` of the page); return the boxes
        of failed QR-like reads for a closer look."""
        failed: list[Box] = []
        for barcode in zxingcpp.read_barcodes(image, formats=_FORMATS, return_errors=True):
            points = barcode.position
            corners = [(p.x, p.y) for p in (points.top_left, points.top_right,
                                             points.bottom_right, points.bottom_left)]
            box = _to_page(corners, scale, left, top)
            kind = barcode.format.name
            if barcode.valid and barcode.text and kind in _KINDS:
                self.add(kind, barcode.text, box)
            elif kind in _QR_FAMILY:
                failed.append(box)
        return failed

    def add_aruco(self, image: Gray, *, scale: float = 1.0, left: int = 0, top: int = 0) -> None:
        detector = cv2.QRCodeDetectorAruco()
        try:
            ok, texts, points, _ = detector.detectAndDecodeMulti(image)
        except cv2.error:
            return
        if not ok or points is None:
            return
        for text, quad in zip(texts, points, strict=False):
            if text:
                corners = [(float(x), float(y)) for x, y in quad.reshape(-1, 2)]
                self.add("QRCode", text, _to_page(corners, scale, left, top))

    def covers(self, region: Box) -> bool:
        """True when a decoded QR lies over most of ``region``."""
        return any(kind == "QRCode" and code.box is not None
                   and code.box.shared_area(region) > 0.5 * _area(region)
                   for (kind, _), code in self.codes.items())

    def result(self, undecoded: list[Box]) -> CodeScan:
        return CodeScan(list(self.codes.values()), undecoded)


def _prepare(gray: Gray, scale: float, binarise: bool) -> Gray:
    image = gray
    if scale != 1.0:
        interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        image = np.asarray(cv2.resize(image, None, fx=scale, fy=scale,
                                      interpolation=interpolation), dtype=np.uint8)
    if binarise:
        _, binary = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        image = np.asarray(binary, dtype=np.uint8)
    return image


def _close_look(gray: Gray, region: Box, found: _Found) -> bool:
    """Crop around ``region``, enlarge and retry; True when a QR was decoded there."""
    margin = max(region.width, region.height) // 4 + 4
    left, top = max(region.left - margin, 0), max(region.top - margin, 0)
    right = min(region.right + margin, gray.shape[1])
    bottom = min(region.bottom + margin, gray.shape[0])
    crop: Gray = np.ascontiguousarray(gray[top:bottom, left:right])
    if crop.size == 0:
        return False
    side = max(crop.shape)
    scale = min(max(CROP_TARGET_SIDE / side, 1.0), MAX_CROP_SCALE)
    for binarise in (False, True):
        found.read(_prepare(crop, scale, binarise), scale=scale, left=left, top=top)
        if found.covers(region):
            return True
    found.add_aruco(_prepare(crop, scale, False), scale=scale, left=left, top=top)
    return found.covers(region)


def _looks_like_qr(gray: Gray, box: Box) -> bool:
    """Square enough, big enough and about half dark: not a line of text zxing tried."""
    if min(box.width, box.height) < MIN_QR_SIDE or not 0.6 <= box.width / box.height <= 1.6:
        return False
    crop = gray[box.top:box.bottom, box.left:box.right]
    if crop.size == 0:
        return False
    _, binary = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = float(np.count_nonzero(binary == 0)) / binary.size
    return MIN_QR_INK <= dark <= 1 - MIN_QR_INK


# --- QR-like regions from finder patterns --------------------------------------------


def find_qr_regions(gray: Gray) -> list[Box]:
    """Boxes around groups of two or more QR finder patterns (the nested squares in the
    corners), whether or not the QR decodes. With only two finders seen the box is
    widened to cover the QR on either side of them."""
    finders = list(_finder_patterns(gray))
    regions: list[Box] = []
    for group in _groups(finders):
        if len(group) < 2:
            continue
        box = group[0]
        for other in group[1:]:
            box = box.union(other)
        regions.append(_squared(box, gray.shape[1], gray.shape[0]))
    return regions


def _finder_patterns(gray: Gray) -> Iterator[Box]:
    block = max(15, (min(gray.shape) // 40) | 1)
    dark = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                 cv2.THRESH_BINARY_INV, block, 10)
    contours, hierarchy = cv2.findContours(dark, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return
    links = hierarchy[0]
    for index, contour in enumerate(contours):
        hole = links[index][2]
        core = links[hole][2] if hole >= 0 else -1
        if core < 0 or links[core][0] >= 0 or links[hole][0] >= 0:
            continue  # a finder is a ring with exactly one hole holding exactly one core
        left, top, width, height = cv2.boundingRect(contour)
        if min(width, height) < 6 or not 0.7 <= width / height <= 1.4:
            continue
        outer = cv2.contourArea(contour)
        inner = cv2.contourArea(contours[core])
        if outer > 0 and 0.08 <= inner / outer <= 0.35:
            yield Box(left, top, width, height)


def _groups(finders: list[Box]) -> list[list[Box]]:
    """Finders of like size close enough to belong to one QR (at most 177 modules wide)."""
    groups: list[list[Box]] = []
    for finder in finders:
        for group in groups:
            first = group[0]
            size = max(first.width, finder.width)
            similar = 0.6 <= finder.width / first.width <= 1.6
            near = (abs(_centre(first)[0] - _centre(finder)[0]) <= 26 * size
                    and abs(_centre(first)[1] - _centre(finder)[1]) <= 26 * size)
            if similar and near and not any(finder.shared_area(other) for other in group):
                group.append(finder)
                break
        else:
            groups.append([finder])
    return groups


def _squared(box: Box, width: int, height: int) -> Box:
    side = max(box.width, box.height)
    left, top = box.left, box.top
    if box.width < side * 0.7:
        left = box.left - (side - box.width)
        right = box.right + (side - box.width)
    else:
        right = box.right
    bottom = box.bottom
    if box.height < side * 0.7:
        top = box.top - (side - box.height)
        bottom = box.bottom + (side - box.height)
    left, top = max(left, 0), max(top, 0)
    return Box(left, top, min(right, width) - left, min(bottom, height) - top)


# --- geometry --------------------------------------------------------------------------


def _to_page(corners: Iterable[tuple[float, float]], scale: float, left: int, top: int) -> Box:
    xs, ys = zip(*corners, strict=True)
    x0, y0 = int(min(xs) / scale) + left, int(min(ys) / scale) + top
    x1, y1 = round(max(xs) / scale) + left, round(max(ys) / scale) + top
    return Box(x0, y0, max(x1 - x0, 1), max(y1 - y0, 1))


def _centre(box: Box) -> tuple[float, float]:
    return box.left + box.width / 2, box.top + box.height / 2


def _area(box: Box) -> int:
    return box.width * box.height


def _merge_boxes(boxes: list[Box]) -> list[Box]:
    """Join overlapping boxes, so one QR seen by several passes is one region."""
    merged: list[Box] = []
    for box in sorted(boxes, key=_area, reverse=True):
        for index, known in enumerate(merged):
            if known.shared_area(box):
                merged[index] = known.union(box)
                break
        else:
            merged.append(box)
    return merged
