"""Recepción by camera or file: capture, read, review, confirm — on a real SQLCipher folder.

The camera is a recorded clip (``write_capture_video``) fed through the same
``CameraSource`` a webcam uses. Real OCR costs about a second a page, so the readings
are few: the review tests start from the invoice's truth as a perfect reading.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from desktop.app.camera import CameraSource
from desktop.ui.camera_widget import CameraPanel
from desktop.ui.screens import intake_capture
from desktop.ui.screens.intake_capture import CAMERA, MANUAL, REVIEW
from desktop.ui.screens.intake_reading import Capture, _reviewed
from desktop.ui.screens.intake_review import PRODUCT, UNASSIGNED
from shared.db import tables as t
from shared.ocr.model import Box
from shared.ocr.synthetic import write_capture_video
from sync.attachments import AttachmentStore
from tests.integration.desktop.store_folder import STORE_ID
from tests.ui.backoffice_store import KNOWN_CUIT, level, open_screen
from tests.ui.capture_invoice import UNKNOWN_LINE, store_invoice, store_page


@pytest.fixture(scope="module")
def invoice():
    truth = store_invoice()
    return truth, store_page(truth)


@pytest.fixture(scope="module")
def clip(invoice, tmp_path_factory):
    path = tmp_path_factory.mktemp("camera") / "factura.avi"
    still = write_capture_video(path, invoice[1], np.random.default_rng(3))
    return path, still


@pytest.fixture
def desk(qtbot, store_folder, make_window):
    return open_screen(qtbot, make_window, store_folder[0], Qt.Key.Key_F5)


def perfect_reading(truth, page):
    """The truth as the pipeline would read it, with a few boxes to draw."""
    reading = truth.to_reading()
    reading.highlights = {"cuit": Box(60, 120, 420, 30), "number": Box(820, 130, 300, 32)}
    reading.confidence["number"] = 0.6  # amber: check it
    return reading


def fake_read_file(invoice, photo=b"%PDF-1.4 factura de prueba"):
    truth, page = invoice

    def read(store, path):
        reading = perfect_reading(truth, page)
        return Capture(reading, _reviewed(store, reading), page, photo, "factura.pdf")

    return read


def open_review(qtbot, desk, invoice, monkeypatch):
    monkeypatch.setattr(intake_capture, "read_file", fake_read_file(invoice))
    flow = desk.screen.capture_flow
    flow.read_path("factura.pdf")
    qtbot.waitUntil(lambda: flow.currentIndex() == REVIEW, timeout=10_000)
    return flow


def test_the_review_shows_what_was_read_and_flags_the_line_without_a_product(
        qtbot, desk, invoice, monkeypatch):
    flow = open_review(qtbot, desk, invoice, monkeypatch)
    view = flow.review_view
    assert view.cuit.text() == "30-50001091-2" and view.name.text() == "Distribuidora Sur SA"
    assert view.doc_type.currentText() == "Factura A"
    assert (view.point_of_sale.text(), view.number.text()) == ("00004", "00048301")
    assert view.issued_on.date().toString("dd/MM/yyyy") == "12/03/2026"
    assert "background" in view.number.styleSheet()  # read with 0.6: tinted to check it
    assert view.table.rowCount() == 4
    assert view.table.text(0, 1) == "Azúcar Ledesma 1 kg"
    review = flow.capture.review
    assert review.unmatched == [UNKNOWN_LINE]
    assert view.table.cellWidget(UNKNOWN_LINE, PRODUCT).currentText() == UNASSIGNED
    assert "Azúcar Ledesma" in view.table.cellWidget(0, PRODUCT).currentText()
    assert "1 línea sin asignar" in view.totals.text()
    assert "sin asignar" in desk.screen.banner.text()


def test_an_assigned_line_is_confirmed_with_its_photo_and_stock_goes_up(
        qtbot, desk, invoice, monkeypatch):
    sugar_before, oil_before = level(desk.store, desk.ids["AZ1"]), level(desk.store,
                                                                         desk.ids["AC1"])
    flow = open_review(qtbot, desk, invoice, monkeypatch)
    view = flow.review_view
    qtbot.keyClick(view.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not flow.busy)
    assert "Faltan asignar 1 línea" in desk.screen.banner.text()
    # "Buscar otro producto…" in the line's picker, then the search under the table
    combo = view.table.cellWidget(UNKNOWN_LINE, PRODUCT)
    combo.activated.emit(combo.findData("search"))
    assert flow.search.edit.hasFocus()
    qtbot.keyClicks(flow.search.edit, "aceite")
    qtbot.waitUntil(lambda: flow.search.results.isVisible())
    qtbot.keyClick(flow.search.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Aceite" in view.table.cellWidget(UNKNOWN_LINE, PRODUCT)
                    .currentText())
    assert not flow.capture.review.unmatched and "✓ todas asignadas" in view.totals.text()
    qtbot.keyClick(view.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: flow.currentIndex() == MANUAL, timeout=10_000)
    assert "Recepción registrada: Factura A 00004-00048301" in desk.screen.banner.text()
    assert level(desk.store, desk.ids["AZ1"]) == sugar_before + 10_000
    assert level(desk.store, desk.ids["AC1"]) == oil_before + 12_000
    photo = b"%PDF-1.4 factura de prueba"
    with desk.store.transaction() as session:
        invoice_row = session.scalars(select(t.SupplierInvoice).where(
            t.SupplierInvoice.number == 48_301)).one()
        assert invoice_row.issuer_cuit == KNOWN_CUIT and invoice_row.store_id == STORE_ID
        sha256 = invoice_row.photo_sha256
        assert sha256 == hashlib.sha256(photo).hexdigest()
        movements = session.scalars(select(t.StockMovement).where(
            t.StockMovement.product_id == desk.ids["AC1"])).all()
        assert [m.qty_milli for m in movements if m.qty_milli > 0] == [12_000]
    with AttachmentStore(desk.store.attachments_dir).open(sha256) as kept:
        assert kept.read() == photo

    # the same invoice again: refused, in the manual screen's words, nothing written twice
    flow = open_review(qtbot, desk, invoice, monkeypatch)
    assert "Comprobante ya registrado: Factura A 00004-00048301" in desk.screen.banner.text()
    flow.capture.review.remove_line(UNKNOWN_LINE)
    qtbot.keyClick(view.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not flow.busy)
    assert "Comprobante ya registrado" in desk.screen.banner.text()
    assert flow.currentIndex() == REVIEW
    assert level(desk.store, desk.ids["AZ1"]) == sugar_before + 10_000


def test_a_corrected_number_and_a_discarded_review_leave_the_manual_form_as_it_was(
        qtbot, desk, invoice, monkeypatch):
    desk.screen.point_of_sale.setText("7")  # typed by hand before trying the import
    flow = open_review(qtbot, desk, invoice, monkeypatch)
    view = flow.review_view
    view.number.setText("48302")
    assert view.header().number == 48_302
    qtbot.keyClick(view.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: flow.dialog is not None)
    qtbot.keyClick(flow.dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.currentIndex() == MANUAL)
    assert desk.screen.point_of_sale.text() == "7"
    with desk.store.transaction() as session:
        assert session.scalars(select(t.SupplierInvoice)).all() == []


def test_an_unreadable_file_says_so_in_spanish_and_records_nothing(
        qtbot, desk, tmp_path):
    junk = tmp_path / "factura.jpg"
    junk.write_bytes(b"esto no es una foto")
    flow = desk.screen.capture_flow
    flow.read_path(str(junk))
    qtbot.waitUntil(lambda: flow.currentIndex() == MANUAL and not flow.busy, timeout=10_000)
    text = desk.screen.banner.text()
    assert text.startswith("No se pudo leer la factura") and "No se registró nada" in text
    with desk.store.transaction() as session:
        assert session.scalars(select(t.SupplierInvoice)).all() == []


# --- the camera --------------------------------------------------------------------------


def nearest_frame(path, frame):
    """The index of the clip's frame most like ``frame``."""
    with CameraSource(path, paced=False) as camera:
        differences = []
        while (other := camera.read()) is not None:
            differences.append(float(cv2.absdiff(other, frame).mean()))
    return int(np.argmin(differences))


