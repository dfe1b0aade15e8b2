"""What the back-office screens (Inicio, Stock, Recepción, Conteo, Precios) share:
numbers written the Argentine way, a read-only table with right-aligned amounts, screen
shortcuts, a small keyboard dialog, and reading the store off the UI thread.

A dialog never runs a nested event loop: the screen opens it with ``open()``, listens
to ``submitted`` and then closes it (``accept()``) or keeps it open with the reason
shown inside (``fail()``). Enter submits, Esc closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.app.prices import price_text
from desktop.app.store import StoreData
from desktop.ui.screens.counter_widgets import LEFT, RIGHT, CounterDialog
from desktop.ui.screens.counter_widgets import quantity_text as quantity_milli_text
from desktop.ui.screens.sync_screen import local_time
from shared.domain.enums import Unit

CENTER = Qt.AlignmentFlag.AlignCenter
SHORT_BG, SHORT_FG = "#fdecea", "#a31515"  # below minimum, a problem
PROVISIONAL_FG = "#8a4b00"
OK_FG, MUTED_FG = "#2e7d32", "#5b6775"
T = TypeVar("T")


# --- numbers and dates as they are written in Argentina --------------------------------


def money_text(cents: int | None) -> str:
    """``$ 1.234,50``; ``—`` when there is no amount."""
    return "—" if cents is None else price_text(cents)


def quantity_text(value: int | Decimal, unit: str = Unit.UNIT.value, *,
                  signed: bool = False) -> str:
    """``12``, ``1.200``, ``0,750 kg``; ``+3`` / ``-3`` with ``signed``."""
    milli = int(Decimal(value) * 1000)
    text = quantity_milli_text(milli, unit)
    return f"+{text}" if signed and milli > 0 else text


def day_text(day: date | None) -> str:
    return "—" if day is None else f"{day:%d/%m/%Y}"


def moment_text(moment: datetime | None) -> str:
    """dd/mm/aaaa hh:mm in Buenos Aires."""
    return local_time(moment)


WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")


def long_day_text(day: date) -> str:
    """``sábado 28 de noviembre de 2026``."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} de {MONTHS[day.month - 1]} de {day.year}"


# --- the store, off the UI thread -----------------------------------------------------------


def in_session(store: StoreData, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(session, store_id, *args, **kwargs)`` in one transaction (worker thread)."""
    store_id = store.store_id
    with store.transaction() as session:
        return function(session, store_id, *args, **kwargs)


# --- keys ----------------------------------------------------------------------------------


def add_shortcuts(screen: QWidget, keys: Iterable[tuple[str, Callable[[], object]]]
                  ) -> list[QShortcut]:
    """Shortcuts that work while the keyboard is anywhere inside ``screen``."""
    made = []
    for sequence, action in keys:
        shortcut = QShortcut(QKeySequence(sequence), screen)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(action)
        made.append(shortcut)
    return made


# --- tables ---------------------------------------------------------------------------------


class DataTable(QTableWidget):
    """A read-only table, one row selected at a time, amounts right-aligned.

    ``stretch`` is the column that takes the width left over; the others fit their
    contents or take the width given by :meth:`set_widths`.
    """

    def __init__(self, headers: Sequence[str], numeric: Iterable[int] = (), *, stretch: int = 1,
                 take_focus: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.numeric = frozenset(numeric)
        self.setHorizontalHeaderLabels(list(headers))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(38)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        if not take_focus:
            self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet("QTableWidget { font-size: 14pt; }"
                           " QTableWidget::item:selected { background: #cfe2f7; color: #1d2733; }"
                           " QHeaderView::section { font-size: 12pt; }")
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        for column in range(len(headers)):
            item = self.horizontalHeaderItem(column)
            if item is not None:
                item.setTextAlignment(RIGHT if column in self.numeric else LEFT)

    def set_widths(self, widths: dict[int, int]) -> None:
        for column, width in widths.items():
            self.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(column, width)

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        self.clearSelection()
        self.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setTextAlignment(RIGHT if column in self.numeric else LEFT)
                self.setItem(row, column, item)

    def text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""

    def paint_row(self, row: int, *, color: str | None = None, background: str | None = None,
                  bold_columns: Iterable[int] = (), italic: bool = False) -> None:
        bold = frozenset(bold_columns)
        for column in range(self.columnCount()):
            item = self.item(row, column)
            if item is None:
                continue
            if color:
                item.setForeground(QBrush(QColor(color)))
            if background:
                item.setBackground(QBrush(QColor(background)))
            if column in bold or italic:
                font = item.font()
                font.setBold(column in bold)
                font.setItalic(italic)
                item.setFont(font)

    def paint_cell(self, row: int, column: int, *, color: str | None = None,
                   background: str | None = None, bold: bool = False) -> None:
        item = self.item(row, column)
        if item is None:
            return
        if color:
            item.setForeground(QBrush(QColor(color)))
        if background:
            item.setBackground(QBrush(QColor(background)))
        if bold:
            font = item.font()
            font.setBold(True)
            item.setFont(font)

    def selected_row(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def step(self, delta: int) -> None:
        """Move the selection (arrows typed in a search field)."""
        if not self.rowCount():
            return
        current = self.selected_row()
        row = 0 if current is None else current + delta
        self.selectRow(max(0, min(self.rowCount() - 1, row)))


# --- dialogs --------------------------------------------------------------------------------


def show_dialog(dialog: QDialog) -> None:
    """Open ``dialog`` window-modal without a nested loop, with the keyboard in it."""
    dialog.open()
    dialog.activateWindow()
    target = dialog.focusProxy() or dialog
    target.setFocus(Qt.FocusReason.OtherFocusReason)


def refocus(widget: QWidget) -> None:
    """Give the keyboard back to ``widget`` after a dialog closed."""
    if not widget.isVisible():
        return
    if not widget.window().isActiveWindow():
        widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.OtherFocusReason)


class SmallDialog(CounterDialog):
    """The counter's small modal dialog, its sentence in the back office's type size."""

    def __init__(self, parent: QWidget, title: str, text: str = "", *,
                 ok_text: str = "Aceptar", cancel_text: str = "Cancelar") -> None:
        super().__init__(parent, title, text, ok_text=ok_text, cancel_text=cancel_text)
        self.text.setStyleSheet("font-size: 14pt;")


class ConfirmDialog(SmallDialog):
    """A yes/no question; Enter says yes, Esc no."""

    def __init__(self, parent: QWidget, title: str, text: str, *, yes: str, no: str,
                 warning: bool = False) -> None:
        super().__init__(parent, title, text, ok_text=yes, cancel_text=no)
        if warning:
            self.text.setStyleSheet("font-size: 14pt; color: #8a4b00;")
