"""Configuración's camera box: which camera reads invoices on this PC, and a test.

The cameras plugged in are probed off the UI thread; a recorded clip or a photo can
stand in for one (demos, training, a PC without a webcam). "Probar" reads a few frames
and shows the last; "Guardar" keeps the choice on this PC.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from desktop.app.camera import (
    available_cameras,
    camera_choice,
    parse_choice,
    sample_frames,
    set_camera_choice,
)
from desktop.app.store import StoreData
from desktop.ui.camera_widget import camera_problem
from desktop.ui.screens.intake_review_photo import to_qimage
from desktop.ui.widgets import button, hint

if TYPE_CHECKING:
    from desktop.ui.screens.base import Screen

FILE_ITEM = "file"
VIDEO_FILTER = "Videos y fotos (*.avi *.mp4 *.mkv *.mov *.jpg *.jpeg *.png);;Todos (*)"
PREVIEW_SIZE = (192, 108)


@dataclass(frozen=True)
class CameraState:
    choice: str | None
    found: list[int]


def camera_state(store: StoreData) -> CameraState:
    """Worker: the saved choice and the cameras that answer now."""
    return CameraState(camera_choice(store), available_cameras())


@dataclass(frozen=True)
class Probe:
    frames: int
    last: np.ndarray


def probe(choice: str) -> Probe:
    frames = sample_frames(choice, 5)
    return Probe(len(frames), frames[-1])


class CameraSettings(QGroupBox):
    def __init__(self, screen: Screen) -> None:
        super().__init__("Cámara para leer facturas")
        self.screen = screen
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.choice = QComboBox()
        self.choice.currentIndexChanged.connect(self._choice_changed)
        self.file = QLineEdit()
        self.file.setPlaceholderText("Archivo de video o foto grabada")
        self.file.setToolTip("Para pruebas y demostraciones, o una PC sin cámara.")
        self.browse_button = button("Elegir archivo…")
        self.browse_button.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.browse_button)
        self.test_button = button("Probar")
        self.test_button.clicked.connect(self.test)
        self.save_button = button("Guardar", primary=True)
        self.save_button.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addWidget(self.choice, 1)
        row.addWidget(self.test_button)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        layout.addLayout(file_row)
        self.preview = QLabel("")
        self.preview.setFixedSize(*PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #1d2733; color: #c9d6e6; border-radius: 6px;")
        self.preview.hide()
        self.status = hint("Se usa en Recepción (F5) para capturar la factura. Sin cámara, "
                           "también se puede importar una foto o un PDF.")
        bottom = QHBoxLayout()
        bottom.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addWidget(self.status, 1)
        layout.addLayout(bottom)
        self._fill(CameraState(None, []), probed=False)

    # --- the choice ---------------------------------------------------------------------

    def refresh(self) -> None:
        self.screen.run_task(camera_state, self.screen.store, on_done=self._fill)

    def _fill(self, state: CameraState, *, probed: bool = True) -> None:
        self.choice.blockSignals(True)
        self.choice.clear()
        indexes = sorted(set(state.found) | ({int(state.choice)} if state.choice and
                                             state.choice.isdigit() else set()))
        for index in indexes or [0]:
            found = index in state.found
            self.choice.addItem(f"Cámara {index + 1}" + ("" if found else " (no conectada)"),
                                str(index))
        self.choice.addItem("Video o foto grabada", FILE_ITEM)
        saved = state.choice or "0"
        if saved.isdigit():
            self.choice.setCurrentIndex(max(0, self.choice.findData(saved)))
        else:
            self.choice.setCurrentIndex(self.choice.count() - 1)
            self.file.setText(saved)
            self.file.setCursorPosition(0)
        self.choice.blockSignals(False)
        self._choice_changed()
        if probed and not state.found:
            self.status.setText("No se encontró ninguna cámara conectada a esta PC. Podés "
                                "usar un video grabado, o importar fotos y PDF en Recepción.")

    def _choice_changed(self, *_args: object) -> None:
        from_file = self.choice.currentData() == FILE_ITEM
        self.file.setVisible(from_file)
        self.browse_button.setVisible(from_file)

    def selected(self) -> str:
        data = self.choice.currentData()
        return self.file.text().strip() if data == FILE_ITEM else str(data or "0")

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Elegir un video o una foto")
        dialog.setNameFilter(VIDEO_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self._file_chosen)
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()

    def _file_chosen(self, path: str) -> None:
        self.file.setText(path)
        self.file.setCursorPosition(0)

    # --- actions ------------------------------------------------------------------------

    def test(self) -> None:
        choice = self.selected()
        self.preview.show()
        self.preview.setPixmap(QPixmap())
        self.preview.setText("Probando…")
        self.test_button.setEnabled(False)
        self.screen.run_task(probe, choice, on_done=self._tested, on_error=self._test_failed)

    def _tested(self, result: Probe) -> None:
        self.test_button.setEnabled(True)
        image, _scale = to_qimage(result.last)
        self.preview.setPixmap(QPixmap.fromImage(image).scaled(
            *PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        height, width = result.last.shape[:2]
        self.status.setText(f"La cámara responde: {result.frames} imágenes de "
                            f"{width}×{height} leídas.")

    def _test_failed(self, error: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.preview.setPixmap(QPixmap())
        self.preview.setText("Sin imagen")
        self.status.setText(camera_problem(error))

    def save(self) -> None:
        choice = self.selected()
        try:
            parse_choice(choice)
        except Exception as error:  # a blank file name
            self.screen.show_error(error)
            return
        self.screen.run_task(set_camera_choice, self.screen.store, choice, on_done=self._saved)

    def _saved(self, value: str) -> None:
        where = f"la cámara {int(value) + 1}" if value.isdigit() else Path(value).name
        self.screen.show_notice(f"Guardado: Recepción captura las facturas con {where}.")
