"""Stock (F4) driven from the keyboard on a real SQLCipher folder: search, history, and a
provisional product for an unknown barcode."""

import threading
import uuid
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop.app.intake import IntakeDraft, confirm_intake, supplier_by_cuit
from desktop.app.stock_actions import move
from desktop.ui.screens import stock_screen
from desktop.ui.screens.backoffice_widgets import SHORT_BG
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.ids import new_id
from shared.ops.apply import apply_operations
from shared.ops.model import Operation, OpKind
from tests.integration.desktop.store_folder import STORE_ID
from tests.ui.backoffice_store import KNOWN_CUIT, ean13, level, open_screen, outbox_entities

UNKNOWN_EAN = ean13("779999000001")


@pytest.fixture
def desk(qtbot, store_folder, make_window):
    desk = open_screen(qtbot, make_window, store_folder[0], Qt.Key.Key_F4)
    assert desk.screen.key == "stock" and desk.screen.search.hasFocus()
    return desk


def type_search(qtbot, screen, text):
    screen.search.clear()
    qtbot.keyClicks(screen.search, text)
    qtbot.waitUntil(lambda: screen.shown_query == text and not screen.searching
                    and not screen.timer.isActive())


def column(screen, number):
    return [screen.table.text(row, number) for row in range(screen.table.rowCount())]


def test_a_typo_without_accents_finds_the_product_and_short_rows_are_highlighted(qtbot, desk):
    screen = desk.screen
    type_search(qtbot, screen, "azucr ledesma")  # "Azúcar": a letter missing, no accent
    assert column(screen, 0) == ["AZ1"]
    assert [screen.table.text(0, c) for c in range(5)] == [
        "AZ1", "Azúcar Ledesma 1 kg", "12", "$ 1.500,00", "5"]
    assert screen.table.item(0, 0).background().color().name() != SHORT_BG
    assert screen.result_label.text() == "1 producto"

    type_search(qtbot, screen, "queso")  # 0,750 kg, minimum 1 kg: below
    assert [screen.table.text(0, c) for c in range(5)] == [
        "QU1", "Queso cremoso", "0,750 kg", "$ 8.000,00 /kg", "1,000 kg"]
    assert screen.table.item(0, 2).background().color().name() == SHORT_BG
    assert screen.table.item(0, 2).font().bold()

    type_search(qtbot, screen, "tallarin")  # "tallarín"
    assert column(screen, 0) == ["FI1"] and column(screen, 4) == ["—"]
    type_search(qtbot, screen, "xyzzy")
    assert screen.table.rowCount() == 0 and screen.result_label.text() == "Ningún producto coincide"
    assert not screen.offer.isVisible()


def test_typing_is_debounced_and_searched_off_the_ui_thread(qtbot, desk, monkeypatch):
    screen = desk.screen
    calls = []
    real = stock_screen.search

    def recording(store, index, query):
        calls.append((query, threading.current_thread() is threading.main_thread()))
        return real(store, index, query)

    monkeypatch.setattr(stock_screen, "search", recording)
    type_search(qtbot, screen, "aceite girasol")
    assert calls and len(calls) < 3  # 14 keystrokes, one search after the pause
    assert not any(on_ui for _, on_ui in calls)
    assert calls[-1][0] == "aceite girasol" and column(screen, 0) == ["AC1"]


