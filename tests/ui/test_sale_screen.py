"""Venta / salida (F2) driven like a keyboard-wedge scanner, on a real SQLCipher folder."""

import uuid
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import identity
from shared.db import tables as t
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.db.stock_levels import cached_levels
from shared.domain.enums import MovementKind
from shared.ops.recorder import Recorder, load_replica
from shared.security.passwords import Hasher
from tests.e2e.sync.test_http_sync import Central
from tests.ui.conftest import log_in
from tests.ui.counter_store import (
    GALLETITAS_EAN,
    PAN_EAN,
    PRICES_FROM,
    SERVILLETAS_EAN,
    YERBA_EAN,
    counter_movements,
    ean13,
    level,
    outbox_entities,
    pending,
    seed_counter_catalog,
)
from tests.ui.test_with_central import enrolled_store

WEIGHT_LABEL = ean13("201234500350")  # Queso cremoso, 350 g
PRICE_LABEL = ean13("256789004000")  # Jamón cocido, $ 4.000
UNKNOWN_EAN = ean13("779999000001")


@dataclass
class Counter:
    window: object
    screen: object
    store: object
    ids: dict

    @property
    def user_id(self):
        return self.window.context.user.id


def open_sale_screen(qtbot, window, username="ana", secret="1234"):
    log_in(qtbot, window, username, secret)
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_F2)
    screen = window.current_screen()
    assert screen.key == "venta"
    qtbot.waitUntil(lambda: screen.cart is not None)
    assert screen.scan_field.hasFocus()
    return screen


@pytest.fixture
def counter(qtbot, store_folder, make_window):
    store, _ = store_folder
    ids = seed_counter_catalog(store)
    window = make_window(store)
    return Counter(window, open_sale_screen(qtbot, window), store, ids)


def idle(screen):
    """Nothing under way, and the keyboard back in the scan field."""
    return (not screen.working and not screen.scans and screen.dialog is None
            and screen.scan_field.hasFocus())


def scan(qtbot, screen, code):
    """What a scanner does: the digits, then Enter, into the focused field."""
    qtbot.keyClicks(screen.scan_field, code)
    qtbot.keyClick(screen.scan_field, Qt.Key.Key_Return)


