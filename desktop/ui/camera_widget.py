"""The live camera preview of Recepción: the invoice outlined, a hint, automatic capture.

A :class:`FrameReader` thread owns the :class:`~desktop.app.camera.CameraSource`: it reads
each frame, has :class:`~shared.ocr.capture.FrameJudge` judge it and hands the UI thread
only a scaled copy with the verdict (the UI never waits for the camera). When the judge
says ready (a sharp, still document filling the frame) the reader captures the
full-resolution frame by itself; the person may also press Espacio. A capture stops the
preview and :class:`CameraPanel` emits ``captured(frame, closeup)``.

When a reading asked for the QR code from close up (``needs_qr_closeup``), the panel is
started with ``closeup=True``: it asks for the QR and the next capture is the close-up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QThread, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop.app.camera import CameraSource, CameraUnavailable
from desktop.ui.screens.backoffice_widgets import add_shortcuts
from desktop.ui.widgets import button

if TYPE_CHECKING:
    from shared.ocr.capture import FrameVerdict

PREVIEW_WIDTH = 960  # frames are scaled down to this on the reader thread for display
READY_COLOR, WAIT_COLOR = "#2e7d32", "#f0a500"
CAPTURE_KEY, CAPTURE_KEY_TEXT = "Space", "Espacio"

#: The judge's hint codes (``CaptureHint``) as the person reads them.
HINTS = {
    "no_document": "Poné la factura frente a la cámara, sobre un fondo oscuro.",
    "move_closer": "Acercá la factura: tiene que ocupar casi toda la imagen.",
    "hold_still": "Mantené quieta la factura…",
    "blurry": "La imagen está borrosa: acercá o alejá un poco la factura.",
    "too_dark": "Falta luz: acercá la factura a una ventana o a una lámpara.",
    "glare": "Hay un reflejo sobre la factura: inclinala un poco.",
    "cut_off": "La factura se sale de la imagen: alejala un poco.",
    "ready": "¡Lista! Capturando…",
}
CLOSEUP_HINT = "Acercá el código QR a la cámara y mantenelo quieto."
CLOSEUP_READY = "Código QR a la vista: capturando…"


def hint_text(code: str, *, closeup: bool = False) -> str:
    if closeup:
        return CLOSEUP_READY if code == "ready" else CLOSEUP_HINT
    return HINTS.get(str(code), HINTS["no_document"])


def camera_problem(error: BaseException) -> str:
    """A camera that gives no frames, in Spanish (what to check)."""
    if isinstance(error, CameraUnavailable):
        if error.reason == "no_device":
            return ("No se encontró la cámara elegida: revisá que esté conectada y "
                    "que ningún otro programa la esté usando, o elegí otra en Configuración "
                    "(F9). También podés importar una foto o un PDF de la factura.")
        if error.reason == "no_file":
            return f"No se encontró el archivo de video {Path(str(error.source)).name}."
        return (f"No se pudo leer {Path(str(error.source)).name} como video o imagen: "
                "elegí otro archivo en Configuración (F9).")
    return "La cámara dejó de responder. Probá de nuevo o importá una foto de la factura."


@dataclass(frozen=True)
class Preview:
    """What the UI thread draws: a scaled frame, the document's corners on it, the verdict."""

    image: QImage
    corners: np.ndarray | None  # 4x2, in the scaled image's pixels
    ready: bool
    hint: str


def _preview(frame: np.ndarray, verdict: FrameVerdict) -> Preview:
    height, width = frame.shape[:2]
    scale = min(1.0, PREVIEW_WIDTH / width)
    small = cv2.resize(frame, (round(width * scale), round(height * scale)),
                       interpolation=cv2.INTER_AREA) if scale < 1 else frame
    rgb = np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
    image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0],
                   QImage.Format.Format_RGB888).copy()  # own the pixels: rgb goes away
    corners = None if verdict.corners is None else np.asarray(verdict.corners, float) * scale
    return Preview(image, corners, bool(verdict.ready), str(verdict.hint))


class FrameReader(QThread):
    """Reads, judges and (when ready, or asked) captures, off the UI thread."""

    # Each signal carries the reader first: the panel ignores a reader it has let go.
    preview = Signal(object, object)  # Preview
    captured = Signal(object, object, bool)  # the full-resolution BGR frame, closeup
    failed = Signal(object, object)  # CameraUnavailable or another exception
    ended = Signal(object)  # a recorded clip came to its end without a capture

    def __init__(self, choice: int | str | Path, *, closeup: bool = False, auto: bool = True,
                 loop: bool = False, parent: Any = None) -> None:
        super().__init__(parent)
        self.choice, self.closeup, self.auto, self.loop = choice, closeup, auto, loop
        self.capture_now = threading.Event()

    def run(self) -> None:
        try:
            camera = CameraSource(self.choice, loop=self.loop)
        except Exception as error:  # reported to the person, not raised
            self.failed.emit(self, error)
            return
        from shared.ocr.capture import FrameJudge  # the OCR stack loads on first use

        judge = FrameJudge()
        try:
            while not self.isInterruptionRequested():
                frame = camera.read()
                if frame is None:
                    self.ended.emit(self)
                    return
                verdict = judge.judge(frame)
                if self.capture_now.is_set() or (self.auto and self._ready(verdict)):
                    self.preview.emit(self, _preview(frame, verdict))
                    self.captured.emit(self, frame.copy(), self.closeup)
                    return
                self.preview.emit(self, _preview(frame, verdict))
        except Exception as error:
            self.failed.emit(self, error)
        finally:
            camera.close()

    def _ready(self, verdict: FrameVerdict) -> bool:
        if self.closeup:  # a QR held close: no page outline to fill the frame with
            return bool(verdict.still) and str(verdict.hint) not in ("blurry", "hold_still")
        return bool(verdict.ready)


