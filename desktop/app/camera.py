"""The invoice camera of a store PC, without Qt: a webcam, or recorded footage in its place.

:class:`CameraSource` wraps ``cv2.VideoCapture``. It opens a device index (``0`` or
``"0"``) or a file: a video plays as a webcam would (frames paced at the clip's rate,
the end reported, or looped when asked) and a still image gives the same frame again and
again. Tests, the demo and a store without a camera feed recorded footage through the
same interface the live preview uses::

    with CameraSource.open(camera_choice(store) or 0) as camera:
        frame = camera.read()           # BGR ndarray, or None once a clip has ended

A camera that cannot be opened raises :class:`CameraUnavailable` at once (no frames:
an unplugged webcam, a busy one, a missing or unreadable file). The choice lives in this
PC's ``replica_meta`` (:func:`camera_choice`, :func:`set_camera_choice`): a camera
belongs to the PC it is plugged into, so the choice is never replicated.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import cv2
import numpy as np

from shared.domain.errors import MinimarketError, ValidationError

if TYPE_CHECKING:
    from desktop.app.store import StoreData

log = logging.getLogger(__name__)

CAMERA_KEY = "camera"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
DEFAULT_FPS = 25.0
MAX_FPS = 60.0
STILL_FPS = 10.0  # a still image is offered at this rate, like a camera aimed at a page
#: What a webcam is asked for. Under OpenCV a UVC webcam starts at 640 x 480, where an
#: A4 page is about 55 dpi and invoice print 5 px tall: unreadable. The driver settles
#: on the nearest size it supports; MJPG keeps the frame rate up at that size.
REQUESTED_SIZE = (1920, 1080)


class CameraUnavailable(MinimarketError):
    """The camera (or the file standing in for it) gives no frames.

    ``source`` is what was asked for; ``reason`` is ``"no_device"``, ``"no_file"`` or
    ``"unreadable"``.
    """

    def __init__(self, source: int | str, reason: str) -> None:
        self.source, self.reason = source, reason
        super().__init__(f"camera {source!r} cannot be opened: {reason}")


def parse_choice(value: int | str | Path) -> int | Path:
    """A device index for ``0``/``"0"``, else a file path; a blank choice is refused."""
    if isinstance(value, bool):
        raise ValidationError("a camera is a device index or a file path")
    if isinstance(value, int):
        if value < 0:
            raise ValidationError("a camera index cannot be negative")
        return value
    if isinstance(value, Path):
        return value
    text = value.strip()
    if not text:
        raise ValidationError("choose a camera or a recorded clip")
    if text.isdigit():
        return int(text)
    return Path(text).expanduser()


@contextmanager
def _quiet_opencv() -> Iterator[None]:
    """OpenCV logs a warning for every index without a camera: not worth a line each."""
    opencv_log = cv2.utils.logging
    level = opencv_log.getLogLevel()
    opencv_log.setLogLevel(opencv_log.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        opencv_log.setLogLevel(level)


class CameraSource:
    """Frames from a webcam, a video file or a still image, one :meth:`read` at a time.

    ``loop``: a clip starts again at its end instead of reporting it. ``paced``: a file
    gives its frames no faster than its frame rate (as a webcam would); tests that
    want every frame at once pass ``paced=False``. Not thread-safe: one reader.
    """

    def __init__(self, source: int | str | Path, *, loop: bool = False,
                 paced: bool = True) -> None:
        self.source = parse_choice(source)
        self.loop, self.paced = loop, paced
        self.ended = False
        self._capture: cv2.VideoCapture | None = None
        self._still: np.ndarray | None = None
        self._next_due = 0.0
        self.frame_size = (0, 0)  # width, height of the frames it gives
        if isinstance(self.source, int):
            self._open_device(self.source)
        else:
            self._open_file(self.source)

    @classmethod
    def open(cls, choice: int | str | Path, **options: bool) -> CameraSource:
        return cls(choice, **options)

    def _open_device(self, index: int) -> None:
        with _quiet_opencv():
            capture = cv2.VideoCapture(index)
            if not capture.isOpened():
                capture.release()
                raise CameraUnavailable(index, "no_device")
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, REQUESTED_SIZE[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, REQUESTED_SIZE[1])
        self.frame_size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                           int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        log.info("camera %s gives %dx%d frames", index, *self.frame_size)
        self._capture = capture
        self.fps = DEFAULT_FPS
        self.paced = False  # a device delivers at its own pace

    def _open_file(self, path: Path) -> None:
        if not path.is_file():
            raise CameraUnavailable(str(path), "no_file")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise CameraUnavailable(str(path), "unreadable")
            self._still, self.fps = image, STILL_FPS
            self.frame_size = (image.shape[1], image.shape[0])
            return
        with _quiet_opencv():
            capture = cv2.VideoCapture(str(path))
            ok, first = capture.read() if capture.isOpened() else (False, None)
        if not ok or first is None:
            capture.release()
            raise CameraUnavailable(str(path), "unreadable")
        capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        self.frame_size = (first.shape[1], first.shape[0])
        rate = capture.get(cv2.CAP_PROP_FPS)
        self.fps = rate if 0 < rate <= MAX_FPS else DEFAULT_FPS
        self._capture = capture

    @property
    def is_file(self) -> bool:
        return not isinstance(self.source, int)

    @property
    def label(self) -> str:
        """What the source is, for logs: ``camera 0`` or the file's name."""
        return f"camera {self.source}" if isinstance(self.source, int) else self.source.name

    def read(self) -> np.ndarray | None:
        """The next frame (BGR); None once a clip ended (see :attr:`ended`) or was closed."""
        if self.ended:
            return None
        self._pace()
        if self._still is not None:
            return self._still.copy()
        if self._capture is None:
            return None
        ok, frame = self._capture.read()
        if not ok and self.loop and self.is_file:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok or frame is None:
            self.ended = True
            return None
        return frame

    def _pace(self) -> None:
        if not (self.paced and self.is_file):
            return
        now = time.monotonic()
        if self._next_due > now:
            time.sleep(self._next_due - now)
            now = self._next_due
        self._next_due = max(now, self._next_due) + 1.0 / self.fps

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
        self._still = None
        self.ended = True

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def available_cameras(max_index: int = 4) -> list[int]:
    """The device indexes 0..max_index-1 that open and give a frame (quietly)."""
    found = []
    with _quiet_opencv():
        for index in range(max_index):
            capture = cv2.VideoCapture(index)
            try:
                if capture.isOpened() and capture.read()[0]:
                    found.append(index)
            finally:
                capture.release()
    return found


def sample_frames(choice: int | str | Path, count: int = 5) -> list[np.ndarray]:
    """A few frames from the chosen camera ("Probar" in Configuración); raises
    CameraUnavailable when it gives none."""
    frames = []
    with CameraSource(choice, paced=False) as camera:
        while len(frames) < count:
            frame = camera.read()
            if frame is None:
                break
            frames.append(frame)
    if not frames:
        raise CameraUnavailable(str(choice), "unreadable")
    return frames


# --- this PC's choice ------------------------------------------------------------------


def camera_choice(store: StoreData) -> str | None:
    """The camera chosen on this PC: a device index (``"0"``) or a file path; None: none."""
    return store.meta(CAMERA_KEY) or None


def set_camera_choice(store: StoreData, choice: int | str | Path) -> str:
    """Remember the camera for this PC (checked to be a valid choice, not opened)."""
    parsed = parse_choice(choice)
    value = str(parsed)
    store.set_meta(**{CAMERA_KEY: value})
    return value