def key(qtbot, screen, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(screen.scan_field, key, modifier)


def dialog_open(qtbot, screen):
    qtbot.waitUntil(lambda: screen.dialog is not None and screen.dialog.isVisible()
                    and screen.dialog.isActiveWindow())
    return screen.dialog


def cart_rows(screen):
    table = screen.cart_table
    return [[table.item(row, column).text() for column in range(table.columnCount())]
            for row in range(table.rowCount())]


def receipt_rows(screen):
    table = screen.receipt_table
    return [[table.item(row, column).text() for column in range(table.columnCount())]
            for row in range(table.rowCount())]


def test_a_multi_line_sale_with_weights_and_scale_labels_is_confirmed_with_f12(qtbot, counter):
    screen, store, ids = counter.screen, counter.store, counter.ids
    scan(qtbot, screen, YERBA_EAN)
    scan(qtbot, screen, YERBA_EAN)  # a repeated scan adds to its line
    qtbot.keyClicks(screen.scan_field, "3*")  # a quantity typed before the scan
    assert screen.quantity_chip.isVisible() and screen.quantity_chip.text() == "× 3"
    assert screen.scan_field.text() == ""
    scan(qtbot, screen, GALLETITAS_EAN)
    qtbot.keyClicks(screen.scan_field, "0,750*")  # a weight typed before the scan
    scan(qtbot, screen, PAN_EAN)
    scan(qtbot, screen, WEIGHT_LABEL)
    scan(qtbot, screen, PRICE_LABEL)
    qtbot.waitUntil(lambda: idle(screen) and screen.cart_table.rowCount() == 5)
    assert not screen.quantity_chip.isVisible()
    assert cart_rows(screen) == [
        ["Yerba 1 kg", "2", "$ 2.500,00", "$ 5.000,00"],
        ["Galletitas de agua", "3", "$ 1.200,50", "$ 3.601,50"],
        ["Pan francés", "0,750 kg", "$ 3.000,00 /kg", "$ 2.250,00"],
        ["Queso cremoso", "0,350 kg", "$ 8.000,00 /kg", "$ 2.800,00"],
        ["Jamón cocido", "0,400 kg", "$ 10.000,00 /kg", "$ 4.000,00"],
    ]
    assert screen.total_label.text() == "$ 17.651,50"

    # remove the galletitas: the arrows choose the line, Supr removes it
    for _ in range(3):
        key(qtbot, screen, Qt.Key.Key_Up)
    assert screen.cart_table.selected_row() == 1
    key(qtbot, screen, Qt.Key.Key_Delete)
    assert [row[0] for row in cart_rows(screen)] == [
        "Yerba 1 kg", "Pan francés", "Queso cremoso", "Jamón cocido"]
    assert screen.banner.text() == "Se quitó: Galletitas de agua."

    # F10 changes the chosen line's quantity
    key(qtbot, screen, Qt.Key.Key_Up)
    key(qtbot, screen, Qt.Key.Key_F10)
    dialog = dialog_open(qtbot, screen)
    assert dialog.value.text() == "2"
    dialog.value.clear()
    qtbot.keyClicks(dialog.value, "3")
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle(screen))
    assert cart_rows(screen)[0] == ["Yerba 1 kg", "3", "$ 2.500,00", "$ 7.500,00"]
    assert screen.total_label.text() == "$ 16.550,00"
    qtbot.waitUntil(screen.scan_field.hasFocus)  # focus is back for the next scan

    key(qtbot, screen, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: screen.receipt is not None)
    assert screen.heading.text().startswith("✓ Venta registrada a las ")
    assert (screen.total_caption.text(), screen.total_label.text()) == (
        "Total cobrado", "$ 16.550,00")
    assert receipt_rows(screen) == [
        ["Yerba 1 kg", "3", "$ 7.500,00", "7"],
        ["Pan francés", "0,750 kg", "$ 2.250,00", "2,250 kg"],
        ["Queso cremoso", "0,350 kg", "$ 2.800,00", "1,650 kg"],
        ["Jamón cocido", "0,400 kg", "$ 4.000,00", "0,600 kg"],
    ]
    assert not screen.warning.isVisible()
    assert len(screen.cart) == 0
    qtbot.waitUntil(screen.scan_field.hasFocus)

    moves = counter_movements(store)
    assert [(m.product_id, m.kind, m.qty_milli, m.reference) for m in moves] == [
        (ids["Y1"], MovementKind.SALE, -3000, "counter"),
        (ids["P1"], MovementKind.SALE, -750, "counter"),
        (ids["Q1"], MovementKind.SALE, -350, "counter"),
        (ids["J1"], MovementKind.SALE, -400, "counter")]
    assert {m.user_id for m in moves} == {counter.user_id}
    assert len({m.document_id for m in moves}) == 1
    assert [level(store, ids[sku]) for sku in ("Y1", "G1", "P1", "Q1", "J1")] == [
        7000, 5000, 2250, 1650, 600]
    assert outbox_entities(store) == ["stock_movement"] * 4
    qtbot.waitUntil(lambda: counter.window.pending_label.text() == "Pendientes: 4")

    # the next scan starts a new sale
    scan(qtbot, screen, GALLETITAS_EAN)
    qtbot.waitUntil(lambda: idle(screen) and screen.receipt is None)
    assert cart_rows(screen) == [["Galletitas de agua", "1", "$ 1.200,50", "$ 1.200,50"]]


def test_a_weighed_product_scanned_alone_asks_for_its_weight(qtbot, counter):
    screen = counter.screen
    scan(qtbot, screen, PAN_EAN)
    dialog = dialog_open(qtbot, screen)
    assert dialog.windowTitle() == "Minimarket: Producto pesable"
    qtbot.keyClicks(dialog.value, "1,5,")
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.banner.text().startswith("No es un número válido.")
    dialog.value.clear()
    qtbot.keyClicks(dialog.value, "1,250")
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle(screen) and screen.cart_table.rowCount() == 1)
    assert cart_rows(screen) == [["Pan francés", "1,250 kg", "$ 3.000,00 /kg", "$ 3.750,00"]]

    qtbot.keyClicks(screen.scan_field, "1,5*")  # a fraction of a unit is refused
    scan(qtbot, screen, YERBA_EAN)
    qtbot.waitUntil(lambda: idle(screen) and screen.banner.kind == "error")
    assert screen.banner.text() == ("Ese producto se vende por unidad: la cantidad va sin "
                                    "decimales.")
    assert screen.cart_table.rowCount() == 1

    key(qtbot, screen, Qt.Key.Key_Return)  # Enter on the empty field confirms
    qtbot.waitUntil(lambda: screen.receipt is not None)
    assert level(counter.store, counter.ids["P1"]) == 1750


