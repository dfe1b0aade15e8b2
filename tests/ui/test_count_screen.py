"""Conteo (F6): scan, type what is on the shelf, review, commit or cancel, resume."""

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop.app.counting import count_item, start_count
from shared.db import tables as t
from tests.ui.backoffice_store import (
    AZUCAR_EAN,
    YERBA_EAN,
    ean13,
    level,
    open_screen,
    outbox_entities,
    seed_backoffice,
)


@pytest.fixture
def desk(qtbot, store_folder, make_window):
    desk = open_screen(qtbot, make_window, store_folder[0], Qt.Key.Key_F6)
    assert desk.screen.key == "conteo"
    qtbot.waitUntil(lambda: desk.screen.start_page.notes.hasFocus())
    return desk


def start(qtbot, screen, notes):
    qtbot.keyClicks(screen.start_page.notes, notes)
    qtbot.keyClick(screen.start_page.notes, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == 1 and screen.review is not None)
    assert screen.code.hasFocus()


def count(qtbot, screen, code, quantity):
    """Scan, then type the quantity: recorded at once, the answer beside the scan."""
    qtbot.keyClicks(screen.code, code)
    qtbot.keyClick(screen.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.quantity.hasFocus())
    qtbot.keyClicks(screen.quantity, quantity)
    qtbot.keyClick(screen.quantity, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.code.hasFocus() and not screen.busy
                    and screen.review is not None and code not in screen.code.text())


def review_rows(screen):
    table = screen.table
    return [[table.text(row, column) for column in range(6)] for row in range(table.rowCount())]


def answer_dialog(qtbot, screen):
    """Enter on the question the screen asks; returns what it said."""
    qtbot.waitUntil(lambda: screen.dialog is not None and screen.dialog.isVisible())
    dialog = screen.dialog
    text = dialog.text.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.dialog is None)
    return text


def test_two_items_with_a_difference_are_reviewed_and_committed(qtbot, desk):
    screen, store, ids = desk.screen, desk.store, desk.ids
    start(qtbot, screen, "Gondola 3")
    assert screen.session_label.text().startswith("Conteo abierto · «Gondola 3» · empezado el ")

    count(qtbot, screen, YERBA_EAN, "4")  # as expected
    assert screen.answer_name.text() == "Yerba Mate Playadito 1 kg  (Y1)"
    assert screen.answer_figures.text() == ("Contado <b>4</b> · esperado 4 · diferencia "
                                            "<b>0</b>")
    count(qtbot, screen, AZUCAR_EAN, "10")  # two missing
    assert "diferencia <b>-2</b>" in screen.answer_figures.text()
    assert level(store, ids["AZ1"]) == 10_000  # recorded when counted, before the commit
    qtbot.waitUntil(lambda: screen.table.rowCount() == 2)
    assert review_rows(screen) == [
        ["AZ1", "Azúcar Ledesma 1 kg", "12", "10", "-2", "10"],
        ["Y1", "Yerba Mate Playadito 1 kg", "4", "4", "0", "4"],
    ]
    assert screen.review_label.text() == "2 productos contados, 1 con diferencia"
    qtbot.keyClick(screen.code, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert [row[0] for row in review_rows(screen)] == ["AZ1"]

    qtbot.keyClick(screen.code, Qt.Key.Key_F12)
    question = answer_dialog(qtbot, screen)
    assert question == ("Se contaron 2 productos; 1 con diferencia. Lo contado ya corrigió el "
                        "stock: confirmar cierra el conteo.")
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == 0)
    assert screen.banner.text() == "Conteo confirmado: 2 productos, 1 con diferencia."
    assert level(store, ids["AZ1"]) == 10_000 and level(store, ids["Y1"]) == 4_000
    with store.transaction() as session:
        session_row = session.scalars(select(t.CountSession)).one()
        assert (session_row.status, session_row.notes) == ("committed", "Gondola 3")
        entries = session.scalars(select(t.CountEntry).where(
            t.CountEntry.count_session_id == session_row.id)).all()
        assert sorted(entry.qty_milli for entry in entries) == [4_000, 10_000]
        users = set(session.scalars(select(t.OperationRow.user_id).where(
            t.OperationRow.device_id == store.replica.device_id)))
    assert users == {desk.user_id}
    assert outbox_entities(store) == ["count_session", "count_entry", "count_entry",
                                      "count_session"]
    qtbot.waitUntil(lambda: screen.start_page.open_table.rowCount() == 0)


