"""A clean, straight page out of a photo: find the sheet, flatten it, level it, even it out.

``prepare_page`` is the one call the pipeline makes. ``find_document`` (in ``outline``,
re-exported here) finds the sheet's corners; ``rectify`` undoes the perspective at the
page's own aspect ratio; ``deskew`` levels the text lines; ``even_lighting`` divides out
shadows for Tesseract.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from shared.ocr.imaging import MAX_PIXELS, UnreadableImage, as_bgr, shrunk
from shared.ocr.outline import (
    MIN_PAGE_AREA,
    REFINE_SIDE,
    SEARCH_SIDE,
    find_document,
    find_quad,
    order_corners,
)

__all__ = [
    "MAX_LONG_SIDE", "MAX_PIXELS", "MIN_PAGE_AREA", "REFINE_SIDE", "SEARCH_SIDE",
    "PreparedPage", "UnreadableImage", "as_bgr", "deskew", "estimate_text_height",
    "even_lighting", "find_document", "find_quad", "order_corners", "page_size",
    "prepare_page", "rectify", "rotate", "shrunk",
]

#: The rectified page's long side is capped here; small text is enlarged towards
#: ``TARGET_TEXT_HEIGHT`` (median character height, pixels), by at most ``MAX_UPSCALE``.
MAX_LONG_SIDE = 2400
TARGET_TEXT_HEIGHT = 22.0
MAX_UPSCALE = 3.0
#: ``deskew`` looks for text lines within this many degrees of horizontal.
MAX_SKEW = 15.0
#: Rotations smaller than this are not worth resampling the page for.
MIN_ROTATION = 0.15
#: Inputs ``prepare_page`` accepts.
MIN_SIDE = 48
MIN_CONTRAST = 10.0


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """A page ready for reading.

    ``color`` is the straightened page (BGR) for barcodes and display, ``gray`` the
    same page evened out for Tesseract. ``corners`` are the page's corners in the
    original photo (None when the whole image was used). ``skew_degrees`` is the
    rotation ``deskew`` applied (counter-clockwise positive, as ``cv2.getRotationMatrix2D``)
    and ``scale`` the output pixels per photo pixel of the page.
    """

    color: np.ndarray
    gray: np.ndarray
    corners: np.ndarray | None
    skew_degrees: float
    scale: float


def prepare_page(image: np.ndarray) -> PreparedPage:
    """Find, flatten, level and even out the page in ``image`` (a photo, scan or render).

    Raises :class:`UnreadableImage` for an image that cannot hold a page.
    """
    bgr = as_bgr(image)
    height, width = bgr.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise UnreadableImage(
            f"the image is too small ({width}x{height} pixels); "
            f"a page needs at least {MIN_SIDE} pixels on each side")
    if _contrast(bgr) < MIN_CONTRAST:
        raise UnreadableImage("the image has no contrast (it is all one colour)")
    corners = find_document(bgr)
    if corners is not None:
        color, scale = _rectify(bgr, corners)
    else:
        color, scale = _resample(bgr)
    gray, angle = deskew(cv2.cvtColor(color, cv2.COLOR_BGR2GRAY))
    if angle:
        color = rotate(color, angle)
    return PreparedPage(color, even_lighting(gray), corners, angle, scale)


# --- input -----------------------------------------------------------------------------

def _contrast(bgr: np.ndarray) -> float:
    small = shrunk(bgr, 256)[0]
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    low, high = np.percentile(gray, (0.5, 99.5))
    return float(high - low)


# --- flattening ------------------------------------------------------------------------

def rectify(image: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The page inside ``corners`` seen straight on, at its own aspect ratio.

    Its resolution is the page's own in the photo, enlarged when the text is small
    (towards ``TARGET_TEXT_HEIGHT``) and capped at ``MAX_LONG_SIDE`` on the long side.
    A grey image gives a grey page, any other a BGR one.
    """
    page = _rectify(as_bgr(image), corners)[0]
    grey = isinstance(image, np.ndarray) and (image.ndim == 2 or image.shape[2] == 1)
    return cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if grey else page