def test_esc_cancels_the_cart_after_asking_and_records_nothing(qtbot, counter):
    screen, store = counter.screen, counter.store
    scan(qtbot, screen, YERBA_EAN)
    scan(qtbot, screen, GALLETITAS_EAN)
    qtbot.waitUntil(lambda: idle(screen) and screen.cart_table.rowCount() == 2)

    key(qtbot, screen, Qt.Key.Key_Escape)
    dialog = dialog_open(qtbot, screen)
    assert dialog.text.text() == ("Se descartan 2 líneas por $ 3.700,50. No se registra nada "
                                  "en el stock.")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # "No, seguir"
    qtbot.waitUntil(lambda: idle(screen))
    assert screen.cart_table.rowCount() == 2

    key(qtbot, screen, Qt.Key.Key_Escape)
    qtbot.keyClick(dialog_open(qtbot, screen), Qt.Key.Key_Return)  # "Sí, cancelar"
    qtbot.waitUntil(lambda: idle(screen))
    assert screen.cart_table.rowCount() == 0 and len(screen.cart) == 0
    assert screen.total_label.text() == "$ 0,00"
    assert screen.banner.text() == "Cancelado: no se registró nada."
    assert counter_movements(store) == [] and pending(store) == 0

    key(qtbot, screen, Qt.Key.Key_F12)  # nothing to confirm
    assert screen.banner.text() == ("No hay productos cargados: escaneá al menos uno antes de "
                                    "confirmar.")


def test_a_sale_that_drives_stock_negative_is_recorded_with_a_warning(qtbot, counter):
    screen, store, ids = counter.screen, counter.store, counter.ids
    qtbot.keyClicks(screen.scan_field, "12*" + YERBA_EAN)  # quantity and code in one go
    key(qtbot, screen, Qt.Key.Key_Return)
    scan(qtbot, screen, GALLETITAS_EAN)
    key(qtbot, screen, Qt.Key.Key_F12)  # pressed while the scans are still being read
    qtbot.waitUntil(lambda: screen.receipt is not None)

    assert receipt_rows(screen) == [["Yerba 1 kg", "12", "$ 30.000,00", "⚠ -2"],
                                    ["Galletitas de agua", "1", "$ 1.200,50", "4"]]
    assert screen.warning.isVisible()
    assert screen.warning.text() == ("⚠ Stock negativo: Yerba 1 kg (queda -2). Se registró igual "
                                     "y queda marcado para revisar en la central.")
    assert screen.total_label.text() == "$ 31.200,50"
    assert level(store, ids["Y1"]) == -2000 and level(store, ids["G1"]) == 4000
    assert [(m.product_id, m.qty_milli) for m in counter_movements(store)] == [
        (ids["Y1"], -12000), (ids["G1"], -1000)]


def test_an_unknown_barcode_becomes_a_provisional_product_and_is_sold(qtbot, counter):
    screen, store = counter.screen, counter.store
    qtbot.keyClicks(screen.scan_field, "2*")
    scan(qtbot, screen, UNKNOWN_EAN)
    dialog = dialog_open(qtbot, screen)
    assert dialog.windowTitle() == "Minimarket: Código desconocido"
    assert UNKNOWN_EAN in dialog.text.text()
    assert dialog.name.hasFocus()
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # no name: refused, nothing made
    qtbot.waitUntil(lambda: dialog.banner.kind == "error")
    assert dialog.banner.text() == "Escribí el nombre del producto."
    qtbot.keyClicks(dialog.name, "Alfajor triple")
    qtbot.keyClicks(dialog.price, "1.500,00")
    qtbot.keyClick(dialog.price, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle(screen) and screen.cart_table.rowCount() == 1)
    assert cart_rows(screen) == [["Alfajor triple", "2", "$ 1.500,00", "$ 3.000,00"]]
    assert screen.banner.text().startswith("Producto provisorio creado: Alfajor triple "
                                           f"(PROV-{UNKNOWN_EAN}).")

    key(qtbot, screen, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: screen.receipt is not None)
    with store.transaction() as session:
        product = session.scalars(select(t.Product).where(t.Product.provisional.is_(True))).one()
        assert (product.sku, product.name, product.unit) == (
            f"PROV-{UNKNOWN_EAN}", "Alfajor triple", "unidad")
        product_id = product.id
        made_by = session.scalars(select(t.OperationRow.user_id).where(
            t.OperationRow.entity_id == product_id)).one()
        assert made_by == counter.user_id
    assert [(m.product_id, m.qty_milli) for m in counter_movements(store)] == [
        (product_id, -2000)]
    assert level(store, product_id) == -2000 and screen.warning.isVisible()
    assert outbox_entities(store) == ["product", "barcode", "stock_movement"]


