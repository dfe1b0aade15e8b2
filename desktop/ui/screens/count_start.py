"""The first page of Conteo: start a count session, or resume one left open.

Enter in the notes field starts a session; ↑↓ there choose an open session, Ctrl+R (or a
double click) resumes it. What was counted in an open session is already recorded, so a
session left open by a crash or a restart is listed here to go on with.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.app.counting import CountSessionInfo
from desktop.ui.screens.backoffice_widgets import DataTable, moment_text
from desktop.ui.widgets import button, card, hint


class CountStart(QWidget):
    """Emits ``start(notes)`` and ``resume(session id)``."""

    start = Signal(str)
    resume = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sessions: list[CountSessionInfo] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        panel, start = card()
        heading = QLabel("Empezar un conteo")
        heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        start.addWidget(heading)
        start.addWidget(hint("Anotá qué vas a contar (opcional), por ejemplo «Góndola 3» o "
                             "«Depósito». Cada producto queda registrado en el momento en que "
                             "escribís la cantidad."))
        row = QHBoxLayout()
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("Qué se cuenta")
        self.notes.setMaxLength(200)
        self.notes.returnPressed.connect(self._start)
        self.notes.installEventFilter(self)
        self.start_button = button("Empezar conteo  (Enter)", primary=True)
        self.start_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.start_button.clicked.connect(self._start)
        row.addWidget(self.notes, 1)
        row.addWidget(self.start_button)
        start.addLayout(row)
        layout.addWidget(panel)

        self.open_box = QGroupBox("Conteos abiertos")
        open_layout = QVBoxLayout(self.open_box)
        self.open_table = DataTable(["Empezado", "Qué se cuenta"], stretch=1)
        self.open_table.set_widths({0: 220})
        self.open_table.doubleClicked.connect(lambda _index: self.resume_chosen())
        open_layout.addWidget(self.open_table, 1)
        resume_row = QHBoxLayout()
        resume_row.addWidget(hint("Lo contado en un conteo abierto ya está guardado, aunque "
                                  "se haya cerrado el programa: retomalo para seguir."), 1)
        self.resume_button = button("Retomar el elegido  (Ctrl+R)")
        self.resume_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.resume_button.clicked.connect(self.resume_chosen)
        resume_row.addWidget(self.resume_button)
        open_layout.addLayout(resume_row)
        layout.addWidget(self.open_box, 1)
        self.setFocusProxy(self.notes)

    def _start(self) -> None:
        self.start.emit(self.notes.text())

    def resume_chosen(self) -> None:
        row = self.open_table.selected_row()
        if row is not None and row < len(self.sessions):
            self.resume.emit(self.sessions[row].session_id)

    def show_open(self, sessions: list[CountSessionInfo]) -> None:
        self.sessions = sessions
        self.open_box.setTitle(f"Conteos abiertos ({len(sessions)})")
        self.open_table.set_rows([[moment_text(info.started_at), info.notes or "—"]
                                  for info in sessions])
        if sessions:
            self.open_table.selectRow(0)
        self.resume_button.setEnabled(bool(sessions))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """↑↓ in the notes field choose the open count to resume."""
        if watched is self.notes and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            if event.type() == QEvent.Type.KeyPress:
                self.open_table.step(-1 if event.key() == Qt.Key.Key_Up else 1)
            return event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        return super().eventFilter(watched, event)
