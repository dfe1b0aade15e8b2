"""Images as the OCR pipeline takes them: any array to 8-bit BGR, and quick shrinking.

Shared by the page outline (``outline``), the page preparation (``document``) and the
capture judge (``capture``); ``UnreadableImage`` is raised for what cannot be a picture.
"""

from __future__ import annotations

import cv2
import numpy as np

from shared.domain.errors import ValidationError

#: Inputs larger than this are refused (pixels).
MAX_PIXELS = 100_000_000


class UnreadableImage(ValidationError):
    """An image (or file) the OCR pipeline cannot read; the message says why, in English."""



def as_bgr(image: object) -> np.ndarray:
    """``image`` as 8-bit BGR: grey is expanded, alpha is laid on white, depth is reduced."""
    if not isinstance(image, np.ndarray):
        raise UnreadableImage(f"expected an image array, got {type(image).__name__}")
    if image.size == 0:
        raise UnreadableImage("the image is empty (no pixels)")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise UnreadableImage(f"not an image: an array of shape {image.shape}")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise UnreadableImage(
            f"the image is too large ({image.shape[1]}x{image.shape[0]} pixels; "
            f"at most {MAX_PIXELS // 1_000_000} megapixels)")
    pixels = _as_uint8(image)
    if pixels.ndim == 2:
        return cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
    if pixels.shape[2] == 4:
        alpha = pixels[:, :, 3:4].astype(np.float32) / 255.0
        over_white = pixels[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        return np.ascontiguousarray(np.round(over_white).astype(np.uint8))
    return np.ascontiguousarray(pixels)


def _as_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if image.dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        values = np.nan_to_num(image.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        if values.size and float(values.max()) <= 1.0:
            values = values * 255.0
        return np.clip(np.round(values), 0, 255).astype(np.uint8)
    if np.issubdtype(image.dtype, np.integer):
        return np.clip(image, 0, 255).astype(np.uint8)
    raise UnreadableImage(f"not an image: pixels of type {image.dtype}")



def shrunk(image: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    """A copy whose long side is at most ``long_side``, and the factor applied.

    Halving with ``pyrDown`` first: far faster than one area resize of a large photo.
    """
    height, width = image.shape[:2]
    factor = min(1.0, long_side / max(height, width))
    if factor >= 1.0:
        return image, 1.0
    small = image
    while max(small.shape[:2]) >= 2 * long_side:
        small = cv2.pyrDown(small)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    if (small.shape[1], small.shape[0]) != size:
        small = cv2.resize(small, size, interpolation=cv2.INTER_AREA)
    return small, factor

