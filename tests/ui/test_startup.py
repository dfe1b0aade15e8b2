"""Start-up without a server: an empty folder asks for enrollment, an unbound one for the
operator passphrase; an unreachable server creates nothing and loses nothing typed."""

import os

from PySide6.QtCore import Qt

from desktop.app.settings import DesktopSettings
from desktop.ui.app import Launcher
from desktop.ui.enrollment import EnrollmentWizard
from desktop.ui.main_window import MainWindow
from desktop.ui.passphrase import PassphraseDialog
from tests.integration.desktop.store_folder import PASSPHRASE, make_store_folder, unused_url


def settings(machine_secret):
    return DesktopSettings.load(machine_secret_path=machine_secret)


def close(qtbot, window):
    qtbot.addWidget(window)
    if isinstance(window, MainWindow):
        window.close()


def test_enrollment_with_an_unreachable_server_says_so_and_creates_nothing(qtbot, tmp_path):
    data_dir = tmp_path / "caja1"
    launcher = Launcher(data_dir, settings(tmp_path / "machine.key"), start_sync=False)
    wizard = launcher.start()
    qtbot.addWidget(wizard)
    assert isinstance(wizard, EnrollmentWizard) and wizard.isVisible()
    url = unused_url()
    wizard.server.setText(url)
    wizard.token.setText("un-codigo-de-alta")
    wizard.passphrase.setText(PASSPHRASE)
    wizard.passphrase_again.setText("otra frase distinta")
    qtbot.mouseClick(wizard.submit, Qt.MouseButton.LeftButton)
    assert wizard.banner.text() == "Las frases de acceso no coinciden."
    wizard.passphrase_again.setText(PASSPHRASE)

    qtbot.keyClick(wizard.passphrase_again, "\r")
    assert wizard.pages.currentIndex() == 1  # the progress page while it tries
    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == 0, timeout=20_000)

    assert wizard.banner.kind == "error"
    assert wizard.banner.text().startswith("No se pudo conectar con el servidor.")
    assert not data_dir.exists() or not any(data_dir.iterdir())
    assert not (tmp_path / "machine.key").exists()
    assert (wizard.server.text(), wizard.token.text()) == (url, "un-codigo-de-alta")
    assert wizard.passphrase.text() == PASSPHRASE and launcher.window is None


def test_an_unbound_folder_asks_the_passphrase_then_binds_this_pc(qtbot, tmp_path):
    store, machine_secret = make_store_folder(tmp_path)
    data_dir = store.data_dir
    store.engine.dispose()
    os.remove(machine_secret)  # the disk moved to another PC
    other_pc = tmp_path / "otra-pc.key"

    launcher = Launcher(data_dir, settings(other_pc), start_sync=False)
    dialog = launcher.start()
    qtbot.addWidget(dialog)
    assert isinstance(dialog, PassphraseDialog)
    dialog.passphrase.setText("no es esta")
    qtbot.keyClick(dialog.passphrase, "\r")
    qtbot.waitUntil(lambda: dialog.banner.kind == "error")
    assert dialog.banner.text().startswith("Frase de acceso incorrecta")
    assert launcher.window is None

    dialog.passphrase.setText(PASSPHRASE)
    qtbot.keyClick(dialog.passphrase, "\r")
    qtbot.waitUntil(lambda: launcher.window is not None)
    window = launcher.window
    close(qtbot, window)
    assert window.isVisible() or window.pages.currentWidget() is window.login
    window.context.store.engine.dispose()

    again = Launcher(data_dir, settings(other_pc), start_sync=False).start()
    close(qtbot, again)
    assert isinstance(again, MainWindow)  # bound: no passphrase this time
    again.context.store.engine.dispose()
