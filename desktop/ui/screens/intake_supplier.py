"""The supplier field of Recepción manual: a CUIT or a name, a known supplier or a new one.

Eleven digits are read as a CUIT (check digit validated at once): a known supplier is
chosen, an unknown one asks for a name and becomes a provisional supplier when the
intake is confirmed. Letters (or a part of a CUIT) list matching suppliers to pick with
↑↓ and Enter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.app.intake import SupplierRef, find_suppliers, supplier_by_cuit
from desktop.app.store import StoreData
from desktop.ui.messages import message_for
from desktop.ui.screens.backoffice_widgets import OK_FG, SHORT_FG, in_session
from shared.domain.cuit import CUIT_LENGTH, format_cuit, normalize_cuit
from shared.domain.errors import InvalidCuit

LOOKUP_MS = 200
NEW_COLOR = "#8a4b00"


@dataclass(frozen=True)
class SupplierLookup:
    text: str
    found: SupplierRef | None = None
    new_cuit: str | None = None  # a valid CUIT no supplier has
    choices: list[SupplierRef] = field(default_factory=list)
    problem: str | None = None  # Spanish


def lookup_supplier(store: StoreData, text: str) -> SupplierLookup:
    """Worker: what the typed text names."""
    query = text.strip()
    digits = "".join(ch for ch in query if ch.isdigit())
    if not any(ch.isalpha() for ch in query) and len(digits) >= CUIT_LENGTH:
        try:
            cuit = normalize_cuit(query)
        except InvalidCuit as error:
            return SupplierLookup(text, problem=message_for(error))
        found = in_session(store, lambda session, _store_id: supplier_by_cuit(session, cuit))
        return SupplierLookup(text, found=found) if found else SupplierLookup(text, new_cuit=cuit)
    if len(query) < 2:
        return SupplierLookup(text)
    choices = in_session(store, lambda session, _store_id: find_suppliers(session, query, 8))
    if not choices:
        return SupplierLookup(text, problem="Ningún proveedor coincide. Escribí su CUIT para "
                                            "cargarlo como proveedor nuevo.")
    return SupplierLookup(text, choices=choices)


def supplier_text(ref: SupplierRef) -> str:
    tag = " · provisorio" if ref.provisional else ""
    return f"{ref.name} (CUIT {format_cuit(ref.cuit)}){tag}"


class SupplierPicker(QWidget):
    """Emits ``changed`` with the chosen :class:`SupplierRef`, or None."""

    changed = Signal(object)
    done = Signal()  # Enter with a supplier chosen: the next field may take the keyboard

    def __init__(self, run: Callable[..., Any], store: StoreData,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run, self.store = run, store
        self.supplier: SupplierRef | None = None
        self.lookup: SupplierLookup | None = None
        self.enter_waiting = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("CUIT o nombre")
        self.edit.textEdited.connect(self._edited)
        self.edit.returnPressed.connect(self._enter)
        self.edit.installEventFilter(self)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Nombre del proveedor nuevo")
        self.name.setMaxLength(200)
        self.name.textEdited.connect(lambda _text: self._choose_new())
        self.name.returnPressed.connect(self._name_entered)
        self.name.hide()
        self.choices = QListWidget()
        self.choices.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.choices.setMaximumHeight(120)
        self.choices.itemClicked.connect(lambda item: self._pick(self.choices.row(item)))
        self.choices.hide()
        for widget in (self.edit, self.name, self.status, self.choices):
            layout.addWidget(widget)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(LOOKUP_MS)
        self.timer.timeout.connect(self._look_up)
        self.setFocusProxy(self.edit)

    # --- typing -----------------------------------------------------------------------

    def _edited(self, _text: str) -> None:
        self._set(None)
        self.lookup = None
        self.timer.start()

    def _look_up(self) -> None:
        self.timer.stop()
        text = self.edit.text()
        if not text.strip():
            self._show(SupplierLookup(text))
            return
        self.run(lookup_supplier, self.store, text, on_done=self._looked_up)

    def _looked_up(self, lookup: SupplierLookup) -> None:
        if lookup.text != self.edit.text():
            return  # typed on since: another lookup follows
        self._show(lookup)
        if self.enter_waiting:
            self.enter_waiting = False
            self._enter()

    def _show(self, lookup: SupplierLookup) -> None:
        self.lookup = lookup
        self.choices.clear()
        self.choices.setVisible(bool(lookup.choices))
        for ref in lookup.choices:
            self.choices.addItem(QListWidgetItem(supplier_text(ref)))
        if lookup.choices:
            self.choices.setCurrentRow(0)
        self.name.setVisible(lookup.new_cuit is not None)
        cuit = lookup.found.cuit if lookup.found is not None else lookup.new_cuit
        if cuit is not None and not any(ch.isalpha() for ch in lookup.text):
            self.edit.setText(format_cuit(cuit))  # as printed on invoices
            self.lookup = lookup = SupplierLookup(self.edit.text(), lookup.found,
                                                  lookup.new_cuit)
        if lookup.found is not None:
            self._set(lookup.found)
        elif lookup.new_cuit is not None:
            self._say("CUIT sin registrar: escribí el nombre y se carga como proveedor "
                      "provisorio.", NEW_COLOR)
            self._choose_new()
        elif lookup.problem:
            self._say(lookup.problem, SHORT_FG)
        elif lookup.choices:
            self._say("Elegí con ↑↓ y Enter.", "")
        else:
            self._say("", "")

    def _enter(self) -> None:
        if self.timer.isActive() or (self.lookup is None and self.edit.text().strip()):
            self.enter_waiting = True
            self._look_up()
            return
        if self.choices.isVisible() and self.choices.currentRow() >= 0:
            self._pick(self.choices.currentRow())
        elif self.name.isVisible():
            self.name.setFocus()
        elif self.supplier is not None:
            self.done.emit()

    def _name_entered(self) -> None:
        if self.supplier is not None:
            self.done.emit()

    def _pick(self, row: int) -> None:
        if self.lookup is None or not 0 <= row < len(self.lookup.choices):
            return
        ref = self.lookup.choices[row]
        self.edit.setText(format_cuit(ref.cuit))
        self.choices.hide()
        self.lookup = SupplierLookup(self.edit.text(), found=ref)
        self._set(ref)
        self.done.emit()

    def _choose_new(self) -> None:
        lookup = self.lookup
        if lookup is None or lookup.new_cuit is None:
            return
        name = self.name.text().strip()
        self._set(SupplierRef.new_provisional(lookup.new_cuit, name) if name else None)

    def _set(self, ref: SupplierRef | None) -> None:
        if ref is not None and ref.supplier_id is not None:
            self._say("✓ " + ref.name + (" · provisorio" if ref.provisional else ""), OK_FG)
        if ref != self.supplier:
            self.supplier = ref
            self.changed.emit(ref)

    def _say(self, text: str, color: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color}; font-weight: bold;" if color else "")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and isinstance(event, QKeyEvent) and self.choices.isVisible() \
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            if event.type() == QEvent.Type.KeyPress:
                step = -1 if event.key() == Qt.Key.Key_Up else 1
                row = max(0, min(self.choices.count() - 1, self.choices.currentRow() + step))
                self.choices.setCurrentRow(row)
            return event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        return super().eventFilter(watched, event)

    # --- what the screen calls ----------------------------------------------------------

    def pending_cuit(self) -> str | None:
        """A valid CUIT typed whose supplier is new (chosen once a name is typed)."""
        return self.lookup.new_cuit if self.lookup is not None else None

    def clear(self) -> None:
        self.timer.stop()
        self.edit.clear()
        self.name.clear()
        self.name.hide()
        self.choices.clear()
        self.choices.hide()
        self.lookup = None
        self.enter_waiting = False
        self._say("", "")
        self._set(None)
