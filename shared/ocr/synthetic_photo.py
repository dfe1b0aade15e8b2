"""Turning a flat invoice page into what a webcam or a phone sees.

``degrade`` puts the page on a table under uneven light and photographs it at one of
three levels; ``write_capture_video`` films the page being brought under a webcam that
looks down on the counter, held still, and taken away, as the desktop app's camera path
receives it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

LEVELS = ("clean", "moderate", "heavy")
#: The counter camera: a 1080p-class sensor mounted in portrait (4:3) looking down, so an
#: A4 page held under it fills most of the frame.
VIDEO_SIZE = (1440, 1920)
#: The page's height, as a share of the frame's, while it is held still.
VIDEO_PAGE_HEIGHT = 0.88
MIN_STILL_SECONDS = 1.5


@dataclass(frozen=True, slots=True)
class Level:
    long_side: tuple[int, int]  # pixels of the photo's long side
    fill: tuple[float, float]  # share of the photo's height the page takes
    keystone: float  # perspective: how much an edge may shrink, as a share of the page
    rotation: float  # degrees, either way
    blur: tuple[float, float]  # Gaussian sigma, pixels
    noise: tuple[float, float]  # sensor noise sigma, grey levels
    jpeg: tuple[int, int]
    light: float  # how much darker the dim side of the page is
    shadow: float  # darkness of a soft shadow across the page (0: none)
    contrast: tuple[float, float]
    resolution: tuple[float, float] = (1.0, 1.0)  # sampled this much smaller, then enlarged
    motion: bool = False


LEVEL_PARAMETERS = {
    "clean": Level((2000, 2600), (0.86, 0.93), 0.015, 1.0, (0.0, 0.5), (1.0, 2.5), (88, 95),
                   0.06, 0.0, (0.95, 1.0)),
    "moderate": Level((1700, 2400), (0.78, 0.88), 0.06, 4.0, (0.6, 1.2), (2.5, 5.0), (60, 75),
                      0.2, 0.3, (0.82, 0.93)),
    "heavy": Level((1600, 1900), (0.82, 0.95), 0.1, 7.0, (0.4, 0.8), (4.0, 7.0), (36, 44),
                   0.35, 0.5, (0.6, 0.75), (0.75, 0.9), motion=True),
}


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(*bounds))


def table_texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A desk or counter top: wood grain, laminate or worn formica (BGR, uint8)."""
    bases = ((60, 95, 140), (45, 70, 105), (150, 150, 145), (200, 205, 210), (40, 40, 45),
             (95, 125, 160))
    base = np.array(bases[int(rng.integers(len(bases)))], dtype=np.float32)
    small_h, small_w = max(8, height // 8), max(8, width // 8)
    grain: np.ndarray = rng.normal(0, 1, (small_h, small_w)).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), sigmaX=float(rng.uniform(4, 12)), sigmaY=0.8)
    grain = cv2.resize(grain, (width, height), interpolation=cv2.INTER_CUBIC)
    xs = np.linspace(0, float(rng.uniform(20, 60)), width, dtype=np.float32)[None, :]
    stripes = np.sin(xs + grain * 2.5) * float(rng.uniform(4, 14))
    speckle = rng.normal(0, 3, (height, width)).astype(np.float32)
    texture = base[None, None, :] + (stripes + grain * 6 + speckle)[:, :, None]
    return np.clip(texture, 0, 255).astype(np.uint8)


def _page_corners(rng: np.random.Generator, page_size: tuple[int, int],
                  frame: tuple[int, int], level: Level) -> np.ndarray:
    """Where the page's four corners land in the photo: scaled, turned, in perspective."""
    page_w, page_h = page_size
    frame_w, frame_h = frame
    scale = _uniform(rng, level.fill) * frame_h / page_h
    for _ in range(30):
        w, h = page_w * scale, page_h * scale
        box = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
        # keystone: one edge further from the camera is shorter
        top, side = rng.uniform(-level.keystone, level.keystone, 2)
        box[:2, 0] *= 1 - max(top, 0)
        box[2:, 0] *= 1 + min(top, 0)
        box[[1, 2], 1] *= 1 - max(side, 0)
        box[[0, 3], 1] *= 1 + min(side, 0)
        box += rng.normal(0, level.keystone * 0.15 * h, box.shape)
        angle = math.radians(float(rng.uniform(-level.rotation, level.rotation)))
        turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        box = box @ turn.T
        span = box.max(axis=0) - box.min(axis=0)
        slack = np.array([frame_w, frame_h]) - span
        if (slack > 0.04 * frame_h).all():
            centre = np.array([frame_w, frame_h]) / 2 + rng.uniform(-0.4, 0.4, 2) * (
                slack / 2 - 0.02 * frame_h)
            return (box - (box.max(axis=0) + box.min(axis=0)) / 2 + centre).astype(np.float32)
        scale *= 0.95
    raise RuntimeError("could not fit the page in the frame")