def test_the_camera_captures_by_itself_while_the_invoice_is_held_still(qtbot, clip):
    path, still = clip
    panel = CameraPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 500)
    panel.show()
    with qtbot.waitSignal(panel.captured, timeout=20_000) as captured:
        panel.start(str(path))
    frame, closeup = captured.args
    assert frame.shape == (1920, 1440, 3) and closeup is False  # full resolution
    assert nearest_frame(path, frame) in still
    assert panel.frames > 0 and not panel.running
    assert panel.view.current is not None and panel.view.current.ready
    assert panel.view.current.corners is not None


def test_espacio_captures_at_once(qtbot, tmp_path, invoice):
    photo = tmp_path / "mostrador.png"
    cv2.imwrite(str(photo), np.full((480, 640, 3), 90, np.uint8))  # no document at all
    panel = CameraPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.start(str(photo))
    qtbot.waitUntil(lambda: panel.frames >= 2)
    assert panel.view.hint.startswith("Poné la factura")
    with qtbot.waitSignal(panel.captured, timeout=5_000) as captured:
        qtbot.keyClick(panel, Qt.Key.Key_Space)
    assert captured.args[0].shape == (480, 640, 3)


def test_a_missing_camera_is_explained_and_the_manual_form_stays(qtbot, desk):
    desk.store.set_meta(camera="7")
    flow = desk.screen.capture_flow
    qtbot.keyClick(desk.screen, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: flow.currentIndex() == MANUAL and "No se encontró la cámara elegida"
                    in desk.screen.banner.text(), timeout=10_000)


