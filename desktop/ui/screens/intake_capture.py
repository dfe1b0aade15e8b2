"""Recepción by camera or by file: capture or import, read (OCR) in the background, review,
confirm. The manual form stays untouched on its own page, so nothing typed is lost.

:class:`CaptureFlow` is a stack of pages inside the Recepción screen: the manual form,
the camera preview, "Leyendo la factura…", and the review. Reading and confirming run
off the UI thread (:meth:`Screen.run_task`): :func:`read_frame` / :func:`read_file` call
the OCR pipeline and :func:`~desktop.app.invoice_capture.review_reading`;
:func:`confirm_reviewed` puts the edited header on the draft and calls
:func:`~desktop.app.invoice_capture.confirm_capture` (one transaction; the photo kept).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.app.camera import camera_choice
from desktop.app.intake import IntakeResult
from desktop.app.invoice_capture import LinesNotResolved
from desktop.ui.camera_widget import CameraPanel
from desktop.ui.messages import count_text, register
from desktop.ui.screens.backoffice_widgets import (
    ConfirmDialog,
    add_shortcuts,
    in_session,
    show_dialog,
)
from desktop.ui.screens.intake_reading import (
    Capture,
    confirm_reviewed,
    read_file,
    read_frame,
    result_text,
)
from desktop.ui.screens.intake_review import ReviewView
from desktop.ui.screens.intake_review_search import ProductSearch
from desktop.ui.widgets import button, hint
from shared.ocr.document import UnreadableImage

if TYPE_CHECKING:
    from desktop.ui.screens.base import Screen

MANUAL, CAMERA, READING, REVIEW = range(4)
FILE_FILTER = "Facturas (*.jpg *.jpeg *.png *.pdf *.tif *.tiff *.bmp *.webp);;Todos (*)"

register(UnreadableImage, "el archivo no es una foto ni un PDF que se pueda abrir")
register(LinesNotResolved, lambda e: (
    "Faltan asignar " + count_text(len(getattr(e, "indexes", [])), "línea", "líneas")
    + ": elegí el producto, creá uno provisorio o marcá que no se recibe."))


class CaptureFlow(QStackedWidget):
    """The pages of Recepción; ``screen`` gives the worker pool, the banner and the user."""

    def __init__(self, screen: Screen, manual: QWidget) -> None:
        super().__init__(screen)
        self.screen = screen
        self.capture: Capture | None = None
        self.busy = False
        self.dialog: ConfirmDialog | None = None
        self.choice: str | None = None
        self.addWidget(manual)
        self.addWidget(self._camera_page())
        self.addWidget(self._reading_page())
        self.addWidget(self._review_page())
        self.camera_button = button("Cámara  (Ctrl+K)")
        self.import_button = button("Importar foto o PDF…  (Ctrl+O)")
        for widget, action in ((self.camera_button, self.open_camera),
                               (self.import_button, self.import_file)):
            widget.clicked.connect(action)
        self.shortcuts = add_shortcuts(screen, [
            ("Ctrl+K", self.open_camera), ("Ctrl+O", self.import_file),
            ("Ctrl+Return", self.confirm), ("Ctrl+Enter", self.confirm),
            ("Esc", self.back)])
        self.currentChanged.connect(self._page_changed)
        self._page_changed(MANUAL)

    # --- pages --------------------------------------------------------------------------

    def _camera_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.camera = CameraPanel()
        self.camera.captured.connect(self._captured)
        self.camera.failed.connect(self._camera_failed)
        self.camera.ended.connect(self._camera_ended)
        layout.addWidget(self.camera, 1)
        row = QHBoxLayout()
        self.skip_qr_button = button("Seguir sin el código QR")
        self.skip_qr_button.clicked.connect(self._skip_closeup)
        self.skip_qr_button.hide()
        back = button("Volver a la carga manual  (Esc)")
        back.clicked.connect(self.back)
        file_button = button("Importar foto o PDF…  (Ctrl+O)")
        file_button.clicked.connect(self.import_file)
        for widget in (back, file_button, self.skip_qr_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    def _reading_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.reading_label = QLabel("Leyendo la factura…")
        self.reading_label.setObjectName("bigNumber")
        layout.addWidget(self.reading_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the OCR does not say how far it is
        self.progress.setMaximumWidth(520)
        layout.addWidget(self.progress)
        layout.addWidget(hint("Se buscan la hoja, el código QR, los datos del comprobante y "
                              "las líneas. Tarda unos segundos."))
        layout.addStretch(2)
        return page

    def _review_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.review_view = ReviewView()
        self.review_view.choose.connect(self._choose)
        self.review_view.search_wanted.connect(self._search_for)
        layout.addWidget(self.review_view, 1)
        row = QHBoxLayout()
        self.search = ProductSearch(self.screen, self.review_view.table.selected_row)
        self.search.picked.connect(self._choose)
        row.addWidget(self.search, 1)
        self.discard_button = button("Descartar  (Esc)")
        self.discard_button.clicked.connect(self.back)
        self.confirm_button = button("Confirmar recepción  (Ctrl+Enter)", primary=True)
        self.confirm_button.clicked.connect(self.confirm)
        row.addWidget(self.discard_button)
        row.addWidget(self.confirm_button)
        layout.addLayout(row)
        return page

    def _page_changed(self, index: int) -> None:
        for shortcut in self.shortcuts[2:]:  # Ctrl+Enter and Esc: only off the manual form
            shortcut.setEnabled(index != MANUAL)
        if index != CAMERA:
            self.camera.stop()

    @property
    def manual_shown(self) -> bool:
        return self.currentIndex() == MANUAL

    # --- capture and import -------------------------------------------------------------

    def open_camera(self) -> None:
        if self.busy or self.currentIndex() in (READING, REVIEW):
            return
        self.screen.run_task(camera_choice, self.screen.store, on_done=self._start_camera)

    def _start_camera(self, choice: str | None, *, closeup: bool = False) -> None:
        self.choice = choice or "0"
        self.screen.clear_message()
        self.skip_qr_button.setVisible(closeup)
        self.setCurrentIndex(CAMERA)
        self.camera.start(self.choice, closeup=closeup)
        self.camera.setFocus()

    def import_file(self) -> None:
        if self.busy or self.currentIndex() == REVIEW:
            return
        dialog = QFileDialog(self, "Importar la factura (foto o PDF)")
        dialog.setNameFilter(FILE_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.read_path)
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()

    def read_path(self, path: str) -> None:
        """Read a photo or PDF (the import dialog's choice; tests call it directly)."""
        if not path or self.busy:
            return
        self.camera.stop()
        self._reading(f"Leyendo {Path(path).name}…")
        self.screen.run_task(read_file, self.screen.store, path, on_done=self._read,
                             on_error=self._read_failed)

    def _captured(self, frame: np.ndarray, closeup: bool) -> None:
        pending = self.capture
        if closeup and pending is not None and pending.frame is not None:
            frame, closeups = pending.frame, [*pending.closeups, frame]
        else:
            closeups = []
        self._reading("Leyendo la factura…")
        self.screen.run_task(read_frame, self.screen.store, frame, closeups,
                             on_done=self._read, on_error=self._read_failed)

    def _reading(self, text: str) -> None:
        self.busy = True
        self.reading_label.setText(text)
        self.screen.show_notice(text, "info")
        self.setCurrentIndex(READING)

    def _read(self, capture: Capture) -> None:
        self.busy = False
        if capture.review is None:
            self._read_failed(capture.reading.error or "")
            return
        if capture.reading.needs_qr_closeup and capture.frame is not None \
                and not capture.closeups:
            self.capture = capture
            self._start_camera(self.choice, closeup=True)
            self.screen.show_notice("El código QR de la factura se ve muy chico: acercalo a "
                                    "la cámara, o seguí sin él.", "info")
            return
        self._show_review(capture)

    def _skip_closeup(self) -> None:
        self.camera.stop()
        if self.capture is not None:
            self._show_review(self.capture)

    def _read_failed(self, error: BaseException | str) -> None:
        self.busy = False
        self.capture = None
        self.setCurrentIndex(MANUAL)
        detail = "" if isinstance(error, str) else self.screen_message(error)
        self.screen.show_error(
            "No se pudo leer la factura" + (f": {detail}" if detail else ".")
            + " No se registró nada: probá con otra foto, o cargala a mano.")

    @staticmethod
    def screen_message(error: BaseException) -> str:
        from desktop.ui.messages import UNEXPECTED, message_for

        text = message_for(error)
        return "" if text == UNEXPECTED else text.rstrip(".")

    def _camera_failed(self, text: str) -> None:
        self.setCurrentIndex(MANUAL)
        self.screen.show_error(text)

    def _camera_ended(self) -> None:
        self.setCurrentIndex(MANUAL)
        self.screen.show_error("El video terminó sin que se pudiera capturar la factura. "
                               "Probá de nuevo o importá una foto.")

    # --- review -------------------------------------------------------------------------

    def _show_review(self, capture: Capture) -> None:
        assert capture.review is not None
        self.capture = capture
        review = capture.review
        self.review_view.show_review(review, capture.page)
        self.search.reset()
        self.setCurrentIndex(REVIEW)
        self.review_view.table.setFocus()
        if review.duplicate is not None:
            self.screen.show_error(review.duplicate)
        elif review.unmatched:
            self.screen.show_notice(
                "Revisá lo leído. " + count_text(len(review.unmatched), "línea", "líneas")
                + " sin asignar: elegí el producto en la columna «Producto asignado».", "info")
        else:
            self.screen.show_notice("Revisá lo leído y confirmá con Ctrl+Enter.", "info")

    def _search_for(self, row: int) -> None:
        self.search.start(row)

    def _choose(self, row: int, product_id: uuid.UUID) -> None:
        review = self.capture.review if self.capture is not None else None
        if review is None or self.busy:
            return
        self.busy = True

        def choose(session: object, _store_id: uuid.UUID) -> None:
            review.choose_product(session, row, product_id)  # type: ignore[arg-type]

        self.screen.run_task(in_session, self.screen.store, choose,
                             on_done=lambda _none: self._chosen(row),
                             on_error=self._choose_failed)

    def _chosen(self, row: int) -> None:
        self.busy = False
        self.review_view.refresh_row(row)
        self.search.reset()
        unmatched = self.capture.review.unmatched if self.capture and self.capture.review \
            else []
        if unmatched:
            self.review_view.table.selectRow(unmatched[0])
        self.screen.clear_message()

    def _choose_failed(self, error: BaseException) -> None:
        self.busy = False
        self.screen.show_error(error)

    def confirm(self) -> None:
        capture = self.capture
        if self.currentIndex() != REVIEW or capture is None or capture.review is None \
                or self.busy:
            return
        self.busy = True
        self.confirm_button.setEnabled(False)
        user = self.screen.user
        self.screen.show_notice("Registrando la recepción…", "info")
        self.screen.run_task(confirm_reviewed, self.screen.store, capture.review,
                             self.review_view.header(), capture.photo, capture.photo_name,
                             user.id if user is not None else None,
                             on_done=self._confirmed, on_error=self._refused)

    def _confirmed(self, result: IntakeResult) -> None:
        self.busy = False
        self.confirm_button.setEnabled(True)
        supplier = self.capture.review.draft.supplier if self.capture and \
            self.capture.review else None
        self.capture = None
        self.screen.context.sync.refresh_counts()
        self.setCurrentIndex(MANUAL)
        self.screen.show_notice(result_text(result, supplier.name if supplier else ""), "ok")

    def _refused(self, error: BaseException) -> None:
        self.busy = False
        self.confirm_button.setEnabled(True)
        self.screen.show_error(error)

    def back(self) -> None:
        """Esc: leave the camera, or discard the review (asked first)."""
        index = self.currentIndex()
        if index == CAMERA:
            self.camera.stop()
            self.capture = None
            self.setCurrentIndex(MANUAL)
            self.screen.clear_message()
        elif index == REVIEW and not self.busy and self.dialog is None:
            dialog = ConfirmDialog(self.screen, "¿Descartar la factura leída?",
                                   "No se registró nada. Podés volver a capturarla o cargarla "
                                   "a mano.", yes="Descartar", no="Seguir revisando",
                                   warning=True)
            self.dialog = dialog
            dialog.submitted.connect(dialog.accept)
            dialog.accepted.connect(self.discard)
            dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
            show_dialog(dialog)

    def _dialog_closed(self, dialog: ConfirmDialog) -> None:
        self.dialog = None
        dialog.deleteLater()

    def discard(self) -> None:
        self.capture = None
        self.setCurrentIndex(MANUAL)
        self.screen.clear_message()
