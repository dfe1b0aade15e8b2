"""`minimarket demo` opens a store PC of S1 on the local central; its cashier logs in."""

import pytest

from central.demo import DEMO_CASHIER, seed_demo
from central.runtime import open_central
from desktop.app.auth import LoginRefused, login
from desktop.app.store import open_store, stock
from minimarket.demo_desktop import display_available, enroll_demo_folder
from shared.db.migrate import upgrade
from tests.e2e.sync.test_http_sync import Central as CentralProcess


def test_the_demo_store_pc_enrolls_once_and_its_cashier_logs_in_with_the_pin(
        pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIMARKET_DATA_DIR", str(tmp_path))
    central = open_central(pg_url, require_schema=False)
    upgrade(central.engine)
    with central.transaction() as (session, recorder):
        summary = seed_demo(session, recorder, admin_password="contraseña-de-prueba")
    assert summary.cashier_pin is not None and len(summary.cashier_pin) == 4
    server = CentralProcess(pg_url, tmp_path / "central")
    server.start()
    try:
        folder = tmp_path / "demo-caja"
        machine = enroll_demo_folder(central, server.url, folder)
        assert enroll_demo_folder(central, server.url, folder) == machine  # reused, not again
        store = open_store(folder, passphrase=None, machine_secret=machine)
        snapshot = stock(store)
        assert snapshot["store"] == "S1" and len(snapshot["items"]) == summary.products
        user = login(store, DEMO_CASHIER, summary.cashier_pin)
        assert user.role == "cajero" and user.username == DEMO_CASHIER
        wrong = "0000" if summary.cashier_pin != "0000" else "1111"
        with pytest.raises(LoginRefused):
            login(store, DEMO_CASHIER, wrong)
        store.engine.dispose()
    finally:
        server.stop()
        central.engine.dispose()


def test_no_window_is_opened_without_a_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not display_available()
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not display_available()
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert display_available()