def _lighting(rng: np.random.Generator, height: int, width: int, level: Level) -> np.ndarray:
    """A multiplicative light field: a gradient across the frame and a soft shadow."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = float(rng.uniform(0, 2 * math.pi))
    ramp = (xs * math.cos(angle) + ys * math.sin(angle)) / max(height, width)
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
    field: np.ndarray = 1.0 - level.light * ramp
    if level.shadow > 0:
        mask: np.ndarray = np.zeros((height // 4, width // 4), np.float32)
        cx, cy = rng.uniform(0, width // 4), rng.uniform(0, height // 4)
        axes = (int(rng.uniform(0.2, 0.5) * width / 4), int(rng.uniform(0.3, 0.7) * height / 4))
        cv2.ellipse(mask, (int(cx), int(cy)), axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=max(4.0, width / 40))
        mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
        field *= 1.0 - level.shadow * float(rng.uniform(0.6, 1.0)) * mask
    return field


def _motion_kernel(rng: np.random.Generator, length: int) -> np.ndarray:
    kernel: np.ndarray = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5),
                                   float(rng.uniform(0, 180)), 1.0)
    kernel = cv2.warpAffine(kernel, turn, (length, length))
    return kernel / max(float(kernel.sum()), 1e-6)


def _defocus_kernel(radius: int) -> np.ndarray:
    kernel = np.zeros((2 * radius + 1, 2 * radius + 1), np.float32)
    cv2.circle(kernel, (radius, radius), radius, 1.0, -1)
    return kernel / float(kernel.sum())


def _paper(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paper is never pure white under a lamp: a slight warm or cool cast."""
    tint = np.array([rng.uniform(0.9, 0.98), rng.uniform(0.94, 0.99), rng.uniform(0.96, 1.0)],
                    np.float32)
    return page.astype(np.float32) * tint


