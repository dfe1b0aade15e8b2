"""The staff login page: username and PIN or password, checked locally (``desktop.app.auth``).

After a refusal that asks to wait, the page counts the seconds down and the button stays
disabled until then, so nobody has to guess when to try again.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.app.auth import LoginRefused, StaffUser, login
from desktop.app.store import StoreData
from desktop.ui.messages import login_message, message_for
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets import Banner, button, card, hint


class LoginScreen(QWidget):
    logged_in = Signal(object)  # StaffUser

    def __init__(self, store: StoreData, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._refusal: LoginRefused | None = None
        self._until = 0.0
        self._busy = False
        self.countdown = QTimer(self)
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self._tick)

        panel, layout = card(self)
        panel.setFixedWidth(560)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(12)
        brand = QLabel("Minimarket")
        brand.setObjectName("screenTitle")
        brand.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.store_label = QLabel("")
        self.store_label.setObjectName("hint")
        self.store_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(brand)
        layout.addWidget(self.store_label)
        layout.addSpacing(8)
        layout.addWidget(QLabel("Usuario"))
        self.username = QLineEdit()
        self.username.setPlaceholderText("Tu usuario")
        layout.addWidget(self.username)
        layout.addWidget(QLabel("PIN o contraseña"))
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.secret)
        self.banner = Banner(self)
        layout.addWidget(self.banner)
        self.submit = button("Ingresar  (Enter)", primary=True)
        self.submit.clicked.connect(self.attempt)
        layout.addSpacing(4)
        layout.addWidget(self.submit)
        layout.addWidget(hint("Ctrl+L bloquea la sesión cuando dejás la caja."))

        self.username.returnPressed.connect(self.secret.setFocus)
        self.secret.returnPressed.connect(self.attempt)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def set_store_text(self, text: str) -> None:
        self.store_label.setText(text)

    def reset(self) -> None:
        """Empty the fields for the next person (the wait after failures stays)."""
        self.username.clear()
        self.secret.clear()
        if self._refusal is None:
            self.banner.clear()
        self.username.setFocus()

    def attempt(self) -> None:
        if self._busy or not self.submit.isEnabled():
            return
        username, secret = self.username.text().strip(), self.secret.text()
        if not username or not secret:
            self.banner.show_message("Escribí tu usuario y tu PIN o contraseña.", "error")
            (self.username if not username else self.secret).setFocus()
            return
        self._busy = True
        self.submit.setEnabled(False)
        self.tasks.run(login, self.store, username, secret, on_done=self._accepted,
                       on_error=self._refused, owner=self)

    def _accepted(self, user: StaffUser) -> None:
        self._busy = False
        self._refusal = None
        self.countdown.stop()
        self.submit.setEnabled(True)
        self.secret.clear()
        self.banner.clear()
        self.logged_in.emit(user)

    def _refused(self, error: BaseException) -> None:
        self._busy = False
        self.secret.clear()
        self.secret.setFocus()
        if not isinstance(error, LoginRefused):
            self.submit.setEnabled(True)
            self.banner.show_message(message_for(error), "error")
            return
        self._refusal = error
        self._until = time.monotonic() + error.retry_after_seconds
        self.banner.show_message(login_message(error), "error")
        if error.retry_after_seconds >= 0.5:
            self.countdown.start()
        else:
            self._refusal = None
            self.submit.setEnabled(True)

    def _tick(self) -> None:
        refusal = self._refusal
        remaining = self._until - time.monotonic()
        if refusal is None or remaining <= 0.5:
            self.countdown.stop()
            self._refusal = None
            self.submit.setEnabled(True)
            self.banner.show_message("Ya podés volver a intentar.", "info")
            return
        self.banner.show_message(
            login_message(LoginRefused(refusal.reason, remaining)), "error")