def test_a_line_without_a_shelf_price_asks_for_one(qtbot, counter):
    screen, store = counter.screen, counter.store
    scan(qtbot, screen, SERVILLETAS_EAN)
    dialog = dialog_open(qtbot, screen)
    assert dialog.windowTitle() == "Minimarket: Producto sin precio"
    qtbot.keyClicks(dialog.value, GALLETITAS_EAN)  # a scan while the dialog waits
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    assert dialog.banner.text() == "Eso parece un código de barras: ingresá el precio."
    dialog.value.clear()
    qtbot.keyClicks(dialog.value, "1.500")  # ambiguous: a thousand and a half, or 1,5?
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    assert dialog.banner.text().startswith("Ese número se lee de dos maneras")
    dialog.value.clear()
    qtbot.keyClicks(dialog.value, "850")
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle(screen))
    assert cart_rows(screen) == [["Servilletas x 50", "1", "$ 850,00", "$ 850,00"]]
    key(qtbot, screen, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: screen.receipt is not None)
    assert screen.total_label.text() == "$ 850,00"
    assert level(store, counter.ids["S1"]) == 3000


def test_ctrl_z_reverts_the_last_sale_once(qtbot, counter):
    screen, store, ids = counter.screen, counter.store, counter.ids
    qtbot.keyClicks(screen.scan_field, "3*")
    scan(qtbot, screen, YERBA_EAN)
    scan(qtbot, screen, WEIGHT_LABEL)
    qtbot.waitUntil(lambda: idle(screen) and screen.cart_table.rowCount() == 2)
    key(qtbot, screen, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: screen.receipt is not None)
    assert (level(store, ids["Y1"]), level(store, ids["Q1"])) == (7000, 1650)

    key(qtbot, screen, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    dialog = dialog_open(qtbot, screen)
    assert dialog.windowTitle() == "Minimarket: Anular la última operación"
    assert "venta de las" in dialog.text.text() and "$ 10.300,00" in dialog.text.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle(screen) and screen.banner.kind == "ok")
    assert screen.banner.text().startswith("Operación anulada a las ")
    assert screen.heading.text().startswith("✓ Anulación registrada a las ")
    assert (level(store, ids["Y1"]), level(store, ids["Q1"])) == (10_000, 2000)
    moves = counter_movements(store)
    assert [(m.qty_milli, m.reference) for m in moves] == [
        (-3000, "counter"), (-350, "counter"), (3000, "revert"), (350, "revert")]
    assert {m.user_id for m in moves} == {counter.user_id}
    with store.transaction() as session:
        audit = session.scalars(select(t.AuditEvent).where(
            t.AuditEvent.action == "counter.document_reverted")).one()
        assert (audit.user_id, audit.entity_id) == (counter.user_id, moves[0].document_id)

    key(qtbot, screen, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog_open(qtbot, screen), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle(screen) and screen.banner.kind == "error")
    assert screen.banner.text() == ("La última operación ya fue anulada: no se puede anular dos "
                                    "veces.")
    assert len(counter_movements(store)) == 4 and level(store, ids["Y1"]) == 10_000
    assert pending(store) == 4


def test_a_stock_out_other_than_a_sale_needs_a_reason(qtbot, counter):
    screen, store, ids = counter.screen, counter.store, counter.ids
    key(qtbot, screen, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Rotura / merma
    assert screen.mode.kind is MovementKind.WASTE and screen.mode_buttons[1].isChecked()
    assert screen.confirm_button.text() == "Registrar salida\nF12  ·  Enter"
    qtbot.keyClicks(screen.scan_field, "2*")
    scan(qtbot, screen, GALLETITAS_EAN)
    scan(qtbot, screen, SERVILLETAS_EAN)  # no price needed to throw it away
    qtbot.waitUntil(lambda: idle(screen) and screen.cart_table.rowCount() == 2)

    key(qtbot, screen, Qt.Key.Key_F12)
    dialog = dialog_open(qtbot, screen)
    assert dialog.windowTitle() == "Minimarket: Motivo: rotura / merma"
    assert [dialog.reason.itemText(i) for i in range(dialog.reason.count())][:2] == [
        "Rotura", "Vencido"]
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.banner.text() == "Indicá el motivo: es obligatorio para esta operación."
    assert counter_movements(store) == []
    qtbot.keyClicks(dialog.reason, "Se cayo al reponer")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.receipt is not None)

    assert screen.heading.text().startswith("✓ Rotura o merma registrada a las ")
    assert [(m.product_id, m.kind, m.qty_milli, m.reason, m.user_id)
            for m in counter_movements(store)] == [
        (ids["G1"], MovementKind.WASTE, -2000, "Se cayo al reponer", counter.user_id),
        (ids["S1"], MovementKind.WASTE, -1000, "Se cayo al reponer", counter.user_id)]
    assert level(store, ids["G1"]) == 3000
    assert screen.mode.kind is MovementKind.SALE  # the next customer is a sale again

    key(qtbot, screen, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # Uso interno
    scan(qtbot, screen, YERBA_EAN)
    qtbot.waitUntil(lambda: idle(screen) and screen.cart_table.rowCount() == 1)
    key(qtbot, screen, Qt.Key.Key_F12)
    dialog = dialog_open(qtbot, screen)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Down)  # the first common reason
    assert dialog.reason_text() == "Consumo del personal"
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.receipt is not None and idle(screen))
    last = counter_movements(store)[-1]
    assert (last.kind, last.qty_milli, last.reason) == (
        MovementKind.ADJUSTMENT, -1000, "Consumo del personal")


