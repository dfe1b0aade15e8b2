"""Print as a webcam photo shows it: small, soft, noisy and compressed, for the model
readers' tests."""

import random

import cv2
import numpy as np
from PIL import Image, ImageDraw

from shared.ocr.model import Box
from shared.ocr.synthetic_layout import _font


def soft(text: str, family: str, cap: float, rng: random.Random, *, bold: bool = False
         ) -> np.ndarray:
    """``text`` as a webcam photo shows it: about ``cap`` px capitals, blurred, noisy,
    JPEG-compressed, then enlarged as the page preparation does (gray, with paper)."""
    font = _font(family, 60, bold)
    left, top, right, bottom = font.getbbox(text)
    canvas = Image.new("L", (right - left + 80, bottom - top + 50), 250)
    ImageDraw.Draw(canvas).text((40 - left, 25 - top), text, font=font, fill=30)
    art = np.array(canvas)
    scale = cap / 43
    small = cv2.resize(art, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small.astype(np.float32), (0, 0), 0.7)
    small += np.random.default_rng(rng.randrange(1000)).normal(0, 5, small.shape)
    small = np.clip(small, 0, 255).astype(np.uint8)
    _, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 70])
    small = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return cv2.resize(small, None, fx=1.4, fy=1.4, interpolation=cv2.INTER_CUBIC)


def ink(figure: np.ndarray, at: tuple[int, int]) -> Box:
    """Where Tesseract would box the figure pasted at ``at``: around its ink."""
    ys, xs = np.nonzero(figure < 150)
    return Box(at[1] + int(xs.min()), at[0] + int(ys.min()), int(xs.max() - xs.min()) + 1,
               int(ys.max() - ys.min()) + 1)


def page_with(figure: np.ndarray, at: tuple[int, int], size=(300, 900)) -> np.ndarray:
    page = np.full(size, 245, np.uint8)
    y, x = at
    page[y:y + figure.shape[0], x:x + figure.shape[1]] = figure
    return page