def test_the_camera_opens_on_recepcion_and_esc_goes_back(qtbot, desk, clip):
    desk.store.set_meta(camera=str(clip[0]))
    flow = desk.screen.capture_flow
    flow.camera_button.click()
    qtbot.waitUntil(lambda: flow.currentIndex() == CAMERA and flow.camera.frames > 0)
    qtbot.keyClick(flow.camera, Qt.Key.Key_Escape)
    assert flow.currentIndex() == MANUAL and not flow.camera.running


def test_quantities_typed_on_the_review_go_to_the_draft(qtbot, desk, invoice, monkeypatch):
    flow = open_review(qtbot, desk, invoice, monkeypatch)
    view = flow.review_view
    view.table.setFocus()
    view.table.setCurrentCell(0, 3)
    qtbot.keyClick(view.table, "1")  # typing on a cell opens its editor
    editor = QApplication.focusWidget()
    assert editor is not view.table
    qtbot.keyClicks(editor, "2")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.capture.review.lines[0].line.quantity == Decimal(12))
    assert view.table.text(0, 3) == "12"


def test_configuracion_keeps_a_recorded_clip_as_the_camera_and_tries_it(
        qtbot, store_folder, make_window, clip):
    desk = open_screen(qtbot, make_window, store_folder[0], Qt.Key.Key_F9, seed=False)
    box = desk.screen.camera_box
    qtbot.waitUntil(lambda: "ninguna cámara" in box.status.text())
    assert box.choice.currentText().startswith("Cámara 1")
    box.choice.setCurrentIndex(box.choice.findData("file"))
    assert box.file.isVisible()
    box.file.setText(str(clip[0]))
    box.test_button.click()
    qtbot.waitUntil(lambda: "imágenes de 1440×1920" in box.status.text(), timeout=10_000)
    assert not box.preview.pixmap().isNull()
    box.save_button.click()
    qtbot.waitUntil(lambda: "Guardado" in desk.screen.banner.text())
    assert desk.store.meta("camera") == str(clip[0])


# --- real readings (Tesseract: a few seconds each) ---------------------------------------------


def test_the_clip_is_captured_and_read_into_the_review(qtbot, desk, clip, invoice):
    """The counter camera looks down on the page, which fills most of its portrait frame:
    the capture is read (QR and text) and the review shows the invoice as printed."""
    truth, _page = invoice
    desk.store.set_meta(camera=str(clip[0]))
    flow = desk.screen.capture_flow
    qtbot.keyClick(desk.screen, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: flow.currentIndex() == CAMERA)
    qtbot.waitUntil(lambda: flow.currentIndex() == intake_capture.READING, timeout=30_000)
    assert flow.reading_label.text() == "Leyendo la factura…"
    qtbot.waitUntil(lambda: not flow.busy, timeout=60_000)
    if flow.currentIndex() == CAMERA:  # the QR close-up is asked for: go on without it
        assert flow.camera.closeup and flow.skip_qr_button.isVisible()
        flow.skip_qr_button.click()
    qtbot.waitUntil(lambda: flow.currentIndex() == REVIEW, timeout=10_000)
    photo = cv2.imdecode(np.frombuffer(flow.capture.photo, np.uint8), cv2.IMREAD_COLOR)
    assert photo.shape == (1920, 1440, 3) and flow.capture.photo_name == "factura.jpg"
    assert not flow.review_view.photo.image.isNull()
    reading = flow.capture.reading
    assert (reading.supplier_cuit, reading.afip_code, reading.point_of_sale, reading.number,
            reading.date, reading.total, reading.cae) == (
        truth.supplier_cuit, truth.afip_code, truth.point_of_sale, truth.number, truth.date,
        truth.total, truth.cae)
    read_lines = {(line.description, line.quantity, line.amount) for line in reading.lines}
    true_lines = {(line.description, line.quantity, line.amount) for line in truth.lines}
    assert len(read_lines & true_lines) >= 2, reading.lines
    view = flow.review_view
    assert view.cuit.text() == "30-50001091-2"
    assert (view.point_of_sale.text(), view.number.text()) == ("00004", "00048301")
    assert view.issued_on.date().toString("dd/MM/yyyy") == "12/03/2026"
    assert view.table.rowCount() >= 2


def test_an_imported_photo_is_read_into_the_review(qtbot, desk, invoice, tmp_path):
    _truth, page = invoice
    path = tmp_path / "factura-mail.png"
    cv2.imwrite(str(path), page)
    flow = desk.screen.capture_flow
    flow.read_path(str(path))
    assert flow.currentIndex() == intake_capture.READING
    assert flow.reading_label.text() == "Leyendo factura-mail.png…"
    qtbot.waitUntil(lambda: not flow.busy, timeout=60_000)
    assert flow.currentIndex() == REVIEW, desk.screen.banner.text()
    assert flow.review_view.number.text() == "00048301"
    assert flow.capture.photo == path.read_bytes()
    assert flow.review_view.table.text(0, 1).startswith("Az")