# --- against a real central -----------------------------------------------------------------

YERBA = uuid.UUID(int=7)


@pytest.fixture
def central_with_yerba(pg_url, tmp_path):
    """`central up` on PostgreSQL: store S1, a priced product with its barcode, a cashier."""
    engine = create_db_engine(pg_url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        store_id = identity.add_store(session, recorder, "S1", "Centro")
        recorder.upsert("product", YERBA, {"sku": "Y1", "name": "Yerba 1 kg", "unit": "unidad"})
        recorder.upsert("barcode", uuid.uuid4(), {"code": YERBA_EAN, "product_id": YERBA})
        recorder.append("price", {"product_id": YERBA, "store_id": None, "price_cents": 250_000,
                                  "effective_from": PRICES_FROM})
        user_id = identity.add_user(session, recorder, "dora", "contraseña larga", "cajero",
                                    "S1", full_name="Dora Luna")
        recorder.upsert("user", user_id, {"pin_hash": Hasher("test").hash("4321")},
                        store_id=store_id)
    server = Central(pg_url, tmp_path)
    server.start()
    yield server, engine, store_id, user_id
    server.stop()
    engine.dispose()


def test_a_sale_made_while_central_is_down_reaches_it_with_the_next_sync(
        qtbot, central_with_yerba, tmp_path, make_window):
    server, engine, store_id, dora = central_with_yerba
    store = enrolled_store(tmp_path, server, engine)  # the catalog comes down
    server.stop()  # then central goes down
    window = make_window(store)
    screen = open_sale_screen(qtbot, window, "dora", "4321")

    qtbot.keyClicks(screen.scan_field, "3*")
    scan(qtbot, screen, YERBA_EAN)
    scan(qtbot, screen, UNKNOWN_EAN)  # sold as a provisional product, offline
    dialog = dialog_open(qtbot, screen)
    qtbot.keyClicks(dialog.name, "Alfajor triple")
    qtbot.keyClicks(dialog.price, "1500")
    qtbot.keyClick(dialog.price, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle(screen) and screen.cart_table.rowCount() == 2)
    key(qtbot, screen, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: screen.receipt is not None)
    assert screen.total_label.text() == "$ 9.000,00"
    assert outbox_entities(store) == ["product", "barcode", "stock_movement", "stock_movement"]

    assert window.sync.sync_now()
    qtbot.waitUntil(lambda: not window.sync.running, timeout=60_000)
    assert window.connection_label.text() == "● Sin conexión"
    qtbot.waitUntil(lambda: window.pending_label.text() == "Pendientes: 4")

    server.start()  # central is back
    assert window.sync.sync_now()
    qtbot.waitUntil(lambda: not window.sync.running, timeout=60_000)
    assert window.connection_label.text() == "● En línea"
    qtbot.waitUntil(lambda: window.pending_label.text() == "Pendientes: 0")
    with Session(engine) as session:
        alfajor = session.scalars(select(t.Product).where(
            t.Product.sku == f"PROV-{UNKNOWN_EAN}")).one()
        assert alfajor.provisional and alfajor.name == "Alfajor triple"
        assert cached_levels(session)[(store_id, YERBA)] == -3000
        assert cached_levels(session)[(store_id, alfajor.id)] == -1000
        sold = session.scalars(select(t.StockMovement).where(
            t.StockMovement.store_id == store_id).order_by(t.StockMovement.hlc)).all()
        assert [(m.product_id, m.kind, m.qty_milli, m.user_id, m.device_id) for m in sold] == [
            (YERBA, MovementKind.SALE, -3000, dora, store.replica.device_id),
            (alfajor.id, MovementKind.SALE, -1000, dora, store.replica.device_id)]
    store.engine.dispose()
