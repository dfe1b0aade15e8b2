"""What the counter screens (Venta / salida, Devolución) share: Argentine number text,
the lines table, and the small keyboard dialogs they open.

A dialog never runs a nested event loop: the screen opens it with ``open()``, listens
to ``submitted`` and either closes it (``accept()``) or leaves it open with the reason
shown in it (``fail()``). Enter submits, Esc closes, like everywhere at the counter.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QPainter, QPaintEvent, QPolygon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.messages import message_for
from desktop.ui.theme import MUTED
from desktop.ui.widgets import Banner, button, hint
from shared.domain.enums import Unit

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
WARN_STYLE = ("background: #fff4e0; color: #8a4b00; border: 1px solid #f0c37a;"
              " border-radius: 6px; padding: 10px 14px; font-weight: bold;")


# --- numbers as they are written in Argentina ---------------------------------------------


def _grouped(whole: int) -> str:
    return f"{whole:,}".replace(",", ".")


def money_text(cents: int) -> str:
    """``$ 1.234,50``; ``-$ 80,00`` below zero."""
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}$ {_grouped(whole)},{part:02d}"


def quantity_text(milli: int, unit: Unit | str) -> str:
    """``3`` units, ``1.200`` units, ``0,750 kg``; signed when below zero."""
    sign = "-" if milli < 0 else ""
    whole, grams = divmod(abs(milli), 1000)
    if Unit(unit) is Unit.KG:
        return f"{sign}{_grouped(whole)},{grams:03d} kg"
    text = f"{sign}{_grouped(whole)}"
    return text if not grams else f"{text},{grams:03d}".rstrip("0")


def typed_quantity(milli: int, unit: Unit | str) -> str:
    """A quantity as a person would type it into a field: ``3``, ``0,750``."""
    return quantity_text(milli, unit).removesuffix(" kg").replace(".", "")


def unit_price_text(cents: int | None, unit: Unit | str) -> str:
    if cents is None:
        return "Sin precio"
    return money_text(cents) + (" /kg" if Unit(unit) is Unit.KG else "")


def decimal_text(value: Decimal) -> str:
    """A typed Decimal back as text with a comma: ``0,75``."""
    return format(value, "f").replace(".", ",")


# --- the lines table ----------------------------------------------------------------------


class LinesTable(QTableWidget):
    """A big, read-only table whose amount columns are right-aligned.

    It never takes the keyboard: the scan field keeps it, and moves the selection.
    """

    def __init__(self, headers: Sequence[str], numeric: Sequence[int],
                 parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.numeric = frozenset(numeric)
        self.setHorizontalHeaderLabels(list(headers))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(42)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet("QTableWidget { font-size: 15pt; }"
                           " QTableWidget::item:selected { background: #cfe2f7; color: #1d2733; }"
                           " QHeaderView::section { font-size: 12pt; }")
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self._header(column).setTextAlignment(
                RIGHT if column in self.numeric else LEFT)
        self._header(0).setTextAlignment(LEFT)

    def _header(self, column: int) -> QTableWidgetItem:
        item = self.horizontalHeaderItem(column)
        assert item is not None
        return item

    def set_widths(self, widths: Sequence[int]) -> None:
        for column, width in enumerate(widths, start=1):
            self.setColumnWidth(column, width)

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        self.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setTextAlignment(RIGHT if column in self.numeric else LEFT)
                self.setItem(row, column, item)

    def paint_row(self, row: int, color: str, *, bold: bool = False) -> None:
        for column in range(self.columnCount()):
            item = self.item(row, column)
            if item is None:
                continue
            item.setForeground(QBrush(QColor(color)))
            if bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)

    def set_tip(self, row: int, text: str) -> None:
        for column in range(self.columnCount()):
            item = self.item(row, column)
            if item is not None:
                item.setToolTip(text)

    def selected_row(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def step(self, delta: int) -> None:
        """Move the selection up or down (arrows in the scan field)."""
        if not self.rowCount():
            return
        current = self.selected_row()
        row = self.rowCount() - 1 if current is None else current + delta
        self.selectRow(max(0, min(self.rowCount() - 1, row)))


# --- dialogs --------------------------------------------------------------------------------


class CounterDialog(QDialog):
    """A small modal dialog: a title, a sentence, fields, a message line, two buttons."""

    submitted = Signal()

    def __init__(self, parent: QWidget, title: str, text: str = "", *,
                 ok_text: str = "Aceptar", cancel_text: str = "Cancelar") -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Minimarket: {title}")
        self.setModal(True)
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(12)
        heading = QLabel(title)
        heading.setStyleSheet("font-size: 18pt; font-weight: bold;")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.text = hint(text)
        self.text.setVisible(bool(text))
        layout.addWidget(self.text)
        #: fields go here
        self.form = QVBoxLayout()
        self.form.setSpacing(8)
        layout.addLayout(self.form)
        self.banner = Banner(self)
        layout.addWidget(self.banner)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = button(f"{cancel_text}  (Esc)")
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button = button(f"{ok_text}  (Enter)", primary=True)
        self.ok_button.clicked.connect(self.submit)
        for widget in (self.cancel_button, self.ok_button):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            row.addWidget(widget)
        layout.addLayout(row)
        self.busy = False

    def field(self, label: str, widget: QWidget, note: str = "") -> QWidget:
        caption = QLabel(label)
        caption.setStyleSheet("font-weight: bold;")
        self.form.addWidget(caption)
        self.form.addWidget(widget)
        if note:
            self.form.addWidget(hint(note))
        return widget

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if not self.busy:  # a write under way finishes first
            super().reject()

    def submit(self) -> None:
        if self.busy:
            return
        self.banner.clear()
        self.submitted.emit()

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.ok_button.setEnabled(not busy)
        if busy and text:
            self.banner.show_message(text, "info")

    def fail(self, error: BaseException | str) -> None:
        """Stay open and say what is wrong, in Spanish."""
        self.set_busy(False)
        self.banner.show_message(error if isinstance(error, str) else message_for(error),
                                 "error")
        self.adjustSize()


def big_line_edit(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setStyleSheet("font-size: 17pt; padding: 8px 10px;")
    return edit


class AmountDialog(CounterDialog):
    """One number: a quantity, a weight or a price, typed Argentine style."""

    def __init__(self, parent: QWidget, title: str, text: str, label: str, *,
                 value: str = "", placeholder: str = "", note: str = "",
                 ok_text: str = "Aceptar") -> None:
        super().__init__(parent, title, text, ok_text=ok_text)
        self.value = big_line_edit(placeholder)
        self.value.setText(value)
        self.value.selectAll()
        self.field(label, self.value, note)
        self.setFocusProxy(self.value)

    def text_value(self) -> str:
        return self.value.text().strip()


class ConfirmDialog(CounterDialog):
    """A yes/no question; Enter says yes."""

    def __init__(self, parent: QWidget, title: str, text: str, *, yes: str, no: str) -> None:
        super().__init__(parent, title, text, ok_text=yes, cancel_text=no)
        self.text.setStyleSheet("font-size: 14pt;")


class ArrowCombo(QComboBox):
    """A combo that draws its own drop-down arrow: the theme's rounded border and the
    Fusion style's arrow do not mix."""

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(MUTED))
        x, y = self.width() - 24, self.height() // 2 - 3
        painter.drawPolygon(QPolygon([QPoint(x, y), QPoint(x + 12, y), QPoint(x + 6, y + 7)]))
        painter.end()


