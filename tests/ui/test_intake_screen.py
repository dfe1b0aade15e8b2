"""Recepción manual (F5) typed like a person would, on a real SQLCipher folder."""

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from shared.db import tables as t
from shared.settings import business_day
from tests.integration.desktop.store_folder import STORE_ID
from tests.ui.backoffice_store import (
    AZUCAR_EAN,
    KNOWN_CUIT,
    YERBA_EAN,
    level,
    open_screen,
    outbox_entities,
)

NEW_CUIT = "30-71234567-1"  # no supplier has it


@pytest.fixture
def desk(qtbot, store_folder, make_window):
    desk = open_screen(qtbot, make_window, store_folder[0], Qt.Key.Key_F5)
    assert desk.screen.key == "recepcion" and desk.screen.supplier.edit.hasFocus()
    return desk


def keys(qtbot, widget, text):
    """Typed key by key; QTest only types ASCII, so an accented letter is sent by hand."""
    for char in text:
        if char.isascii():
            qtbot.keyClick(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                         char))


def type_into(qtbot, widget, text):
    widget.setFocus()
    widget.selectAll()
    keys(qtbot, widget, text)


def enter(qtbot, widget):
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def header(qtbot, screen, cuit, name, kind_index, point_of_sale, number):
    """Supplier (and the name of a new one), type, point of sale, number: Enter moves on."""
    type_into(qtbot, screen.supplier.edit, cuit)
    enter(qtbot, screen.supplier.edit)
    if name:
        qtbot.waitUntil(lambda: screen.supplier.name.hasFocus())
        keys(qtbot, screen.supplier.name, name)
        enter(qtbot, screen.supplier.name)
    qtbot.waitUntil(lambda: screen.doc_type.hasFocus())
    screen.doc_type.setCurrentIndex(kind_index)
    type_into(qtbot, screen.point_of_sale, point_of_sale)
    enter(qtbot, screen.point_of_sale)
    assert screen.number.hasFocus()
    qtbot.keyClicks(screen.number, number)
    enter(qtbot, screen.number)
    assert screen.lines.product.hasFocus()


def add(qtbot, screen, code, quantity="", cost=""):
    screen.lines.quantity.setText(quantity)
    screen.lines.cost.setText(cost)
    type_into(qtbot, screen.lines.product, code)
    enter(qtbot, screen.lines.product)
    qtbot.waitUntil(lambda: not screen.lines.adding)