class CameraView(QWidget):
    """The scaled frame, the document outlined (green: ready; amber: not yet), the hint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current: Preview | None = None
        self.hint = "Abriendo la cámara…"
        self.setMinimumSize(480, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_preview(self, preview: Preview, hint: str) -> None:
        self.current, self.hint = preview, hint
        self.update()

    def set_hint(self, hint: str) -> None:
        self.hint = hint
        self.update()

    def clear(self) -> None:
        self.current = None
        self.update()

    def image_rect(self) -> QRectF:
        if self.current is None:
            return QRectF(self.rect())
        image = self.current.image
        scale = min(self.width() / image.width(), self.height() / image.height())
        width, height = image.width() * scale, image.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#1d2733"))
        preview = self.current
        if preview is not None:
            target = self.image_rect()
            painter.drawImage(target, preview.image)
            if preview.corners is not None and len(preview.corners) == 4:
                scale = target.width() / preview.image.width()
                polygon = QPolygonF([QPointF(target.left() + x * scale, target.top() + y * scale)
                                     for x, y in preview.corners])
                color = QColor(READY_COLOR if preview.ready else WAIT_COLOR)
                painter.setPen(QPen(color, 4))
                fill = QColor(color)
                fill.setAlpha(40)
                painter.setBrush(fill)
                painter.drawPolygon(polygon)
        self._paint_hint(painter, preview)
        painter.end()

    def _paint_hint(self, painter: QPainter, preview: Preview | None) -> None:
        if not self.hint:
            return
        font = painter.font()
        font.setPointSize(15)
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = min(self.width() - 40, metrics.horizontalAdvance(self.hint) + 36)
        box = QRectF((self.width() - width) / 2, self.height() - metrics.height() * 2 - 24,
                     width, metrics.height() * 2 + 8)
        ready = preview is not None and preview.ready
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(READY_COLOR if ready else "#000000c0"))
        painter.drawRoundedRect(box, 10, 10)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.hint)


class CameraPanel(QWidget):
    """The preview with its capture button; :meth:`start` opens the camera.

    Signals: ``captured(frame, closeup)`` once per start; ``failed(text)`` in Spanish when
    the camera gives no frames; ``ended()`` when a recorded clip ran out.
    """

    captured = Signal(object, bool)
    failed = Signal(str)
    ended = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reader: FrameReader | None = None
        self.closeup = False
        self.frames = 0  # previews shown since start (tests, and "Probar")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.view = CameraView()
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.status = QLabel("")
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.capture_button = button(f"Capturar ahora  ({CAPTURE_KEY_TEXT})", primary=True)
        self.capture_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.capture_button.clicked.connect(self.capture)
        row.addWidget(self.status, 1)
        row.addWidget(self.capture_button)
        layout.addLayout(row)
        self.shortcuts = add_shortcuts(self, [(CAPTURE_KEY, self.capture)])
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    @property
    def running(self) -> bool:
        return self.reader is not None

    def start(self, choice: int | str | Path, *, closeup: bool = False, auto: bool = True,
              loop: bool = False) -> None:
        """Open ``choice`` (a device index or a file) and preview it until a capture."""
        self.stop()
        self.closeup, self.frames = closeup, 0
        self.view.clear()
        self.view.set_hint(CLOSEUP_HINT if closeup else "Abriendo la cámara…")
        self.status.setText(
            "Se captura sola cuando el código QR se ve nítido." if closeup else
            "Se captura sola cuando la factura ocupa la imagen, nítida y quieta. "
            f"{CAPTURE_KEY_TEXT} captura en cualquier momento.")
        reader = FrameReader(choice, closeup=closeup, auto=auto, loop=loop)
        # bound methods of this widget: delivered queued, on the UI thread
        reader.preview.connect(self._preview)
        reader.captured.connect(self._captured)
        reader.failed.connect(self._failed)
        reader.ended.connect(self._ended)
        self.reader = reader
        self.capture_button.setEnabled(True)
        reader.start()

    def capture(self) -> None:
        """Take the next frame as it is (Espacio)."""
        if self.reader is not None:
            self.reader.capture_now.set()

    def stop(self) -> None:
        reader, self.reader = self.reader, None
        if reader is None:
            return
        for signal in (reader.preview, reader.captured, reader.failed, reader.ended):
            signal.disconnect()
        reader.requestInterruption()
        reader.wait(5000)
        reader.deleteLater()
        self.capture_button.setEnabled(False)

    def _preview(self, reader: FrameReader, preview: Preview) -> None:
        if reader is self.reader:
            self.frames += 1
            self.view.show_preview(preview, hint_text(preview.hint, closeup=self.closeup))

    def _captured(self, reader: FrameReader, frame: np.ndarray, closeup: bool) -> None:
        if reader is self.reader:
            self.stop()
            self.view.set_hint("Capturada.")
            self.captured.emit(frame, closeup)

    def _failed(self, reader: FrameReader, error: BaseException) -> None:
        if reader is self.reader:
            self.stop()
            text = camera_problem(error)
            self.view.set_hint("Sin imagen de la cámara")
            self.failed.emit(text)

    def _ended(self, reader: FrameReader) -> None:
        if reader is self.reader:
            self.stop()
            self.view.set_hint("El video terminó sin capturar la factura.")
            self.ended.emit()

    def hideEvent(self, event: Any) -> None:  # leaving the screen lets the camera go
        self.stop()
        super().hideEvent(event)