def test_enter_opens_the_history_with_kinds_people_and_a_duplicate_that_does_not_count(
        qtbot, desk):
    screen = desk.screen
    store = desk.store
    ids = desk.ids
    user_id = desk.user_id
    store.write(move, "Y1", MovementKind.SALE, Decimal(2))
    with store.transaction() as session:
        draft = IntakeDraft(supplier=supplier_by_cuit(session, KNOWN_CUIT), letter="A",
                            point_of_sale=3, number=1234)
        draft.add_line(session, "Y1", 10, Decimal("3000"))
    ours = store.write(confirm_intake, draft, user_id=user_id)
    with store.transaction() as session:  # another PC had confirmed the same invoice first
        mine = session.get(t.InvoiceConfirmation, ours.confirmation_id)
        apply_operations(session, [Operation(
            new_id(), mine.hlc - 1, uuid.uuid4(), None, OpKind.APPEND, "invoice_confirmation",
            new_id(), STORE_ID, {
                "invoice_id": str(uuid.uuid4()), "invoice_key": ours.invoice_key,
                "store_id": str(STORE_ID), "confirmed_at": mine.confirmed_at.isoformat(),
                "movements": [{"id": str(new_id()), "product_id": str(ids["Y1"]), "kind": 1,
                               "qty_milli": 10_000,
                               "occurred_at": mine.confirmed_at.isoformat()}]})])
    assert level(store, ids["Y1"]) == 12_000  # 4 counted - 2 sold + 10 once

    type_search(qtbot, screen, "yerba")
    assert screen.table.text(0, 2) == "12"
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == 1
                    and screen.history_table.rowCount() == 4)
    table = screen.history_table
    rows = [[table.text(row, c) for c in range(1, 5)] for row in range(table.rowCount())]
    assert rows == [
        ["Recepción (no cuenta)", "+10",  # ours: the other PC's came first
         "Factura A 00003-00001234 · factura ya registrada antes en otra PC o sucursal",
         "Ana Pérez"],
        ["Recepción", "+10", "—", "—"],  # as that PC sent it, without a reference
        ["Venta", "-2", "—", "—"],
        ["Conteo", "= 4", "—", "—"],
    ]
    assert table.item(0, 1).font().italic() and not table.item(1, 1).font().italic()
    assert screen.history_name.text() == "Yerba Mate Playadito 1 kg"
    assert "Stock 12" in screen.history_facts.text()

    qtbot.keyClick(screen.history_table, Qt.Key.Key_Escape)
    assert screen.pages.currentIndex() == 0 and screen.search.hasFocus()


def test_an_unknown_barcode_becomes_a_provisional_product_that_is_then_found(qtbot, desk):
    screen = desk.screen
    store = desk.store
    window = desk.window
    qtbot.keyClicks(screen.search, UNKNOWN_EAN)  # a scanner: the digits, then Enter
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.offer.isVisible())
    assert screen.table.rowCount() == 0 and screen.pages.currentIndex() == 0
    assert UNKNOWN_EAN in screen.offer_label.text()
    assert screen.offer_button.text() == "Crear producto provisorio  (Ctrl+N)"

    qtbot.keyClick(screen.search, Qt.Key.Key_Return)  # Enter again: make it
    qtbot.waitUntil(lambda: screen.dialog is not None and screen.dialog.isVisible())
    dialog = screen.dialog
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # no name yet
    qtbot.waitUntil(lambda: dialog.banner.kind == "error")
    assert dialog.banner.text() == "Escribí el nombre del producto."
    qtbot.keyClicks(dialog.name, "Alfajor triple de chocolate")
    dialog.price.setText("1.500,00")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.dialog is None and screen.table.rowCount() == 1)

    assert screen.banner.kind == "ok" and "PROV-" + UNKNOWN_EAN in screen.banner.text()
    assert screen.table.text(0, 0) == f"PROV-{UNKNOWN_EAN}"
    assert screen.table.text(0, 1) == "Alfajor triple de chocolate  · provisorio"
    assert screen.table.text(0, 3) == "$ 1.500,00" and screen.table.text(0, 2) == "0"
    assert not screen.offer.isVisible()
    with store.transaction() as session:
        product = session.scalars(select(t.Product).where(
            t.Product.sku == f"PROV-{UNKNOWN_EAN}")).one()
        assert product.provisional and product.name == "Alfajor triple de chocolate"
        users = set(session.scalars(select(t.OperationRow.user_id).where(
            t.OperationRow.entity.in_(["product", "barcode"]),
            t.OperationRow.device_id == store.replica.device_id)))
    assert users == {window.context.user.id}
    assert outbox_entities(store) == ["product", "barcode"]

    type_search(qtbot, screen, "alfajor tripel")  # and by name, with a typo
    assert column(screen, 0) == [f"PROV-{UNKNOWN_EAN}"]


def test_a_barcode_with_a_wrong_check_digit_offers_nothing(qtbot, desk):
    screen = desk.screen
    wrong = UNKNOWN_EAN[:-1] + str((int(UNKNOWN_EAN[-1]) + 1) % 10)
    type_search(qtbot, screen, wrong)
    assert screen.table.rowCount() == 0 and not screen.offer.isVisible()
