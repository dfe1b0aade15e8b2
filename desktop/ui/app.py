"""The desktop application: QApplication set-up and the start-up flow.

A data folder without a database opens the enrollment wizard; one that this PC's
machine slot opens goes straight to the login page; otherwise the operator passphrase
is asked (``MINIMARKET_STORE_PASSPHRASE`` answers it without a dialog).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QLocale, QObject
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.app.settings import DesktopSettings, load_desktop_settings
from desktop.app.startup import PassphraseRequired, needs_enrollment, open_for_desktop
from desktop.app.store import StoreData
from desktop.ui.enrollment import EnrollmentWizard
from desktop.ui.main_window import MainWindow
from desktop.ui.messages import message_for
from desktop.ui.passphrase import PassphraseDialog
from desktop.ui.sync_controller import SyncFunction
from desktop.ui.theme import apply_theme
from shared.domain.errors import MinimarketError


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (created once), themed and speaking es-AR."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(
        list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("Minimarket")
    app.setOrganizationName("Minimarket")
    QLocale.setDefault(QLocale(QLocale.Language.Spanish, QLocale.Country.Argentina))
    apply_theme(app)
    return app


class Launcher(QObject):
    """Decides the first window, and opens the main window once the store is open."""

    def __init__(self, data_dir: Path, settings: DesktopSettings, *,
                 sync_function: SyncFunction | None = None, start_sync: bool = True) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.settings = settings
        self.sync_function = sync_function
        self.start_sync = start_sync
        self.first: QWidget | None = None
        self.window: MainWindow | None = None

    def start(self) -> QWidget:
        """Show and return the first window: wizard, passphrase dialog or main window."""
        machine_secret = self.settings.machine_secret_path
        if needs_enrollment(self.data_dir):
            wizard = EnrollmentWizard(self.data_dir, machine_secret=machine_secret)
            wizard.enrolled.connect(self.open_main)
            self.first = wizard
        else:
            secret = self.settings.store_passphrase
            try:
                store = open_for_desktop(
                    self.data_dir, machine_secret=machine_secret,
                    passphrase=secret.get_secret_value() if secret else None)
            except PassphraseRequired:
                dialog = PassphraseDialog(self.data_dir, machine_secret=machine_secret)
                dialog.opened.connect(self.open_main)
                self.first = dialog
            else:
                return self.open_main(store)
        self.first.show()
        return self.first

    def open_main(self, store: StoreData) -> MainWindow:
        self.window = MainWindow(store, sync_interval_seconds=self.settings.sync_interval_seconds,
                                 sync_function=self.sync_function, start_sync=self.start_sync)
        self.window.show()
        if self.first is not None:
            self.first.close()
        return self.window


def run(data_dir: Path) -> int:
    """``minimarket desktop --data DIR``: run the app until its window closes."""
    app = create_application()
    try:
        settings = load_desktop_settings()
        launcher = Launcher(data_dir, settings)
        launcher.start()
    except MinimarketError as error:
        QMessageBox.critical(None, "Minimarket", message_for(error))
        raise
    return int(app.exec())