def test_a_recount_replaces_and_a_scale_label_counts_its_weight(qtbot, desk):
    screen, store, ids = desk.screen, desk.store, desk.ids
    start(qtbot, screen, "Fiambres")
    count(qtbot, screen, "az1", "11")  # a sku in any case
    count(qtbot, screen, AZUCAR_EAN, "12")
    assert "contado de nuevo" in screen.answer_name.text()
    qtbot.keyClicks(screen.code, ean13("201234500820"))  # 0,820 kg of cheese on the label
    qtbot.keyClick(screen.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Queso cremoso" in screen.answer_name.text() and not screen.busy)
    assert "Contado <b>0,820 kg</b>" in screen.answer_figures.text()
    qtbot.waitUntil(lambda: screen.table.rowCount() == 2)
    assert review_rows(screen) == [
        ["AZ1", "Azúcar Ledesma 1 kg", "12", "12", "0", "12"],
        ["QU1", "Queso cremoso", "0,750 kg", "0,820 kg", "+0,070 kg", "0,820 kg"],
    ]
    assert level(store, ids["QU1"]) == 820

    qtbot.keyClicks(screen.code, "no existe")
    qtbot.keyClick(screen.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.banner.kind == "error")
    assert screen.banner.text() == "No hay ningún producto con ese código."
    screen.code.clear()
    screen.clear_message()
    qtbot.keyClicks(screen.code, "AZ1")
    qtbot.keyClick(screen.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.quantity.hasFocus())
    qtbot.keyClicks(screen.quantity, "1,5")
    qtbot.keyClick(screen.quantity, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.banner.kind == "error")
    assert screen.banner.text() == "AZ1 se vende por unidad: la cantidad va sin decimales."
    assert screen.quantity.hasFocus() and level(store, ids["AZ1"]) == 12_000


def test_cancelling_warns_that_what_was_counted_stays(qtbot, desk):
    screen, store, ids = desk.screen, desk.store, desk.ids
    start(qtbot, screen, "")
    count(qtbot, screen, YERBA_EAN, "9")
    qtbot.keyClick(screen.code, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.dialog is not None and screen.dialog.isVisible())
    assert screen.dialog.text.text() == ("El producto ya contado queda registrado en el stock: "
                                         "cancelar no lo deshace. Si algo se contó mal, "
                                         "contalo de nuevo.")
    qtbot.keyClick(screen.dialog, Qt.Key.Key_Escape)  # thought better of it
    qtbot.waitUntil(lambda: screen.dialog is None and screen.isActiveWindow()
                    and screen.code.hasFocus())
    assert screen.pages.currentIndex() == 1
    qtbot.keyClick(screen.code, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    answer_dialog(qtbot, screen)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == 0)
    assert screen.banner.text() == "Conteo cancelado. Lo ya contado (1 producto) queda en el stock."
    assert level(store, ids["Y1"]) == 9_000
    with store.transaction() as session:
        assert session.scalars(select(t.CountSession.status)).one() == "cancelled"


def test_an_open_count_is_found_after_a_restart_and_resumed(qtbot, store_folder, make_window):
    store = store_folder[0]
    seed_backoffice(store)
    session_id = store.write(start_count, "Depósito")
    store.write(count_item, session_id, AZUCAR_EAN, Decimal(7))
    desk = open_screen(qtbot, make_window, store, Qt.Key.Key_F6, seed=False)
    screen = desk.screen
    qtbot.waitUntil(lambda: screen.start_page.open_table.rowCount() == 1)
    assert screen.start_page.open_table.text(0, 1) == "Depósito"
    assert screen.start_page.open_box.title() == "Conteos abiertos (1)"
    qtbot.keyClick(screen.start_page.notes, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1)
    assert review_rows(screen) == [["AZ1", "Azúcar Ledesma 1 kg", "12", "7", "-5", "7"]]
    assert screen.code.hasFocus()