def degrade(page: np.ndarray, level: str, rng: np.random.Generator) -> np.ndarray:
    """A photo (BGR uint8, portrait 3:4) of ``page`` lying on a table, at ``level``."""
    if level not in LEVEL_PARAMETERS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    p = LEVEL_PARAMETERS[level]
    long_side = int(rng.integers(*p.long_side))
    out_size = (long_side * 3 // 4, long_side)
    sample = _uniform(rng, p.resolution)
    frame = (int(out_size[0] * sample), int(out_size[1] * sample))
    page_h, page_w = page.shape[:2]
    corners = _page_corners(rng, (page_w, page_h), frame, p)
    source = np.array([[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners)
    shrink = frame[1] / page_h
    flat = _paper(page, rng)
    if shrink < 0.8:  # shrink first with area averaging: no aliasing in the warp
        flat = cv2.resize(flat, None, fx=shrink * 1.2, fy=shrink * 1.2,
                          interpolation=cv2.INTER_AREA)
        matrix = matrix @ np.diag([1 / (shrink * 1.2), 1 / (shrink * 1.2), 1.0])
    warped = cv2.warpPerspective(flat, matrix, frame, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones(flat.shape[:2], np.float32), matrix, frame)
    background = table_texture(rng, frame[1], frame[0]).astype(np.float32)
    drop = cv2.GaussianBlur(np.roll(mask, (int(frame[1] * 0.006), int(frame[0] * 0.006)),
                                    axis=(0, 1)), (0, 0), sigmaX=frame[0] / 150)
    background *= (1 - 0.35 * drop)[:, :, None]
    image = warped * mask[:, :, None] + background * (1 - mask[:, :, None])
    image *= _lighting(rng, frame[1], frame[0], p)[:, :, None]
    contrast = _uniform(rng, p.contrast)
    image = (image - 128) * contrast + 128 + float(rng.uniform(-10, 10)) * (1 - contrast) * 3
    sigma = _uniform(rng, p.blur)
    if sigma > 0.05:
        image = cv2.GaussianBlur(image, (0, 0), sigmaX=sigma)
    shake = rng.random() if p.motion else 1.0
    if shake < 0.4:  # the hand moved
        image = cv2.filter2D(image, -1, _motion_kernel(rng, int(rng.integers(3, 6))))
    elif shake < 0.75:  # the lens focused on the table
        image = cv2.filter2D(image, -1, _defocus_kernel(int(rng.integers(1, 3))))
    image += rng.normal(0, _uniform(rng, p.noise), image.shape[:2]).astype(np.float32)[:, :, None]
    image = np.clip(image, 0, 255).astype(np.uint8)
    if frame != out_size:
        image = cv2.resize(image, out_size, interpolation=cv2.INTER_LINEAR)
    return _jpeg(image, int(rng.integers(p.jpeg[0], p.jpeg[1] + 1)))


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    if decoded is None:
        raise RuntimeError("JPEG decoding failed")
    return np.asarray(decoded)


# --- a webcam clip ------------------------------------------------------------------------


def _ease(t: float) -> float:
    return t * t * (3 - 2 * t)


def write_capture_video(path: str | Path, page: np.ndarray, rng: np.random.Generator, *,
                        fps: int = 10, seconds: float = 4) -> range:
    """Write an MJPG ``.avi`` (``VIDEO_SIZE``, portrait) of the page sliding in with a
    hand-held wobble, held still and sharp for at least 1.5 s filling about three
    quarters of the frame, then moved away.

    Returns the indices of the still frames.
    """
    total = round(fps * seconds)
    still = max(math.ceil(MIN_STILL_SECONDS * fps), total // 2)
    moving = total - still
    if moving < 2:
        raise ValueError(f"{seconds} s at {fps} fps leaves no time to bring the page in and out")
    arrive = (moving + 1) // 2
    width, height = VIDEO_SIZE
    scale = VIDEO_PAGE_HEIGHT * height / page.shape[0]
    small = cv2.resize(_paper(page, rng), None, fx=scale, fy=scale,
                       interpolation=cv2.INTER_AREA)
    page_h, page_w = small.shape[:2]
    light = _lighting(rng, height, width, LEVEL_PARAMETERS["clean"])[:, :, None]
    desk = table_texture(rng, height, width).astype(np.float32) * light
    slack = max(0.0, (width - page_w * 1.04) / 2 - 0.015 * width)
    rest = np.array([width / 2 + rng.uniform(-slack, slack), height / 2], np.float32)
    rest_angle = float(rng.uniform(-1.5, 1.5))
    enter_from = np.array([width + page_w * 0.7, height * 0.6], np.float32)
    leave_to = np.array([-page_w * 0.7, height * 0.7], np.float32)
    phase = rng.uniform(0, 2 * math.pi, 3)
    sway = np.array([0.02 * width, 0.01 * height], np.float32)  # the hand's wobble, pixels
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, VIDEO_SIZE)
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write an MJPG video to {path}")
    previous = None
    held: np.ndarray | None = None  # the still picture, drawn once
    try:
        for index in range(total):
            if index < arrive:
                t = _ease(index / arrive)  # the last of these frames still moves
                centre = enter_from + (rest - enter_from) * t
                wobble = 1 - t
            elif index < arrive + still:
                centre, wobble = rest, 0.0
            else:
                t = _ease((index - arrive - still + 1) / (total - arrive - still))
                centre = rest + (leave_to - rest) * t
                wobble = t
            shake = wobble * sway * np.array([math.sin(index * 1.7 + phase[0]),
                                              math.sin(index * 2.3 + phase[1])], np.float32)
            if wobble == 0 and held is not None:
                picture = held
            else:
                angle = rest_angle + wobble * 8 * math.sin(index * 1.1 + phase[2])
                corners = _held_corners(page_w, page_h, centre + shake, angle, wobble * 0.05)
                step = 0.0 if previous is None else float(
                    np.linalg.norm(centre + shake - previous))
                picture = _held_page(small, corners, desk, light, step if wobble > 0 else 0.0,
                                     rng)
                if wobble == 0:
                    held = picture
            previous = centre + shake
            noise = rng.standard_normal(picture.shape[:2], dtype=np.float32) * 1.2
            writer.write(np.clip(picture + noise[:, :, None], 0, 255).astype(np.uint8))
    finally:
        writer.release()
    return range(arrive, arrive + still)


def _held_page(page: np.ndarray, corners: np.ndarray, desk: np.ndarray, light: np.ndarray,
               step: float, rng: np.random.Generator) -> np.ndarray:
    """The page at ``corners`` over the desk, smeared along its way if it moved ``step``
    pixels since the last frame (the page moves, the desk does not)."""
    height, width = desk.shape[:2]
    page_h, page_w = page.shape[:2]
    source = np.array([[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners)
    warped = cv2.warpPerspective(page, matrix, (width, height))
    mask = cv2.warpPerspective(np.ones((page_h, page_w), np.float32), matrix, (width, height))
    if step > 0:
        # Smeared on a half-size copy: a moving page shows no fine detail to lose, and a
        # long kernel on the full frame costs most of the clip's time.
        kernel = _motion_kernel(rng, int(min(21, 2 + step / 16)) | 1)
        both = cv2.merge([*cv2.split(warped * mask[:, :, None]), mask])
        half = cv2.resize(both, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
        smeared = cv2.resize(cv2.filter2D(half, -1, kernel), (width, height),
                             interpolation=cv2.INTER_LINEAR)
        warped, mask = smeared[:, :, :3], smeared[:, :, 3]
    else:
        warped = warped * mask[:, :, None]
    return np.asarray(warped * light + desk * (1 - mask[:, :, None]))


def _held_corners(width: int, height: int, centre: np.ndarray, angle: float,
                  tilt: float) -> np.ndarray:
    box = np.array([[-width / 2, -height / 2], [width / 2, -height / 2],
                    [width / 2, height / 2], [-width / 2, height / 2]], np.float32)
    box[:2, 0] *= 1 - tilt
    radians = math.radians(angle)
    turn = np.array([[math.cos(radians), -math.sin(radians)],
                     [math.sin(radians), math.cos(radians)]], np.float32)
    return (box @ turn.T + centre).astype(np.float32)
