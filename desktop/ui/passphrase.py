"""The operator passphrase, asked when this PC's machine slot does not open the database."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout

from desktop.app.startup import open_for_desktop
from desktop.app.store import StoreData
from desktop.ui.messages import message_for
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets import Banner, button, hint


class PassphraseDialog(QDialog):
    """Emits ``opened(StoreData)`` once the passphrase opened the folder's database."""

    opened = Signal(object)

    def __init__(self, data_dir: Path, *, machine_secret: Path,
                 tasks: TaskRunner | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Minimarket: frase de acceso")
        self.setMinimumWidth(680)
        self.data_dir, self.machine_secret = data_dir, machine_secret
        self.tasks = tasks or TaskRunner(self)
        self.store: StoreData | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        title = QLabel("Frase de acceso del operador")
        title.setObjectName("screenTitle")
        layout.addWidget(title)
        layout.addWidget(hint("Esta PC todavía no está vinculada a esta carpeta de datos; "
                              "se abre con la frase de acceso del operador."))
        folder = hint(str(data_dir))
        folder.setStyleSheet("font-family: 'DejaVu Sans Mono'; font-size: 11pt;")
        layout.addWidget(folder)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self.submit)
        layout.addWidget(self.passphrase)
        self.bind = QCheckBox("Vincular esta PC para no volver a pedirla")
        self.bind.setChecked(True)
        layout.addWidget(self.bind)
        self.banner = Banner(self)
        layout.addWidget(self.banner)
        row = QHBoxLayout()
        row.addStretch(1)
        self.open_button = button("Abrir  (Enter)", primary=True)
        self.open_button.clicked.connect(self.submit)
        row.addWidget(self.open_button)
        layout.addLayout(row)

    def submit(self) -> None:
        if not self.passphrase.text() or not self.open_button.isEnabled():
            return
        self.open_button.setEnabled(False)
        self.banner.show_message("Abriendo…", "info")
        self.tasks.run(open_for_desktop, self.data_dir, machine_secret=self.machine_secret,
                       passphrase=self.passphrase.text(), bind=self.bind.isChecked(),
                       on_done=self._opened, on_error=self._failed, owner=self)

    def _opened(self, store: StoreData) -> None:
        self.store = store
        self.opened.emit(store)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.open_button.setEnabled(True)
        self.passphrase.clear()
        self.banner.show_message(message_for(error), "error")
        self.adjustSize()
