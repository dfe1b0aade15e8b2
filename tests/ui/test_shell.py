"""The main window's shell: navigation by F-keys, background sync, settings."""

import itertools
import time
from decimal import Decimal

from PySide6.QtCore import Qt, QTimer

from desktop.app import store as store_actions
from desktop.app.stock_actions import move
from desktop.app.store import SERVER_KEY
from shared.domain.enums import MovementKind
from tests.integration.desktop.store_folder import make_store_folder, unused_url
from tests.ui.conftest import log_in

F_KEYS = {
    Qt.Key.Key_F1: ("inicio", "Inicio"), Qt.Key.Key_F2: ("venta", "Venta"),
    Qt.Key.Key_F3: ("devolucion", "Devolución"), Qt.Key.Key_F4: ("stock", "Stock"),
    Qt.Key.Key_F5: ("recepcion", "Recepción"), Qt.Key.Key_F6: ("conteo", "Conteo"),
    Qt.Key.Key_F7: ("precios", "Precios"), Qt.Key.Key_F8: ("sincronizacion", "Sincronización"),
    Qt.Key.Key_F9: ("configuracion", "Configuración"),
}


def logged_in_window(qtbot, make_window, store, **kwargs):
    window = make_window(store, **kwargs)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    return window


def test_every_screen_opens_with_its_f_key_shown_on_its_button(qtbot, store_folder,
                                                              make_window):
    store, _ = store_folder
    window = logged_in_window(qtbot, make_window, store)
    for number, (key, (screen_key, title)) in enumerate(F_KEYS.items(), start=1):
        qtbot.keyClick(window.current_screen(), key)
        screen = window.current_screen()
        assert (screen.key, screen.title, screen.shortcut) == (screen_key, title, f"F{number}")
        assert window.nav_buttons[screen_key].isChecked()
        assert window.nav_buttons[screen_key].text() == f"F{number}   {title}"


def test_the_window_keeps_answering_during_a_long_sync(qtbot, tmp_path, make_window):
    # A real sync against a server that does not answer: the transport retries with
    # backoff for seconds. Meanwhile a timer must keep ticking and keys must work.
    store, _ = make_store_folder(tmp_path)
    slow_calls = []

    def slow_sync(store, **kwargs):
        slow_calls.append(time.monotonic())
        time.sleep(0.5)
        return store_actions.sync(store, **kwargs)

    window = logged_in_window(qtbot, make_window, store, sync_function=slow_sync)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)

    assert window.sync.sync_now()
    assert not window.sync.sync_now()  # never two at once
    qtbot.wait(300)
    assert window.sync.running
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_F4)
    assert window.current_screen().key == "stock" and window.sync.running
    assert window.connection_label.text() == "⟳ Sincronizando…"
    qtbot.waitUntil(lambda: not window.sync.running, timeout=20_000)
    timer.stop()

    took = time.monotonic() - slow_calls[0]
    assert len(slow_calls) == 1 and took > 2  # it really was long
    assert len(ticks) > took / 0.02 * 0.5  # the loop turned at least half the time
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(gaps) < 0.5
    assert window.connection_label.text() == "● Sin conexión"  # a state, not a dialog
    store.engine.dispose()


def test_offline_sync_keeps_the_pending_operations_and_says_so(qtbot, store_folder,
                                                               make_window):
    store, _ = store_folder
    store.write(move, "Y1", MovementKind.SALE, Decimal(2))  # sold while offline
    window = logged_in_window(qtbot, make_window, store)
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_F8)
    screen = window.current_screen()
    qtbot.waitUntil(lambda: screen.server_label.text().startswith("Servidor: http://"))

    qtbot.keyClick(screen, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert window.sync.running and not screen.sync_button.isEnabled()
    qtbot.waitUntil(lambda: not window.sync.running, timeout=20_000)

    assert screen.connection_value.text() == "Sin conexión"
    assert screen.banner.kind == "info"
    assert screen.banner.text().startswith("Sin conexión con el servidor.")
    assert screen.sync_button.isEnabled()
    assert screen.pending_value.text() == "1" and screen.pending_table.rowCount() == 1
    assert screen.pending_table.item(0, 1).text() == "Movimiento de stock"
    assert window.pending_label.text() == "Pendientes: 1"


def test_settings_save_a_server_address_and_refuse_a_bad_one(qtbot, store_folder,
                                                            make_window):
    store, _ = store_folder
    window = logged_in_window(qtbot, make_window, store)
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_F9)
    screen = window.current_screen()
    qtbot.waitUntil(lambda: screen.device_id.text() == str(store.replica.device_id))
    assert screen.store_label.text() == "S1 – Centro"
    assert screen.version.text() == store_actions.APP_VERSION
    assert screen.data_dir.text() == str(store.data_dir.resolve())
    assert screen.camera_box.choice.isEnabled()

    screen.server.setText("http://mal dirección:puerto")
    qtbot.keyClick(screen.server, "\r")
    qtbot.waitUntil(lambda: screen.banner.kind == "error")
    assert screen.banner.text().startswith("La dirección del servidor no es válida.")

    address = unused_url().removeprefix("http://")  # loopback only: nothing answers there
    screen.server.setText(f"  {address}/ ")
    qtbot.keyClick(screen.server, "\r")
    qtbot.waitUntil(lambda: screen.banner.kind == "ok")
    assert store.meta(SERVER_KEY) == f"http://{address}"
    assert screen.server.text() == f"http://{address}"
