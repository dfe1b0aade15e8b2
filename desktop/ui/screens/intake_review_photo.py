"""The straightened invoice photo of the review, with what was read outlined on it.

Each header field read (``InvoiceReading.highlights``) gets a box coloured by how sure
the reading is: green (sure), amber (check it), red (probably wrong). The line chosen in
the table is outlined in blue; lines still without a product in red.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import cv2
import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from shared.ocr.model import Box

SURE, UNSURE = 0.8, 0.5
SURE_COLOR, UNSURE_COLOR, WRONG_COLOR = "#2e7d32", "#e09000", "#c62828"
SELECTED_COLOR = "#1565c0"
DISPLAY_SIDE = 1400  # the page is kept at most this tall for drawing


def confidence_color(confidence: float | None) -> str:
    if confidence is None or confidence < UNSURE:
        return WRONG_COLOR
    return SURE_COLOR if confidence >= SURE else UNSURE_COLOR


def to_qimage(bgr: np.ndarray) -> tuple[QImage, float]:
    """The page as a QImage (shrunk for drawing) and the factor applied to its pixels."""
    height, width = bgr.shape[:2]
    scale = min(1.0, DISPLAY_SIDE / max(height, width))
    if scale < 1:
        bgr = cv2.resize(bgr, (round(width * scale), round(height * scale)),
                         interpolation=cv2.INTER_AREA)
    if bgr.ndim == 2:
        bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
    rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0],
                   QImage.Format.Format_RGB888)
    return image.copy(), scale


class PagePhoto(QWidget):
    """Draws the page fitted in the widget, then the boxes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.scale = 1.0
        self.fields: list[tuple[Box, str]] = []  # (box, colour)
        self.line_boxes: list[Box | None] = []
        self.unmatched: set[int] = set()
        self.selected: int | None = None
        self.setMinimumWidth(230)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.setToolTip("Verde: leído con seguridad · Ámbar: revisalo · Rojo: probablemente "
                        "mal leído")

    def set_page(self, page: np.ndarray | None, highlights: Mapping[str, Box],
                 confidence: Mapping[str, float], line_boxes: Iterable[Box | None]) -> None:
        if page is None:
            self.image = None
        else:
            self.image, self.scale = to_qimage(page)
        self.fields = [(box, confidence_color(confidence.get(name)))
                       for name, box in highlights.items()]
        self.line_boxes = list(line_boxes)
        self.update()

    def mark_lines(self, unmatched: Iterable[int], selected: int | None) -> None:
        self.unmatched, self.selected = set(unmatched), selected
        self.update()

    def _target(self) -> QRectF:
        assert self.image is not None
        factor = min(self.width() / self.image.width(), self.height() / self.image.height())
        width, height = self.image.width() * factor, self.image.height() * factor
        return QRectF((self.width() - width) / 2, 0, width, height)

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#e4e9ef"))
        if self.image is None:
            painter.setPen(QColor("#5b6775"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Sin imagen")
            painter.end()
            return
        target = self._target()
        painter.drawImage(target, self.image)
        factor = target.width() / self.image.width() * self.scale

        def rect(box: Box) -> QRectF:
            return QRectF(target.left() + box.left * factor - 2,
                          target.top() + box.top * factor - 2,
                          box.width * factor + 4, box.height * factor + 4)

        painter.setBrush(Qt.BrushStyle.NoBrush)
        for box, color in self.fields:
            painter.setPen(QPen(QColor(color), 2.5))
            painter.drawRect(rect(box))
        for index, box in enumerate(self.line_boxes):
            if box is None:
                continue
            if index == self.selected:
                painter.setPen(QPen(QColor(SELECTED_COLOR), 3))
            elif index in self.unmatched:
                painter.setPen(QPen(QColor(WRONG_COLOR), 2, Qt.PenStyle.DashLine))
            else:
                continue
            painter.drawRect(rect(box))
        painter.end()