def _rectify(bgr: np.ndarray, corners: np.ndarray) -> tuple[np.ndarray, float]:
    quad = order_corners(corners)
    width, height = page_size(quad, bgr.shape)
    # A first look at the page's natural size (or at the cap) tells the text height.
    first = min(1.0, MAX_LONG_SIDE / max(width, height))
    page = _warp(bgr, quad, width * first, height * first)
    scale = first * _text_zoom(page, first)
    if scale != first:
        page = _warp(bgr, quad, width * scale, height * scale)
    return page, scale


def _warp(bgr: np.ndarray, quad: np.ndarray, width: float, height: float) -> np.ndarray:
    size = (max(1, round(width)), max(1, round(height)))
    target = np.array([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], np.float32)
    homography = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(bgr, homography, size, flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)


def _resample(bgr: np.ndarray) -> tuple[np.ndarray, float]:
    """The whole image at the same resolution rules as a rectified page."""
    height, width = bgr.shape[:2]
    first = min(1.0, MAX_LONG_SIDE / max(width, height))
    page = shrunk(bgr, MAX_LONG_SIDE)[0]
    scale = first * _text_zoom(page, first)
    if scale == first:
        return page, scale
    size = (round(width * scale), round(height * scale))
    method = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return cv2.resize(bgr, size, interpolation=method), scale


def _text_zoom(page: np.ndarray, current: float) -> float:
    """How much more to enlarge ``page`` so its text reaches the target height."""
    text = estimate_text_height(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY))
    if text is None or text >= TARGET_TEXT_HEIGHT:
        return 1.0
    height, width = page.shape[:2]
    zoom = min(TARGET_TEXT_HEIGHT / text, MAX_UPSCALE / current, MAX_LONG_SIDE / max(height, width))
    return max(1.0, zoom)


def page_size(corners: np.ndarray, shape: tuple[int, ...]) -> tuple[float, float]:
    """Width and height (photo pixels) to unwarp ``corners`` to, at the page's true aspect.

    The aspect ratio comes from the perspective (Zhang and He's whiteboard method, with
    the optical centre in the middle of the photo); when the perspective is too slight or
    the photo was cropped off-centre, from the lengths of the sides.
    """
    tl, tr, br, bl = np.asarray(corners, np.float64).reshape(4, 2)
    across = float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    down = float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    by_sides = across / max(down, 1e-9)
    ratio = _aspect_from_perspective(tl, tr, br, bl, shape)
    if ratio is None or not 0.75 < ratio / by_sides < 1.33:
        ratio = by_sides
    if across / ratio >= down:
        return across, across / ratio
    return down * ratio, down


def _aspect_from_perspective(tl: np.ndarray, tr: np.ndarray, br: np.ndarray, bl: np.ndarray,
                             shape: tuple[int, ...]) -> float | None:
    height, width = shape[:2]
    u0, v0 = width / 2.0, height / 2.0
    m1, m2, m3, m4 = (np.append(p, 1.0) for p in (tl, tr, bl, br))
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    if abs(n2[2] * n3[2]) < 1e-12:
        return None
    f2 = -((n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 * u0)
           + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 * v0)
           ) / (n2[2] * n3[2])
    diagonal = math.hypot(width, height)
    if not (0.3 * diagonal) ** 2 < f2 < (8 * diagonal) ** 2:
        return None
    focal = math.sqrt(f2)
    camera = np.array([[focal, 0, u0], [0, focal, v0], [0, 0, 1]])
    inverse = np.linalg.inv(camera)
    metric = inverse.T @ inverse
    return float(math.sqrt((n2 @ metric @ n2) / (n3 @ metric @ n3)))


