"""First run on a PC: enroll it in its store, then the first sync with its progress.

The wizard asks for the server address, the one-time token HQ gave, a name for the PC and
the operator passphrase (twice). ``desktop.app.store.enroll`` asks the server first, so
an unreachable server or a bad token creates nothing; the fields keep what was typed.
After enrolling, a replaced PC's unsent operations can be salvaged (:mod:`salvage`).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.app import store as store_actions
from desktop.app.device import normalize_server_url
from desktop.app.startup import needs_enrollment, open_for_desktop
from desktop.app.store import StoreData
from desktop.ui.messages import count_text, message_for
from desktop.ui.salvage import SalvagePanel
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets import Banner, button, card, hint
from shared.security.keyslots import MIN_PASSPHRASE_LENGTH
from sync.client import SyncReport

EnrollFunction = Callable[..., tuple[StoreData, SyncReport]]


class EnrollmentWizard(QWidget):
    """Emits ``enrolled(StoreData)`` when the person presses "Comenzar" at the end."""

    enrolled = Signal(object)

    def __init__(self, data_dir: Path, *, machine_secret: Path, tasks: TaskRunner | None = None,
                 enroll_function: EnrollFunction | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Minimarket: alta de esta PC")
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.resize(1366, 768)
        self.data_dir = data_dir
        self.machine_secret = machine_secret
        self.tasks = tasks or TaskRunner(self)
        self.enroll_function: EnrollFunction = enroll_function or store_actions.enroll
        self.store: StoreData | None = None
        self.received = 0

        panel, layout = card(self)
        panel.setFixedWidth(760)
        layout.setContentsMargins(36, 28, 36, 28)
        title = QLabel("Alta de esta PC")
        title.setObjectName("screenTitle")
        layout.addWidget(title)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._form_page())
        self.pages.addWidget(self._progress_page())
        self.pages.addWidget(self._done_page())
        layout.addWidget(self.pages)

        outer = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel)
        row.addStretch(1)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.server.setFocus()

    # --- pages -------------------------------------------------------------------------------

    def _form_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(hint("Pedí a la central un código de alta para esta sucursal. Los "
                              "datos quedan cifrados en esta PC con la frase de acceso del "
                              "operador: guardala, se necesita para recuperar la PC."))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(10)
        self.server = QLineEdit()
        self.server.setPlaceholderText("http://192.168.0.10:8000")
        self.token = QLineEdit()
        self.token.setPlaceholderText("El código que dio la central")
        self.pc_name = QLineEdit(socket.gethostname())
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(f"Al menos {MIN_PASSPHRASE_LENGTH} caracteres")
        self.passphrase_again = QLineEdit()
        self.passphrase_again.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Servidor", self.server)
        form.addRow("Código de alta", self.token)
        form.addRow("Nombre de esta PC", self.pc_name)
        form.addRow("Frase de acceso", self.passphrase)
        form.addRow("Repetila", self.passphrase_again)
        layout.addLayout(form)
        self.banner = Banner(page)
        layout.addWidget(self.banner)
        row = QHBoxLayout()
        row.addWidget(hint(f"Carpeta de datos: {self.data_dir}"), 1)
        self.submit = button("Dar de alta  (Enter)", primary=True)
        self.submit.clicked.connect(self.start)
        row.addWidget(self.submit)
        layout.addLayout(row)
        for field in (self.server, self.token, self.pc_name, self.passphrase):
            field.returnPressed.connect(self.focusNextChild)
        self.passphrase_again.returnPressed.connect(self.start)
        return page

    def _progress_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.progress_label = QLabel("Conectando con el servidor…")
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # the total is unknown until the last page arrives
        self.progress.setTextVisible(False)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)
        layout.addWidget(hint("La primera sincronización trae el catálogo y los datos de la "
                              "sucursal; puede tardar unos minutos."))
        layout.addStretch(1)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.done_banner = Banner(page)
        layout.addWidget(self.done_banner)
        self.salvage = SalvagePanel(lambda: self.store, self.tasks)
        layout.addWidget(self.salvage)
        row = QHBoxLayout()
        row.addStretch(1)
        self.finish_button = button("Comenzar  (Enter)", primary=True)
        self.finish_button.setDefault(True)
        self.finish_button.clicked.connect(self.finish)
        row.addWidget(self.finish_button)
        layout.addLayout(row)
        return page

    # --- actions ---------------------------------------------------------------------------------

    def validate(self) -> str | None:
        """The Spanish reason the form cannot be sent yet, or None."""
        try:
            normalize_server_url(self.server.text())
        except ValueError:
            return "La dirección del servidor no es válida. Ejemplo: http://192.168.0.10:8000"
        if not self.token.text().strip():
            return "Falta el código de alta."
        if len(self.passphrase.text()) < MIN_PASSPHRASE_LENGTH:
            return f"La frase de acceso necesita al menos {MIN_PASSPHRASE_LENGTH} caracteres."
        if self.passphrase.text() != self.passphrase_again.text():
            return "Las frases de acceso no coinciden."
        return None

    def start(self) -> None:
        problem = self.validate()
        if problem:
            self.banner.show_message(problem, "error")
            return
        self.banner.clear()
        self.received = 0
        self.progress.setRange(0, 0)
        self.progress_label.setText("Conectando con el servidor…")
        self.pages.setCurrentIndex(1)
        self.tasks.run(
            self.enroll_function, self.data_dir, normalize_server_url(self.server.text()),
            self.token.text().strip(), passphrase=self.passphrase.text(),
            machine_secret=self.machine_secret, name=self.pc_name.text().strip(),
            on_done=self._enrolled, on_error=self._failed, on_progress=self._progress,
            owner=self)

    def _progress(self, count: int, more: bool) -> None:
        self.received += count
        received = count_text(self.received, "operación", "operaciones")
        self.progress_label.setText(f"Recibiendo datos de la sucursal: {received}"
                                    + ("…" if more else "."))

    def _enrolled(self, outcome: Any) -> None:
        store, report = outcome
        self.store = store
        self.passphrase.clear()
        self.passphrase_again.clear()
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.done_banner.show_message(
            f"Alta completa: esta PC es el dispositivo {store.replica.device_id}. "
            f"Se recibieron {count_text(report.pulled, 'operación', 'operaciones')}.", "ok")
        self.pages.setCurrentIndex(2)
        self.finish_button.setFocus()

    def _failed(self, error: BaseException) -> None:
        if not needs_enrollment(self.data_dir):
            # Enrolled, but the first sync broke off: the folder is usable and the
            # background sync finishes the job.
            self.tasks.run(open_for_desktop, self.data_dir, machine_secret=self.machine_secret,
                           on_done=partial(self._enrolled_without_sync, error),
                           on_error=self._failed_to_open, owner=self)
            return
        self._failed_to_open(error)

    def _enrolled_without_sync(self, error: BaseException, store: StoreData) -> None:
        self.store = store
        self.passphrase.clear()
        self.passphrase_again.clear()
        self.done_banner.show_message(
            f"Alta hecha, pero la primera sincronización no terminó ({message_for(error)}) "
            "Sigue sola en segundo plano.", "info")
        self.pages.setCurrentIndex(2)
        self.finish_button.setFocus()

    def _failed_to_open(self, error: BaseException) -> None:
        self.pages.setCurrentIndex(0)
        self.banner.show_message(message_for(error), "error")
        self.submit.setFocus()

    def finish(self) -> None:
        if self.store is not None:
            self.enrolled.emit(self.store)