COMBO_STYLE = ("QComboBox { font-size: 15pt; }"
               " QComboBox::drop-down { border: none; width: 34px; }")


def choice_combo() -> QComboBox:
    combo = ArrowCombo()
    combo.setStyleSheet(COMBO_STYLE)
    return combo


def reason_combo(suggestions: Sequence[str], placeholder: str) -> QComboBox:
    """An editable combo: pick a common reason with the arrows or type another one."""
    combo = choice_combo()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.addItems(list(suggestions))
    combo.setCurrentIndex(-1)
    combo.setMaxVisibleItems(12)
    line = combo.lineEdit()
    if line is not None:
        line.setPlaceholderText(placeholder)
        line.setMaxLength(200)
    return combo


class ReasonDialog(CounterDialog):
    """Why goods leave other than by a sale: a common reason or a typed one."""

    def __init__(self, parent: QWidget, title: str, text: str,
                 suggestions: Sequence[str], *, value: str = "",
                 ok_text: str = "Registrar") -> None:
        super().__init__(parent, title, text, ok_text=ok_text)
        self.reason = reason_combo(suggestions, "Elegí con ↑↓ o escribí el motivo")
        self.reason.setEditText(value)
        self.field("Motivo", self.reason)
        self.setFocusProxy(self.reason)

    def reason_text(self) -> str:
        return " ".join(self.reason.currentText().split())


UNIT_CHOICES = (("Por unidad", Unit.UNIT), ("Por kilo (se pesa)", Unit.KG))


class ProvisionalDialog(CounterDialog):
    """An unknown barcode: make a provisional product (HQ reviews it later) and sell it."""

    def __init__(self, parent: QWidget, code: str, *, weighed_only: bool = False) -> None:
        super().__init__(
            parent, "Código desconocido",
            f"El código {code} no está en el catálogo. Podés crear un producto provisorio "
            "para venderlo ahora; la central lo revisa después.",
            ok_text="Crear y agregar", cancel_text="No agregar")
        self.code = code
        self.name = big_line_edit("Ej.: Alfajor triple de chocolate")
        self.name.setMaxLength(300)
        self.field("Nombre del producto", self.name)
        self.unit = choice_combo()
        for text, unit in UNIT_CHOICES:
            self.unit.addItem(text, unit)
        if weighed_only:  # a weight label's item is sold by weight
            self.unit.setCurrentIndex(1)
            self.unit.setEnabled(False)
        self.field("Se vende", self.unit)
        note = ("Precio final con IVA; por kilo si se pesa. Queda en esta caja hasta que "
                "la central publique uno.")
        self.price = big_line_edit("Ej.: 1.500,00")
        self.field("Precio de venta (opcional)", self.price, note)
        self.setFocusProxy(self.name)

    def chosen_unit(self) -> Unit:
        unit = self.unit.currentData()
        return unit if isinstance(unit, Unit) else Unit.UNIT
