"""The login page on a real store database: who gets in, and what the others read."""

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from desktop.app.auth import MAX_FAILURES, LoginRefused, login
from tests.ui.conftest import log_in


def test_a_cashier_logs_in_with_her_pin_and_lands_on_inicio(qtbot, store_folder, make_window):
    store, _ = store_folder
    window = make_window(store)
    assert window.current_screen() is None and window.pages.currentWidget() is window.login
    qtbot.waitUntil(lambda: "S1 – Centro" in window.login.store_label.text())

    log_in(qtbot, window)

    qtbot.waitUntil(lambda: window.current_screen() is not None)
    assert window.current_screen().key == "inicio"
    assert window.user.username == "ana"
    assert window.user_label.text() == "Usuario: Ana Pérez (cajero)"
    assert window.store_label.text() == "Sucursal: S1 – Centro"


def test_a_wrong_pin_is_said_in_spanish_and_keeps_the_login_page(qtbot, store_folder,
                                                                 make_window):
    store, _ = store_folder
    window = make_window(store)

    log_in(qtbot, window, secret="0000")

    qtbot.waitUntil(lambda: window.login.banner.isVisible())
    assert window.login.banner.text() == "Usuario, PIN o contraseña incorrectos."
    assert window.pages.currentWidget() is window.login and window.user is None
    assert window.login.secret.text() == "" and window.login.username.text() == "ana"
    assert window.login.submit.isEnabled()

    log_in(qtbot, window, secret="0000")  # the second failure asks to wait a second
    qtbot.waitUntil(lambda: "Podés reintentar en 1 s" in window.login.banner.text())
    assert not window.login.submit.isEnabled()
    qtbot.waitUntil(lambda: window.login.submit.isEnabled(), timeout=3000)
    assert window.login.banner.text() == "Ya podés volver a intentar."


def test_a_locked_user_reads_how_long_the_lockout_lasts(qtbot, store_folder, make_window):
    store, _ = store_folder
    at = datetime.now(UTC) - timedelta(seconds=30)
    for _ in range(MAX_FAILURES):  # failures spaced as the delays allow, 30 s ago
        try:
            login(store, "ana", "0000", now=at)
        except LoginRefused as error:
            at += timedelta(seconds=error.retry_after_seconds)
    window = make_window(store)

    log_in(qtbot, window)  # the right PIN, but locked

    qtbot.waitUntil(lambda: window.login.banner.isVisible())
    text = window.login.banner.text()
    assert text.startswith("Usuario bloqueado por demasiados intentos fallidos. Probá de "
                           "nuevo en 4 min"), text
    assert window.user is None and not window.login.submit.isEnabled()


def test_f_keys_do_nothing_before_login_and_ctrl_l_locks(qtbot, store_folder, make_window):
    store, _ = store_folder
    window = make_window(store)
    qtbot.keyClick(window.login.username, Qt.Key.Key_F8)
    assert window.current_screen() is None

    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    assert window.pages.currentWidget() is window.login and window.user is None
    assert window.user_label.text() == "Sin usuario"
    assert window.login.username.text() == "" and window.login.secret.text() == ""
