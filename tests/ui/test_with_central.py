"""The desktop app against a real `central up` process on PostgreSQL, over HTTP."""

import uuid
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy.orm import Session

from central import identity
from desktop.app import store as store_actions
from desktop.app.settings import DesktopSettings
from desktop.app.stock_actions import move
from desktop.ui.app import Launcher
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.db.stock_levels import cached_levels
from shared.domain.enums import MovementKind
from shared.ops.recorder import Recorder, load_replica
from shared.security.passwords import Hasher
from tests.e2e.sync.test_http_sync import Central
from tests.integration.desktop.store_folder import PASSPHRASE
from tests.ui.conftest import log_in

PRODUCT = uuid.UUID(int=7)


@pytest.fixture
def hq(pg_url, tmp_path):
    """Central with store S1, a product and a cashier whose PIN is 4321."""
    engine = create_db_engine(pg_url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        store_id = identity.add_store(session, recorder, "S1", "Centro")
        recorder.upsert("product", PRODUCT, {"sku": "Y1", "name": "Yerba", "unit": "unidad"})
        user_id = identity.add_user(session, recorder, "dora", "contraseña larga", "cajero",
                                    "S1", full_name="Dora Luna")
        recorder.upsert("user", user_id, {"pin_hash": Hasher("test").hash("4321")},
                        store_id=store_id)
    server = Central(pg_url, tmp_path)
    server.start()
    yield server, engine, store_id
    server.stop()
    engine.dispose()


def token_for(engine):
    with Session(engine) as session, session.begin():
        return identity.create_enrollment_token(session, "S1", ttl_hours=1)


def enrolled_store(tmp_path, server, engine, name="caja1"):
    store, _ = store_actions.enroll(tmp_path / name, server.url, token_for(engine),
                                    passphrase=PASSPHRASE,
                                    machine_secret=tmp_path / f"{name}.key")
    return store


def open_sync_screen(qtbot, make_window, store):
    window = make_window(store)
    log_in(qtbot, window, "dora", "4321")
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_F8)
    return window, window.current_screen()


def test_the_wizard_enrolls_against_central_then_the_main_window_opens(qtbot, hq, tmp_path):
    server, engine, _ = hq
    data_dir = tmp_path / "caja1"
    settings = DesktopSettings.load(machine_secret_path=tmp_path / "machine.key")
    launcher = Launcher(data_dir, settings, start_sync=False)
    wizard = launcher.start()
    qtbot.addWidget(wizard)
    wizard.server.setText(server.url + "/")
    wizard.token.setText(token_for(engine))
    wizard.pc_name.setText("Caja 1")
    wizard.passphrase.setText(PASSPHRASE)
    wizard.passphrase_again.setText(PASSPHRASE)
    qtbot.mouseClick(wizard.submit, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == 2, timeout=60_000)
    assert wizard.done_banner.text().startswith("Alta completa: esta PC es el dispositivo")
    assert wizard.received >= 3  # the store, the product, the cashier
    assert "Recibiendo datos de la sucursal" in wizard.progress_label.text()
    assert (data_dir / "store.db").is_file()
    qtbot.keyClick(wizard.finish_button, "\r")

    window = launcher.window
    assert window is not None
    qtbot.addWidget(window)
    assert window.isVisible() and not wizard.isVisible()
    log_in(qtbot, window, "dora", "4321")  # a PIN set at HQ, checked on this PC
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    assert window.user_label.text() == "Usuario: Dora Luna (cajero)"
    with Session(engine) as session:
        from shared.db import tables as t

        device = session.get(t.Device, window.context.store.replica.device_id)
        assert device is not None and device.name == "Caja 1"
    window.close()
    window.context.store.engine.dispose()


def test_sync_now_sends_the_pending_operations(qtbot, hq, tmp_path, make_window):
    server, engine, store_id = hq
    store = enrolled_store(tmp_path, server, engine)
    store.write(move, "Y1", MovementKind.INTAKE, Decimal(5))
    store.write(move, "Y1", MovementKind.SALE, Decimal(2))
    window, screen = open_sync_screen(qtbot, make_window, store)
    qtbot.waitUntil(lambda: screen.pending_value.text() == "2")
    assert screen.pending_table.rowCount() == 2

    qtbot.mouseClick(screen.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.sync.running and screen.pending_value.text() == "0",
                    timeout=30_000)

    assert screen.pending_table.rowCount() == 0 and screen.refused_value.text() == "0"
    assert screen.connection_value.text() == "En línea"
    assert screen.banner.text().startswith("Sincronizado. Enviadas: 2;")
    assert screen.last_sync_value.text() not in ("Nunca", "—")
    assert window.connection_label.text() == "● En línea"
    assert window.pending_label.text() == "Pendientes: 0"
    with Session(engine) as session:
        assert cached_levels(session)[(store_id, PRODUCT)] == 3000
    store.engine.dispose()


def test_a_refused_operation_is_listed_with_its_code_and_reason(qtbot, hq, tmp_path,
                                                               make_window):
    server, engine, _ = hq
    store = enrolled_store(tmp_path, server, engine)

    def create_product(session, recorder, store_id):  # only HQ writes a non-provisional one
        recorder.upsert("product", uuid.uuid4(), {"sku": "X9", "name": "Trucho",
                                                  "unit": "unidad"}, store_id=store_id)

    store.write(create_product)
    window, screen = open_sync_screen(qtbot, make_window, store)
    qtbot.mouseClick(screen.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.sync.running and screen.refused_value.text() == "1",
                    timeout=30_000)

    assert screen.pending_value.text() == "0"
    row = [screen.refused_table.item(0, column).text() for column in range(4)]
    assert row[1:] == ["Producto", "No permitida a una sucursal (forbidden_entity)",
                       "a store may only create a provisional product"]
    assert screen.banner.kind == "error"
    assert window.pending_label.text() == "Pendientes: 0 · Rechazadas: 1"
    store.engine.dispose()


def test_a_replaced_pc_s_unsent_sale_is_salvaged_from_configuracion(qtbot, hq, tmp_path,
                                                                   make_window):
    server, engine, store_id = hq
    old = enrolled_store(tmp_path, server, engine, "caja-vieja")
    old.write(move, "Y1", MovementKind.SALE, Decimal(4))  # never sent: then the PC breaks
    old.engine.dispose()
    new = enrolled_store(tmp_path, server, engine, "caja-nueva")
    window = make_window(new)
    log_in(qtbot, window, "dora", "4321")
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_F9)
    panel = window.current_screen().salvage

    panel.folder.setText(str(tmp_path / "caja-vieja"))
    panel.passphrase.setText("no es la frase")
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.banner.kind == "error", timeout=30_000)
    assert panel.banner.text().startswith("Frase de acceso incorrecta")

    panel.passphrase.setText(PASSPHRASE)
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.banner.kind == "ok", timeout=30_000)
    assert panel.banner.text().startswith("Recuperadas de la PC vieja: 1 operación")
    with Session(engine) as session:
        assert cached_levels(session)[(store_id, PRODUCT)] == -4000
    new.engine.dispose()
