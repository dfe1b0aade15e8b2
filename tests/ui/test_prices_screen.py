"""Precios (F7): changes listed, ticked off, saved and printed to a file."""

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from desktop.app.prices import relabel_marks
from desktop.app.quantities import today
from desktop.ui.screens.prices_screen import print_labels
from tests.ui.backoffice_store import new_price, open_screen, pending, seed_backoffice


@pytest.fixture
def desk(qtbot, store_folder, make_window):
    store = store_folder[0]
    ids = seed_backoffice(store)
    new_price(store, ids["Y1"], 480_000, today() - timedelta(days=2))
    new_price(store, ids["AZ1"], 140_000, today() - timedelta(days=1))  # cheaper
    new_price(store, ids["FI1"], 99_000, today() + timedelta(days=3))  # not yet
    desk = open_screen(qtbot, make_window, store, Qt.Key.Key_F7, seed=False)
    desk.ids.update(ids)
    assert desk.screen.key == "precios"
    qtbot.waitUntil(lambda: desk.screen.table.rowCount() == 2)
    assert desk.screen.table.hasFocus()
    return desk


def rows(screen):
    table = screen.table
    return [[table.text(row, column) for column in range(1, 7)]
            for row in range(table.rowCount())]


def marked(store):
    with store.transaction() as session:
        return set(relabel_marks(session))


def test_a_change_is_listed_ticked_off_and_gone(qtbot, desk):
    screen, store, ids = desk.screen, desk.store, desk.ids
    day = today()
    assert rows(screen) == [
        ["AZ1", "Azúcar Ledesma 1 kg", "$ 1.500,00", "$ 1.400,00", "-$ 100,00",
         f"{day - timedelta(days=1):%d/%m/%Y}"],
        ["Y1", "Yerba Mate Playadito 1 kg", "$ 4.500,00", "$ 4.800,00", "+$ 300,00",
         f"{day - timedelta(days=2):%d/%m/%Y}"],
    ]
    assert screen.summary.text() == "2 productos cambiaron de precio desde la última etiqueta"
    before = pending(store)

    qtbot.keyClick(screen.table, Qt.Key.Key_Down)  # the yerba
    qtbot.keyClick(screen.table, Qt.Key.Key_Space)
    assert screen.ticked_label.text() == "1 tildado"
    qtbot.keyClick(screen.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1)
    assert rows(screen)[0][0] == "AZ1"
    assert screen.banner.text() == "1 producto marcado como reetiquetado."
    assert marked(store) == {ids["Y1"]}
    assert pending(store) == before  # marks stay on this PC: nothing to send

    qtbot.keyClick(screen.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert screen.ticked_label.text() == "1 tildado"
    qtbot.keyClick(screen.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 0)
    assert screen.summary.text() == "No hay cambios de precio para reetiquetar."
    assert marked(store) == {ids["Y1"], ids["AZ1"]}
    assert not screen.mark_button.isEnabled()

    new_price(store, ids["Y1"], 500_000, day)  # changed again: listed again
    qtbot.keyClick(screen, Qt.Key.Key_F1)
    qtbot.keyClick(desk.window.current_screen(), Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1)
    assert rows(screen)[0][2:5] == ["$ 4.800,00", "$ 5.000,00", "+$ 200,00"]


def test_the_list_is_saved_to_print_and_prints_to_a_pdf(qtbot, desk, tmp_path):
    screen = desk.screen
    qtbot.keyClick(screen.table, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.file_dialog is not None and screen.file_dialog.isVisible())
    target = tmp_path / "etiquetas.html"
    screen.file_dialog.selectFile(str(target))
    screen.file_dialog.accept()
    qtbot.waitUntil(lambda: screen.banner.kind == "ok")
    page = target.read_text(encoding="utf-8")
    assert "Yerba Mate Playadito 1 kg" in page and "$ 4.800,00" in page
    assert "Azúcar Ledesma 1 kg" in page and "$ 1.400,00" in page
    assert screen.banner.text().startswith(f"Lista guardada en {target}.")

    qtbot.keyClick(screen.table, Qt.Key.Key_Space)  # only the ticked one is printed
    text_file = tmp_path / "etiquetas.txt"
    screen._save_to(str(text_file))
    qtbot.waitUntil(lambda: text_file.exists())
    assert text_file.read_text(encoding="utf-8").splitlines() == [
        f"AZ1          {'Azúcar Ledesma 1 kg':<40}     $ 1.500,00 -> $ 1.400,00  (desde "
        f"{today() - timedelta(days=1):%d/%m/%Y})"]

    pdf = tmp_path / "etiquetas.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(pdf))
    print_labels(screen.to_print(), printer)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