def edit_cell(qtbot, screen, row, column, text):
    screen.lines.table.setFocus()
    screen.lines.table.setCurrentCell(row, column)
    qtbot.keyClick(screen.lines.table, text[0])  # typing on a cell opens its editor
    editor = QApplication.focusWidget()
    assert editor is not screen.lines.table
    keys(qtbot, editor, text[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.lines.table.hasFocus())


def test_a_provisional_supplier_intake_is_confirmed_offline_and_moves_stock(qtbot, desk):
    screen = desk.screen
    store = desk.store
    ids = desk.ids
    window = desk.window
    header(qtbot, screen, NEW_CUIT, "Almacén Norte SRL", 1, "7", "42")  # Factura B
    assert "sin registrar" in screen.supplier.status.text()
    qtbot.waitUntil(lambda: screen.doc_status.text()
                    == "Factura B 00007-00000042: no está registrado todavía.")

    add(qtbot, screen, YERBA_EAN, "12", "3025")  # a scan, quantity and cost typed first
    add(qtbot, screen, "azucr")  # a name with a typo: the one product it finds
    assert [(line.sku, line.qty_milli, line.unit_cost_cents) for line in screen.draft.lines] == [
        ("Y1", 12_000, 302_500), ("AZ1", 1_000, None)]
    assert screen.lines.table.text(1, 3) == "—"
    edit_cell(qtbot, screen, 1, 2, "10")
    edit_cell(qtbot, screen, 1, 3, "1105,00")
    assert [screen.lines.table.text(1, c) for c in range(5)] == [
        "AZ1", "Azúcar Ledesma 1 kg", "10", "$ 1.105,00", "$ 11.050,00"]
    assert "Total $ 47.350,00" in screen.lines.totals_label.text()  # 12 x 3025 + 10 x 1105
    assert screen.lines.cost_hint.text().startswith("Costos con IVA incluido")

    qtbot.keyClick(screen.lines.product, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: screen.banner.kind == "ok")
    assert screen.banner.text().startswith(
        "Recepción registrada: Factura B 00007-00000042 de Almacén Norte SRL (proveedor "
        "provisorio nuevo). Stock ahora: Yerba Mate Playadito 1 kg: 16, Azúcar Ledesma 1 kg: 22")
    assert level(store, ids["Y1"]) == 16_000 and level(store, ids["AZ1"]) == 22_000
    assert screen.draft.lines == [] and screen.supplier.edit.text() == ""
    assert screen.supplier.edit.hasFocus()

    with store.transaction() as session:
        supplier = session.scalars(select(t.Supplier).where(
            t.Supplier.cuit == "30712345671")).one()
        assert supplier.provisional and supplier.name == "Almacén Norte SRL"
        invoice = session.scalars(select(t.SupplierInvoice)).one()
        assert (invoice.afip_code, invoice.point_of_sale, invoice.number, invoice.store_id,
                invoice.supplier_id) == (6, 7, 42, STORE_ID, supplier.id)
        lines = session.scalars(select(t.InvoiceLine).order_by(t.InvoiceLine.line_no)).all()
        assert [(line.qty_milli, line.unit_cost_cents) for line in lines] == [
            (12_000, 302_500), (10_000, 110_500)]
        confirmation = session.scalars(select(t.InvoiceConfirmation)).one()
        assert confirmation.invoice_key == invoice.invoice_key
        confirmed_on = business_day(confirmation.confirmed_at)
        users = set(session.scalars(select(t.OperationRow.user_id).where(
            t.OperationRow.device_id == store.replica.device_id)))
    assert users == {window.context.user.id}
    assert sorted(set(outbox_entities(store))) == [
        "invoice_confirmation", "invoice_line", "supplier", "supplier_invoice"]
    qtbot.waitUntil(lambda: window.pending_label.text() == f"Pendientes: {len(outbox_entities(store))}")

    # The same document again: refused at once, and again when confirmed.
    header(qtbot, screen, NEW_CUIT, "", 1, "7", "42")
    assert screen.supplier.status.text() == "✓ Almacén Norte SRL · provisorio"
    qtbot.waitUntil(lambda: screen.doc_status.text().startswith("Comprobante ya registrado"))
    assert screen.doc_status.text() == (
        "Comprobante ya registrado: Factura B 00007-00000042 de CUIT 30-71234567-1, confirmado "
        f"el {confirmed_on:%d/%m/%Y} en la sucursal S1. No se carga dos veces.")
    add(qtbot, screen, YERBA_EAN, "12", "3025")
    qtbot.keyClick(screen.lines.product, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: screen.banner.kind == "error")
    assert screen.banner.text() == screen.doc_status.text()
    assert level(store, ids["Y1"]) == 16_000
    with store.transaction() as session:
        assert len(session.scalars(select(t.InvoiceConfirmation)).all()) == 1


def test_what_is_missing_is_shown_beside_each_field(qtbot, desk):
    screen = desk.screen
    qtbot.keyClick(screen.supplier.edit, Qt.Key.Key_F12)
    assert screen.banner.kind == "error"
    problems = {key: label.text() for key, label in screen.problem_labels.items()}
    assert problems == {
        "supplier": "Elegí el proveedor o escribí su CUIT.", "letter": "",
        "point_of_sale": "Falta.", "number": "Falta.",
        "date": "", "lines": "Agregá al menos un producto."}

    type_into(qtbot, screen.supplier.edit, "30-71234567-2")  # a wrong check digit
    qtbot.waitUntil(lambda: "dígito verificador" in screen.supplier.status.text())
    assert screen.supplier.supplier is None

    type_into(qtbot, screen.point_of_sale, "0")
    assert screen.problem_labels["point_of_sale"].text() == "Punto de venta: de 1 a 99.999."
    type_into(qtbot, screen.supplier.edit, "30500010912")  # the digits alone
    qtbot.waitUntil(lambda: screen.supplier.supplier is not None)
    assert screen.supplier.edit.text() == "30-50001091-2"  # as printed on invoices

    type_into(qtbot, screen.supplier.edit, "sur")  # by name: pick it with Enter
    qtbot.waitUntil(lambda: screen.supplier.choices.isVisible())
    enter(qtbot, screen.supplier.edit)
    assert screen.supplier.supplier.cuit == KNOWN_CUIT
    assert screen.supplier.edit.text() == "30-50001091-2"
    assert screen.problem_labels["supplier"].text() == ""  # updated as things are fixed

    add(qtbot, screen, AZUCAR_EAN)  # no last cost known: the cost is missing
    assert screen.problem_labels["lines"].text() == "Falta el costo unitario de Azúcar Ledesma 1 kg."
    assert screen.lines.table.item(0, 3).background().color().name() == "#fdecea"
    add(qtbot, screen, "no existe nada así")
    assert screen.banner.text() == "No hay ningún producto con ese código."
    assert len(screen.draft.lines) == 1
    add(qtbot, screen, YERBA_EAN)
    assert [line.sku for line in screen.draft.lines] == ["AZ1", "Y1"]
    screen.lines.product.clear()
    qtbot.keyClick(screen.lines.product, Qt.Key.Key_Delete)  # Supr, the field empty: the chosen line
    assert [line.sku for line in screen.draft.lines] == ["AZ1"]
    assert screen.banner.text() == "Se quitó Yerba Mate Playadito 1 kg."

    qtbot.keyClick(screen.lines.product, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.dialog is not None and screen.dialog.isVisible())
    enter(qtbot, screen.dialog)  # discard
    qtbot.waitUntil(lambda: screen.dialog is None)
    assert screen.draft.lines == [] and screen.supplier.supplier is None
    assert not screen.lines.camera_button.isEnabled()
    assert screen.lines.camera_button.text() == "Cámara (próximamente)"
