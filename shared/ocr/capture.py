"""When to take the picture: judging live camera frames for automatic capture.

A :class:`FrameJudge` looks at each frame of the preview as it comes and says whether a
sharp, still document fills it; after ``READY_FRAMES`` such frames in a row it says
``ready`` and the camera takes the full-resolution frame. Each verdict carries a
:class:`CaptureHint`, a stable code the UI turns into advice for the person holding the
invoice. Pure: frames in, verdicts out, no camera and no Qt.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from shared.ocr.imaging import as_bgr, shrunk
from shared.ocr.outline import find_quad

#: Frames are judged on a copy whose long side is this many pixels.
JUDGE_SIDE = 400
#: The long side of the copy sharpness is measured on (the full frame if smaller).
SHARPNESS_SIDE = 1280
#: The document covers at least this fraction of the frame. At the counter a camera
#: looking down on the page has it fill most of the frame (about three quarters in
#: ``synthetic_photo.write_capture_video``); a portrait page held up to a landscape
#: webcam covers about a third at best, which this still lets through: whether such a
#: frame has enough pixels to read is the reading's business, not the trigger's.
MIN_FILL = 0.20
#: Smaller pages are still outlined, to ask for them to come closer.
MIN_PAGE_SHARE = 0.03
#: Normalised sharpness (see :func:`sharpness`) a readable frame reaches.
MIN_SHARPNESS = 0.60
#: The edge slope over the contrast of a crisply focused printed page.
SHARP_EDGE_SLOPE = 0.5
#: Still: over the last ``STILL_FRAMES`` frames no corner strays more than
#: ``STILL_TOLERANCE`` of the frame diagonal, and consecutive frames differ by less
#: than ``STILL_FRAME_DIFFERENCE`` grey levels on average.
STILL_FRAMES = 5
STILL_TOLERANCE = 0.012
STILL_FRAME_DIFFERENCE = 6.0
#: Conditions that must hold this many frames in a row before capture.
READY_FRAMES = 4
#: Too dark: the document (or, with none, the frame) is darker than this on average.
MIN_BRIGHTNESS = 60.0
#: Glare: blown-out pixels cover more than this fraction of a page whose paper is not
#: itself blown out.
GLARE_FRACTION = 0.01
#: A corner closer than this fraction of the frame's size to its border is cut off.
EDGE_MARGIN = 0.01


class CaptureHint(StrEnum):
    """What the person should do next; the UI words each code in Spanish."""

    NO_DOCUMENT = "no_document"
    TOO_DARK = "too_dark"
    CUT_OFF = "cut_off"
    MOVE_CLOSER = "move_closer"
    HOLD_STILL = "hold_still"
    BLURRY = "blurry"
    GLARE = "glare"
    READY = "ready"


@dataclass(frozen=True, slots=True)
class FrameVerdict:
    """The judgement of one frame.

    ``corners`` is the document outline in the frame's pixels (float32 4x2, top-left
    first, clockwise) or None; ``sharpness`` is 0–1 (of the document, or of the whole
    frame when there is none); ``fill`` the document's share of the frame; ``still``
    whether the picture has held steady over the last frames (also without a document,
    for a QR held up close); ``ready`` whether to capture now.
    """

    corners: np.ndarray | None
    sharpness: float
    fill: float
    still: bool
    ready: bool
    hint: CaptureHint


class FrameJudge:
    """Judges successive frames of one preview; :meth:`reset` after a capture."""

    def __init__(self, *, ready_frames: int = READY_FRAMES,
                 still_frames: int = STILL_FRAMES) -> None:
        self.ready_frames = ready_frames
        self._corners: deque[np.ndarray | None] = deque(maxlen=still_frames)
        self._differences: deque[float] = deque(maxlen=still_frames - 1)
        self._previous: np.ndarray | None = None
        self._good = 0

    def reset(self) -> None:
        self._corners.clear()
        self._differences.clear()
        self._previous = None
        self._good = 0

    def judge(self, frame: np.ndarray) -> FrameVerdict:
        bgr = as_bgr(frame)
        height, width = bgr.shape[:2]
        small, factor = shrunk(bgr, JUDGE_SIDE)
        small_gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        quad = find_quad(small, MIN_PAGE_SHARE) if min(small.shape[:2]) >= 32 else None
        corners = None if quad is None else quad / factor
        self._remember(corners, small_gray, (width, height))
        still = self._still((width, height))

        mask = np.zeros(small_gray.shape, np.uint8)
        if quad is not None:
            cv2.fillConvexPoly(mask, np.round(quad).astype(np.int32), 1)
        area = int(np.count_nonzero(mask))
        fill = area / mask.size
        region = small_gray[mask > 0] if area else small_gray.ravel()
        brightness = float(region.mean())
        sharp = sharpness(bgr, corners)

        hint = self._hint(corners, (width, height), fill, still, sharp, brightness, region)
        self._good = self._good + 1 if hint is CaptureHint.READY else 0
        ready = self._good >= self.ready_frames
        if hint is CaptureHint.READY and not ready:
            hint = CaptureHint.HOLD_STILL
        return FrameVerdict(corners, sharp, fill, still, ready, hint)

    def _hint(self, corners: np.ndarray | None, size: tuple[int, int], fill: float,
              still: bool, sharp: float, brightness: float, region: np.ndarray) -> CaptureHint:
        if brightness < MIN_BRIGHTNESS:
            return CaptureHint.TOO_DARK
        if corners is None:
            return CaptureHint.NO_DOCUMENT
        if _cut_off(corners, size):
            return CaptureHint.CUT_OFF
        if fill < MIN_FILL:
            return CaptureHint.MOVE_CLOSER
        if not still:
            return CaptureHint.HOLD_STILL
        if sharp < MIN_SHARPNESS:
            return CaptureHint.BLURRY
        if _glare(region):
            return CaptureHint.GLARE
        return CaptureHint.READY

    def _remember(self, corners: np.ndarray | None, small_gray: np.ndarray,
                  size: tuple[int, int]) -> None:
        self._corners.append(corners)
        tiny = cv2.resize(small_gray, (80, max(1, round(80 * size[1] / size[0]))),
                          interpolation=cv2.INTER_AREA).astype(np.float32)
        tiny -= tiny.mean()  # a camera's exposure drifting is not movement
        if self._previous is not None and self._previous.shape == tiny.shape:
            self._differences.append(float(np.abs(tiny - self._previous).mean()))
        else:
            self._differences.clear()
        self._previous = tiny

    def _still(self, size: tuple[int, int]) -> bool:
        if len(self._differences) < (self._differences.maxlen or 1):
            return False
        if max(self._differences) >= STILL_FRAME_DIFFERENCE:
            return False
        seen = [c for c in self._corners if c is not None]
        if not seen:
            return True  # nothing outlined (a QR close up): the picture alone decides
        if len(seen) < len(self._corners):
            return False  # the document came and went
        stack = np.stack(seen)
        spread = np.linalg.norm(stack - stack.mean(axis=0), axis=2).max()
        return bool(spread <= STILL_TOLERANCE * float(np.hypot(*size)))


def sharpness(frame: np.ndarray, corners: np.ndarray | None = None) -> float:
    """How crisp the document (or the whole frame) is, from 0 (a blur) to 1 (in focus).

    The steepest edges (the top half percent of the gradient) over the contrast between
    ink and paper: independent of how much text there is and of the exposure, and
    hardly moved by sensor noise, which the gradient's top percentile rides over.
    """
    bgr = as_bgr(frame)
    height, width = bgr.shape[:2]
    factor = min(1.0, SHARPNESS_SIDE / max(height, width))
    left, top, right, bottom = 0, 0, width, height
    if corners is not None:
        xs, ys = np.asarray(corners)[:, 0], np.asarray(corners)[:, 1]
        left, right = max(0, int(xs.min())), min(width, int(np.ceil(xs.max())))
        top, bottom = max(0, int(ys.min())), min(height, int(np.ceil(ys.max())))
        # The outline itself is an edge too: keep to the inner part of the page.
        inset_x, inset_y = (right - left) // 8, (bottom - top) // 8
        left, right, top, bottom = left + inset_x, right - inset_x, top + inset_y, bottom - inset_y
    if right - left < 8 or bottom - top < 8:
        return 0.0
    crop = cv2.cvtColor(bgr[top:bottom, left:right], cv2.COLOR_BGR2GRAY)
    if factor < 1.0:
        crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    pixels = crop.astype(np.float32)
    slope = cv2.magnitude(cv2.Sobel(pixels, cv2.CV_32F, 1, 0, ksize=3, scale=0.125),
                          cv2.Sobel(pixels, cv2.CV_32F, 0, 1, ksize=3, scale=0.125))
    sample = pixels[::2, ::2].ravel()
    low, high = np.percentile(sample, (2, 98))
    if high - low < 16:
        return 0.0  # a blank or flat area: nothing to be sharp
    steepest = float(np.percentile(slope[::2, ::2], 99.5))
    return float(min(1.0, steepest / (high - low) / SHARP_EDGE_SLOPE))


def _cut_off(corners: np.ndarray, size: tuple[int, int]) -> bool:
    width, height = size
    margin_x, margin_y = EDGE_MARGIN * width, EDGE_MARGIN * height
    xs, ys = corners[:, 0], corners[:, 1]
    return bool((xs < margin_x).any() or (xs > width - 1 - margin_x).any()
                or (ys < margin_y).any() or (ys > height - 1 - margin_y).any())


def _glare(region: np.ndarray) -> bool:
    blown = np.count_nonzero(region >= 250) / max(1, region.size)
    return bool(blown > GLARE_FRACTION and float(np.median(region)) < 235)
