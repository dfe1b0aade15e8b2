"""Devolución (F3): a customer return with a required reason, on a real SQLCipher folder."""

import pytest
from PySide6.QtCore import Qt

from shared.domain.enums import MovementKind
from tests.ui.conftest import log_in
from tests.ui.counter_store import (
    PAN_EAN,
    YERBA_EAN,
    counter_movements,
    ean13,
    level,
    outbox_entities,
    seed_counter_catalog,
)

WEIGHT_LABEL = ean13("201234500350")  # Queso cremoso, 350 g


@pytest.fixture
def returns(qtbot, store_folder, make_window):
    store, _ = store_folder
    ids = seed_counter_catalog(store)
    window = make_window(store)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_F3)
    screen = window.current_screen()
    assert screen.key == "devolucion"
    qtbot.waitUntil(screen.search.hasFocus)
    return window, screen, store, ids


def enter(qtbot, widget, text=""):
    if text:
        qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def history_rows(screen):
    table = screen.history
    return [[table.item(row, column).text() for column in range(table.columnCount())]
            for row in range(table.rowCount())]


def test_a_return_without_a_reason_is_refused_then_recorded_with_one(qtbot, returns):
    window, screen, store, ids = returns
    enter(qtbot, screen.search, YERBA_EAN)
    qtbot.waitUntil(screen.quantity.hasFocus)
    assert screen.product_name.text() == "Yerba 1 kg"
    assert screen.product_details.text() == "Código Y1 · Precio $ 2.500,00 · Stock actual 10"
    assert screen.quantity.text() == "1"
    qtbot.keyClicks(screen.quantity, "2")  # the "1" is selected: typing replaces it
    enter(qtbot, screen.quantity)
    assert screen.reason.hasFocus()

    enter(qtbot, screen.reason)  # no reason
    qtbot.waitUntil(lambda: screen.banner.kind == "error")
    assert screen.banner.text() == "Indicá el motivo: es obligatorio para esta operación."
    assert counter_movements(store) == [] and level(store, ids["Y1"]) == 10_000
    assert screen.reason.hasFocus() and screen.product_name.text() == "Yerba 1 kg"

    qtbot.keyClick(screen.reason, Qt.Key.Key_Down)  # a common reason
    assert screen.reason.currentText() == "Vencido"
    qtbot.keyClick(screen, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: screen.banner.kind == "ok")
    assert screen.result_title.text() == ("✓ Devolución registrada: 2 de Yerba 1 kg · Motivo: "
                                          "Vencido")
    assert screen.refund.text() == "A reintegrar: <b>$ 5.000,00</b>"
    assert screen.new_level.text() == "Stock nuevo: <b>12</b>"
    assert history_rows(screen)[0][0] == "Yerba 1 kg · Vencido"
    assert history_rows(screen)[0][2:] == ["2", "$ 5.000,00", "12"]
    moves = counter_movements(store)
    assert [(m.product_id, m.kind, m.qty_milli, m.reason, m.reference, m.user_id)
            for m in moves] == [(ids["Y1"], MovementKind.CUSTOMER_RETURN, 2000, "Vencido",
                                 "return", window.context.user.id)]
    assert level(store, ids["Y1"]) == 12_000
    assert outbox_entities(store) == ["stock_movement"]
    qtbot.waitUntil(lambda: window.pending_label.text() == "Pendientes: 1")
    # ready for the next one
    assert screen.product_name.text() == "Ningún producto elegido"
    assert screen.reason.currentText() == "" and screen.search.hasFocus()


def test_a_product_found_by_name_and_a_typed_reason(qtbot, returns):
    _, screen, store, ids = returns
    enter(qtbot, screen.search, "queso")  # one match by name: chosen at once
    qtbot.waitUntil(screen.quantity.hasFocus)
    assert screen.product_name.text() == "Queso cremoso"
    assert screen.quantity_caption.text() == "Peso (kg)" and screen.quantity.text() == ""
    enter(qtbot, screen.quantity, "0,5")
    enter(qtbot, screen.reason, "Olor raro")
    qtbot.waitUntil(lambda: screen.banner.kind == "ok")
    assert screen.new_level.text() == "Stock nuevo: <b>2,500 kg</b>"
    assert screen.refund.text() == "A reintegrar: <b>$ 4.000,00</b>"

    # several matches: ↓ and Enter choose one
    enter(qtbot, screen.search, "c")  # cremoso, cocido
    qtbot.waitUntil(screen.results_table.isVisible)
    names = [screen.results_table.item(row, 0).text()
             for row in range(screen.results_table.rowCount())]
    assert sorted(names) == ["Jamón cocido", "Queso cremoso"] and screen.search.hasFocus()
    assert screen.banner.text() == "2 productos encontrados: elegí con ↑↓ y Enter."
    for _ in range(names.index("Jamón cocido")):
        qtbot.keyClick(screen.search, Qt.Key.Key_Down)
    enter(qtbot, screen.search)
    qtbot.waitUntil(screen.quantity.hasFocus)
    assert screen.product_name.text() == "Jamón cocido"
    qtbot.keyClick(screen, Qt.Key.Key_Escape)  # start over
    assert screen.product_name.text() == "Ningún producto elegido" and screen.search.hasFocus()

    # a scale label brings its weight
    enter(qtbot, screen.search, WEIGHT_LABEL)
    qtbot.waitUntil(screen.reason.hasFocus)
    assert screen.quantity.text() == "0,350" and not screen.quantity.isEnabled()
    enter(qtbot, screen.reason, "Fall")  # completes to a common reason
    qtbot.waitUntil(lambda: len(counter_movements(store)) == 2)
    qtbot.waitUntil(lambda: screen.banner.kind == "ok" and screen.chosen is None)
    assert [(m.product_id, m.qty_milli, m.reason) for m in counter_movements(store)] == [
        (ids["Q1"], 500, "Olor raro"), (ids["Q1"], 350, "Fallado / roto")]
    assert level(store, ids["Q1"]) == 2850
    assert [row[2] for row in history_rows(screen)] == ["0,350 kg", "0,500 kg"]


def test_an_unknown_code_and_a_missing_weight_are_explained(qtbot, returns):
    _, screen, store, _ = returns
    enter(qtbot, screen.search, "7790000000000")
    qtbot.waitUntil(lambda: screen.banner.kind == "error")
    assert screen.banner.text() == "No hay ningún producto con el código o nombre «7790000000000»."
    qtbot.keyClick(screen, Qt.Key.Key_F12)
    assert screen.banner.text() == ("Elegí primero el producto: escaneá el código o buscalo por "
                                    "nombre.")
    enter(qtbot, screen.search, PAN_EAN)
    qtbot.waitUntil(screen.quantity.hasFocus)
    enter(qtbot, screen.quantity)  # no weight typed
    enter(qtbot, screen.reason, "Vencido")
    qtbot.waitUntil(lambda: screen.banner.kind == "error")
    assert screen.banner.text() == ("Pan francés se vende por kilo: escribí el peso (por ejemplo "
                                    "0,750*) y volvé a escanearlo.")
    assert counter_movements(store) == []