def estimate_text_height(gray: np.ndarray) -> float | None:
    """The median height (pixels) of character-sized dark marks, or None if too few."""
    height, width = gray.shape[:2]
    block = max(15, (min(height, width) // 40) | 1)
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                block, 15)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    areas = stats[1:, cv2.CC_STAT_AREA]
    glyphs = ((heights >= 4) & (heights <= max(8, height // 15)) & (widths <= 3 * heights)
              & (areas >= 6) & (areas >= 0.1 * widths * heights))
    if np.count_nonzero(glyphs) < 15:
        return None
    return float(np.median(heights[glyphs]))


# --- levelling -------------------------------------------------------------------------

def deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Level the text lines of ``gray`` (within ±``MAX_SKEW`` degrees).

    Returns the levelled image and the rotation applied, in degrees, counter-clockwise
    positive as ``cv2.getRotationMatrix2D``: a page turned 4° counter-clockwise comes back
    with ``-4.0``. ``0.0`` (and the image unchanged) when there are no lines to go by.
    """
    if gray.ndim == 3:
        gray = cv2.cvtColor(as_bgr(gray), cv2.COLOR_BGR2GRAY)
    angle = _skew_angle(gray)
    if abs(angle) < MIN_ROTATION:
        return gray, 0.0
    return rotate(gray, angle), angle


def _skew_angle(gray: np.ndarray) -> float:
    """The slope of the text lines in degrees (positive: falling to the right), or 0.

    Turning the page counter-clockwise by this angle levels them.
    """
    small, _ = shrunk(gray, 1200)
    # Ink is what is darker than its own surroundings: a global threshold would also take
    # a dark desk or a shadow around the sheet for ink and drown the text lines in it.
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                31, 15)
    ys, xs = np.nonzero(ink)
    if len(xs) < 200 or len(xs) > 0.5 * ink.size:
        return 0.0
    if len(xs) > 60_000:
        pick = np.random.default_rng(0).choice(len(xs), 60_000, replace=False)
        xs, ys = xs[pick], ys[pick]
    xs = xs.astype(np.float64) - small.shape[1] / 2
    ys = ys.astype(np.float64) - small.shape[0] / 2

    def sharpness(degrees: float) -> float:
        theta = math.radians(degrees)
        rows = ys * math.cos(theta) - xs * math.sin(theta)
        counts = np.bincount((rows - rows.min()).astype(np.int64)).astype(np.float64)
        return float(np.dot(counts, counts))

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5)
    scores = np.array([sharpness(a) for a in coarse])
    best = float(coarse[int(np.argmax(scores))])
    if scores.max() < 1.1 * float(np.median(scores)):
        return 0.0  # no angle stands out: no text lines to go by
    fine = np.arange(best - 0.5, best + 0.501, 0.05)
    return float(round(fine[int(np.argmax([sharpness(a) for a in fine]))], 2))


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """``image`` turned ``degrees`` counter-clockwise on a canvas large enough to keep it
    whole; the new corners take the page's median colour."""
    height, width = image.shape[:2]
    theta = math.radians(degrees)
    cos, sin = abs(math.cos(theta)), abs(math.sin(theta))
    size = (round(width * cos + height * sin), round(width * sin + height * cos))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    matrix[0, 2] += size[0] / 2 - width / 2
    matrix[1, 2] += size[1] / 2 - height / 2
    sample = image[::7, ::7]
    if image.ndim == 2:
        fill: tuple[float, ...] = (float(np.median(sample)),)
    else:
        fill = tuple(float(v) for v in np.median(sample.reshape(-1, image.shape[2]), axis=0))
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


# --- lighting --------------------------------------------------------------------------

def even_lighting(gray: np.ndarray) -> np.ndarray:
    """Divide out shadows and uneven light, then stretch: paper white, ink dark."""
    if gray.ndim == 3:
        gray = cv2.cvtColor(as_bgr(gray), cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    small, factor = shrunk(gray, 600)
    # Closing wipes out anything darker and narrower than the kernel (text, rules, QR
    # modules), leaving the paper's own brightness under it.
    side = max(3, (min(small.shape) // 20) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    background = cv2.GaussianBlur(background, (0, 0), side / 4)
    if factor < 1.0:
        background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    ratio = gray.astype(np.float32) / np.maximum(background.astype(np.float32), 1.0)
    sample = ratio[::3, ::3]
    white = float(np.clip(np.percentile(sample, 90), 0.8, 1.05))
    black = float(min(np.percentile(sample, 0.5), 0.6 * white))
    stretched = (ratio - black) / max(white - black, 1e-3) * 255.0
    return np.clip(stretched, 0, 255).astype(np.uint8)
