"""Replacing a PC: send the unsent operations of the old PC's data folder through this one.

The old folder (its disk moved to this PC, or a copy) opens with the operator
passphrase only. Operations keep their ids, so running it twice sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.app import store as store_actions
from desktop.app.store import StoreData
from desktop.ui.messages import count_text, message_for
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets import Banner, button, hint
from sync.client import SyncReport


class SalvagePanel(QGroupBox):
    """Old data folder + operator passphrase → ``desktop.app.store.salvage``."""

    salvaged = Signal(object)  # SyncReport

    def __init__(self, store: Callable[[], StoreData | None], tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__("Reemplazo de una PC", parent)
        self._store = store
        self.tasks = tasks
        layout = QVBoxLayout(self)
        layout.addWidget(hint("Si esta PC reemplaza a otra, elegí la carpeta de datos de la PC "
                              "vieja: sus operaciones que no llegaron a enviarse se mandan "
                              "ahora, una sola vez."))
        layout.addWidget(QLabel("Carpeta de datos de la PC vieja"))
        folder_row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("Por ejemplo, el disco de la PC vieja")
        choose = button("Elegir…")
        choose.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        layout.addLayout(folder_row)
        layout.addWidget(QLabel("Frase de acceso del operador de esa PC"))
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.passphrase)
        self.passphrase.returnPressed.connect(self.start)
        row = QHBoxLayout()
        row.addStretch(1)
        self.run_button = button("Recuperar operaciones")
        self.run_button.clicked.connect(self.start)
        row.addWidget(self.run_button)
        layout.addLayout(row)
        self.banner = Banner(self)
        layout.addWidget(self.banner)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Carpeta de datos de la PC vieja")
        if folder:
            self.folder.setText(folder)

    def start(self) -> None:
        store = self._store()
        folder = self.folder.text().strip()
        if store is None:
            self.banner.show_message("Primero hay que dar de alta esta PC.", "error")
            return
        if not folder or not self.passphrase.text():
            self.banner.show_message("Elegí la carpeta y escribí la frase de acceso.", "error")
            return
        self.run_button.setEnabled(False)
        self.banner.show_message("Recuperando operaciones de la PC vieja…", "info")
        self.tasks.run(store_actions.salvage, store, Path(folder),
                       passphrase=self.passphrase.text(), on_done=self._done,
                       on_error=self._failed, owner=self)

    def _done(self, report: SyncReport) -> None:
        self.run_button.setEnabled(True)
        self.passphrase.clear()
        sent = count_text(report.pushed, "operación", "operaciones")
        text = (f"Recuperadas de la PC vieja: {sent} ({report.duplicates} ya estaban en el "
                "servidor).")
        if report.refused:
            reasons = "; ".join(reason for _, _, reason in report.refusals[:3])
            text += f" El servidor rechazó {report.refused}: {reasons}"
        self.banner.show_message(text, "error" if report.refused else "ok")
        self.salvaged.emit(report)

    def _failed(self, error: BaseException) -> None:
        self.run_button.setEnabled(True)
        self.banner.show_message(message_for(error), "error")
