"""The goods of Recepción manual: scan or search a product, quantity and unit cost as
printed, an editable table of lines and the totals.

Enter in any of the three fields adds the line (a scan without a quantity is one unit,
a scale label its weight; without a cost the product's last cost is proposed). A name
that matches several products lists them: ↑↓ and Enter pick one. Typing on a quantity
or cost in the table edits it; Supr (in the table, or in the empty product field)
removes the chosen line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from desktop.app.catalog_index import CatalogIndex
from desktop.app.intake import IntakeDraft, IntakeLine
from desktop.app.lookup import ProductRow, search_products
from desktop.app.store import StoreData
from desktop.ui.messages import count_text
from desktop.ui.screens.backoffice_widgets import (
    SHORT_BG,
    SHORT_FG,
    DataTable,
    add_shortcuts,
    in_session,
    money_text,
    quantity_text,
)
from desktop.ui.screens.base import Screen
from desktop.ui.widgets import button, hint
from shared.domain.errors import MinimarketError, UnknownProduct
from shared.domain.invoices import line_amount_cents
from shared.domain.numbers import parse_decimal, parse_quantity

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

QUANTITY_COLUMN, COST_COLUMN = 2, 3
ERROR_STYLE = f"color: {SHORT_FG}; font-size: 11pt;"


def error_label() -> QLabel:
    """Red, small, beside a field: what is wrong with it."""
    label = QLabel("")
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    return label


@dataclass(frozen=True)
class Added:
    line: IntakeLine | None  # None: the text named no product exactly
    choices: list[ProductRow]


def _add_line(session: Session, store_id: uuid.UUID, index: CatalogIndex, draft: IntakeDraft,
              code: str, quantity: Decimal | None, cost: Decimal | None) -> Added:
    try:
        return Added(draft.add_line(session, code, quantity, cost), [])
    except UnknownProduct:
        rows = search_products(session, store_id, code, 8, index=index)
    if len(rows) == 1:
        return Added(draft.add_line(session, rows[0].sku, quantity, cost), [])
    if not rows:
        raise UnknownProduct(f"no product matches {code!r}")
    return Added(None, rows)


def add_line(store: StoreData, index: CatalogIndex, draft: IntakeDraft, code: str,
             quantity: Decimal | None, cost: Decimal | None) -> Added:
    """Worker: add the product scanned or typed; for a name, the products it matches.

    The draft is changed on the worker; meanwhile the panel leaves its lines alone.
    """
    return in_session(store, _add_line, index, draft, code, quantity, cost)


class IntakeLines(QGroupBox):
    """Emits ``changed`` whenever a line was added, edited or removed."""

    changed = Signal()

    def __init__(self, host: Screen, draft: IntakeDraft) -> None:
        super().__init__("Mercadería")
        self.host = host  # the screen: its worker pool, its banner
        self.draft = draft
        self.index = CatalogIndex()
        self.adding = False
        self.blocked = False  # the document is being confirmed: hands off the lines
        self.choices: list[ProductRow] = []
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        row = QHBoxLayout()
        self.product = QLineEdit()
        self.product.setPlaceholderText("Escaneá o buscá un producto")
        self.quantity = QLineEdit()
        self.quantity.setPlaceholderText("Cantidad")
        self.quantity.setFixedWidth(120)
        self.cost = QLineEdit()
        self.cost.setPlaceholderText("Costo unitario")
        self.cost.setFixedWidth(170)
        for edit in (self.quantity, self.cost):
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        for edit in (self.product, self.quantity, self.cost):
            edit.returnPressed.connect(self.add)
        self.product.installEventFilter(self)
        self.add_button = button("Agregar  (Enter)")
        self.add_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.add_button.clicked.connect(self.add)
        # The camera path (the OCR issue) takes this place: photograph the invoice.
        self.camera_button = button("Cámara (próximamente)")
        self.camera_button.setEnabled(False)
        self.camera_button.setToolTip("Cargar el comprobante con la cámara llega en una "
                                      "próxima versión.")
        row.addWidget(self.product, 1)
        row.addWidget(self.quantity)
        row.addWidget(self.cost)
        row.addWidget(self.add_button)
        row.addWidget(self.camera_button)
        layout.addLayout(row)
        self.product_choices = QListWidget()
        self.product_choices.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.product_choices.setMaximumHeight(150)
        self.product_choices.itemClicked.connect(
            lambda item: self._pick(self.product_choices.row(item)))
        self.product_choices.hide()
        layout.addWidget(self.product_choices)
        self.table = DataTable(["SKU", "Producto", "Cantidad", "Costo unitario", "Subtotal"],
                               numeric=(2, 3, 4), take_focus=True)
        self.table.set_widths({0: 150, 2: 130, 3: 170, 4: 170})
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.itemChanged.connect(self._cell_edited)
        layout.addWidget(self.table, 1)
        self.line_shortcuts = add_shortcuts(self.table, [("Del", self.remove_line)])
        self.cost_hint = hint("")
        self.problem_label = error_label()
        notes = QVBoxLayout()
        notes.setSpacing(2)
        notes.addWidget(self.cost_hint)
        notes.addWidget(self.problem_label)
        self.totals_label = QLabel("")
        self.totals_label.setAlignment(Qt.AlignmentFlag.AlignRight
                                       | Qt.AlignmentFlag.AlignVCenter)
        self.totals_label.setStyleSheet("font-size: 13pt;")
        bottom = QHBoxLayout()
        bottom.addLayout(notes, 1)
        bottom.addWidget(self.totals_label)
        layout.addLayout(bottom)

    def add(self) -> None:
        code = self.product.text().strip()
        if self.product_choices.isVisible() and self.product_choices.currentRow() >= 0 \
                and self.product.hasFocus():
            self._pick(self.product_choices.currentRow())
            return
        if not code or self.adding or self.blocked:
            return
        try:
            quantity = parse_quantity(self.quantity.text()) if self.quantity.text().strip() \
                else None
            cost = parse_decimal(self.cost.text()) if self.cost.text().strip() else None
        except MinimarketError as error:
            self.host.show_error(error)
            return
        self._set_adding(True)
        self.host.run_task(add_line, self.host.store, self.index, self.draft, code,
                             quantity, cost, on_done=self._added, on_error=self._add_failed)

    def _set_adding(self, adding: bool) -> None:
        self.adding = adding
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers if adding else
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.AnyKeyPressed)

    def _added(self, added: Added) -> None:
        self._set_adding(False)
        if added.line is None:
            self.choices = added.choices
            self.product_choices.clear()
            for row in added.choices:
                self.product_choices.addItem(f"{row.sku}  ·  {row.name}")
            self.product_choices.setCurrentRow(0)
            self.product_choices.show()
            self.host.show_notice("Varios productos coinciden: elegí uno con ↑↓ y Enter.", "info")
            return
        self.host.clear_message()
        self.product_choices.hide()
        for edit in (self.product, self.quantity, self.cost):
            edit.clear()
        self.product.setFocus()
        self.changed.emit()
        if added.line in self.draft.lines:  # not when the form was cleared meanwhile
            self.table.selectRow(self.draft.lines.index(added.line))

    def _add_failed(self, error: BaseException) -> None:
        self._set_adding(False)
        self.host.show_error(error)
        self.product.selectAll()
        self.product.setFocus()

    def _pick(self, row: int) -> None:
        if 0 <= row < len(self.choices):
            self.product.setText(self.choices[row].sku)
            self.product_choices.hide()
            self.add()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the product field: ↑↓ choose among the products found; Supr with the field
        empty removes the chosen line."""
        if watched is self.product and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Delete and not self.product.text():
            if event.type() == QEvent.Type.KeyPress:
                self.remove_line()
            return event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        if watched is self.product and isinstance(event, QKeyEvent) \
                and self.product_choices.isVisible() \
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            if event.type() == QEvent.Type.KeyPress:
                step = -1 if event.key() == Qt.Key.Key_Up else 1
                row = self.product_choices.currentRow() + step
                self.product_choices.setCurrentRow(
                    max(0, min(self.product_choices.count() - 1, row)))
            return event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        return super().eventFilter(watched, event)

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        row, column = item.row(), item.column()
        if self.adding or row >= len(self.draft.lines) or column not in (
                QUANTITY_COLUMN, COST_COLUMN):
            return
        try:
            if column == QUANTITY_COLUMN:
                self.draft.set_quantity(row, parse_quantity(item.text().removesuffix(" kg")))
            else:
                self.draft.set_unit_cost(row, parse_decimal(item.text()))
        except MinimarketError as error:
            self.host.show_error(error)
        else:
            self.host.clear_message()
        QTimer.singleShot(0, lambda: self._redrawn_at(row))  # the editor is still closing

    def _redrawn_at(self, row: int) -> None:
        self.changed.emit()
        if row < self.table.rowCount():
            self.table.selectRow(row)
            self.table.setFocus()

    def remove_line(self) -> None:
        row = self.table.selected_row()
        if row is None or self.adding or self.blocked or row >= len(self.draft.lines):
            return
        removed = self.draft.remove_line(row)
        self.host.show_notice(f"Se quitó {removed.name}.", "info")
        self.changed.emit()
        if self.draft.lines:
            self.table.selectRow(min(row, len(self.draft.lines) - 1))

    def reset(self, draft: IntakeDraft) -> None:
        """A new document: its (empty) draft, the fields cleared."""
        self.draft = draft
        for edit in (self.product, self.quantity, self.cost):
            edit.clear()
        self.product_choices.hide()
        self.problem_label.setText("")

    def set_blocked(self, blocked: bool) -> None:
        self.blocked = blocked

    def redraw(self) -> None:
        """Show the draft's lines, totals and how costs are read."""
        draft = self.draft
        self.table.blockSignals(True)
        self.table.set_rows([
            [line.sku, line.name, quantity_text(line.quantity, line.unit),
             money_text(line.unit_cost_cents),
             money_text(None if line.unit_cost_cents is None
                        else line_amount_cents(line.qty_milli, line.unit_cost_cents))]
            for line in draft.lines])
        for row, line in enumerate(draft.lines):
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                if item is not None and column not in (QUANTITY_COLUMN, COST_COLUMN):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if line.unit_cost_cents is None:
                self.table.paint_cell(row, COST_COLUMN, color=SHORT_FG, background=SHORT_BG,
                                      bold=True)
        self.table.blockSignals(False)
        totals = draft.totals()
        self.totals_label.setText(
            f"{count_text(len(draft.lines), 'línea', 'líneas')} · Neto "
            f"{money_text(totals.net_cents)} · IVA {money_text(totals.vat_cents)}<br>"
            f"<span style='font-size: 18pt; font-weight: bold;'>Total "
            f"{money_text(totals.total_cents)}</span>")
        self.cost_hint.setText(
            "Costos sin IVA, como figuran en la Factura A." if draft.letter == "A" else
            f"Costos con IVA incluido, como figuran en el comprobante {draft.letter}.")
