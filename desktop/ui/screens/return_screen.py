"""Devolución (F3): a customer brings goods back; stock goes up, with a reason.

Scan the product (a scale label brings its weight) or type part of its name and pick it
with ↑↓ Enter; type the quantity, choose or type the reason, F12. The reason is
required (:func:`desktop.app.sales.customer_return` refuses a blank one). The result
says what to refund at today's shelf price and the product's new stock level.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.app.catalog_index import CatalogIndex
from desktop.app.counter_errors import ReasonRequired
from desktop.app.lookup import EXACT_SCORE, ProductRow, search_products
from desktop.app.sales import Receipt, customer_return
from desktop.app.store import StoreData
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.screens.counter_widgets import (
    LinesTable,
    big_line_edit,
    money_text,
    quantity_text,
    reason_combo,
    unit_price_text,
)
from desktop.ui.widgets import button, card, hint
from shared.domain.enums import Unit
from shared.settings import BUSINESS_TIMEZONE

REASONS = ("Vencido", "Fallado / roto", "Mal estado", "Producto equivocado",
           "Cambio por otro producto", "No le gustó al cliente")
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Chosen:
    """The product a return is for, and the code to record it by."""

    row: ProductRow
    code: str  # as scanned (a scale label keeps its weight), else the sku

    @property
    def weighed(self) -> bool:
        return self.row.unit == Unit.KG.value

    @property
    def label_weight(self) -> bool:
        return self.row.matched_by == "scale" and self.row.weight is not None


def find_products(store: StoreData, index: CatalogIndex, text: str) -> list[ProductRow]:
    """Products for a scan or typed words (worker thread; reads only)."""
    store_id = store.store_id
    with store.transaction() as session:
        return search_products(session, store_id, text, SEARCH_LIMIT, index=index)


class ReturnScreen(Screen):
    key, title, shortcut = "devolucion", "Devolución", "F3"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.index = CatalogIndex()
        self.results: list[ProductRow] = []
        self.searched = ""  # the text the results are for
        self.searching = False
        self.saving = False
        self.chosen: Chosen | None = None
        self.done: list[tuple[datetime, Receipt]] = []
        self._build_form()
        self._build_history()
        for sequence, action in (("F12", self.submit), ("Esc", self.reset)):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
        self.reset()

    # --- building ---------------------------------------------------------------------

    def _build_form(self) -> None:
        panel, layout = card()
        layout.setSpacing(8)
        self.search = big_line_edit("Escaneá el código o escribí el nombre y Enter")
        self.search.setStyleSheet("font-size: 19pt; padding: 8px 12px;")
        self.search.returnPressed.connect(self._search_entered)
        self.search.installEventFilter(self)
        layout.addWidget(self.search)

        # the product chosen, or the products found to choose from: one at a time
        self.product_page = QStackedWidget()
        chosen = QWidget()
        chosen_layout = QVBoxLayout(chosen)
        chosen_layout.setContentsMargins(0, 4, 0, 4)
        chosen_layout.setSpacing(2)
        self.product_name = QLabel()
        self.product_name.setStyleSheet("font-size: 19pt; font-weight: bold;")
        self.product_details = hint("")
        self.product_details.setStyleSheet("font-size: 13pt;")
        chosen_layout.addWidget(self.product_name)
        chosen_layout.addWidget(self.product_details)
        chosen_layout.addStretch(1)
        self.results_table = LinesTable(["Producto", "Precio", "Stock"], (1, 2))
        self.results_table.set_widths([220, 150])
        self.product_page.addWidget(chosen)
        self.product_page.addWidget(self.results_table)
        layout.addWidget(self.product_page)

        row = QHBoxLayout()
        row.setSpacing(12)
        self.quantity_caption = QLabel("Cantidad")
        self.quantity = QLineEdit("1")
        self.quantity.setStyleSheet("font-size: 15pt;")  # as tall as the reason beside it
        self.quantity.setFixedWidth(170)
        self.quantity.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.quantity.returnPressed.connect(self._quantity_entered)
        self.reason = reason_combo(REASONS, "Elegí con ↑↓ o escribí el motivo")
        line = self.reason.lineEdit()
        if line is not None:
            line.returnPressed.connect(self.submit)
        for caption, widget, stretch in ((self.quantity_caption, self.quantity, 0),
                                         (QLabel("Motivo (obligatorio)"), self.reason, 1)):
            caption.setStyleSheet("font-weight: bold;")
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addStretch(1)
            column.addWidget(caption)
            column.addWidget(widget)
            row.addLayout(column, stretch)
        self.clear_button = button("Limpiar  (Esc)")
        self.clear_button.clicked.connect(self.reset)
        self.submit_button = button("Registrar devolución  (F12)", primary=True)
        self.submit_button.setStyleSheet("font-size: 14pt; padding: 10px 18px;")
        self.submit_button.clicked.connect(self.submit)
        for action in (self.clear_button, self.submit_button):
            action.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            row.addWidget(action, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(row)
        self.body.addWidget(panel)

        result, result_layout = card()
        result.setStyleSheet("#card { background: #e8f5e9; border-color: #b9dfbb; }")
        result_layout.setContentsMargins(18, 10, 18, 10)
        result_layout.setSpacing(4)
        self.result_title = QLabel()
        self.result_title.setStyleSheet("font-size: 15pt; font-weight: bold; color: #1b5e20;")
        self.result_title.setWordWrap(True)
        result_row = QHBoxLayout()
        self.refund = QLabel()
        self.refund.setStyleSheet("font-size: 15pt;")
        self.new_level = QLabel()
        self.new_level.setStyleSheet("font-size: 15pt;")
        self.new_level.setAlignment(Qt.AlignmentFlag.AlignRight)
        result_row.addWidget(self.refund, 1)
        result_row.addWidget(self.new_level)
        result_layout.addWidget(self.result_title)
        result_layout.addLayout(result_row)
        self.result_card = result
        result.hide()
        self.body.addWidget(result)

    def _build_history(self) -> None:
        self.history_caption = QLabel("Devoluciones registradas en esta caja desde que se abrió")
        self.history_caption.setStyleSheet("font-weight: bold;")
        self.history = LinesTable(["Producto", "Hora", "Cantidad", "Reintegro", "Stock nuevo"],
                                  (2, 3, 4))
        self.history.set_widths([90, 140, 160, 150])
        self.body.addWidget(self.history_caption)
        self.body.addWidget(self.history, 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """↑↓ in the search field move through the products found."""
        if watched is self.search and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) \
                and self.showing_results:
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                self.results_table.step(-1 if event.key() == Qt.Key.Key_Up else 1)
                return True
        return super().eventFilter(watched, event)

    # --- the shell ----------------------------------------------------------------------

    def focus_target(self) -> QWidget | None:
        if self.chosen is not None:
            return self.quantity if self.quantity.isEnabled() else self.reason
        return self.search

    # --- finding the product -----------------------------------------------------------

    def _search_entered(self) -> None:
        text = self.search.text().strip()
        if not text:
            return
        if self.showing_results and text == self.searched:
            row = self.results_table.selected_row()
            if row is not None:
                self._choose(self.results[row], self.results[row].sku or text)
                return
        if self.searching:
            return
        self.searching = True
        self.clear_message()
        self.run_task(find_products, self.store, self.index, text,
                      on_done=lambda rows: self._found(text, rows), on_error=self._not_found)

    def _not_found(self, error: BaseException) -> None:
        self.searching = False
        self.search.selectAll()
        self.show_error(error)

    def _found(self, text: str, rows: list[ProductRow]) -> None:
        self.searching = False
        self.searched, self.results = text, rows
        if not rows:
            self._show_results(False)
            self.search.selectAll()  # the next scan replaces it
            self.show_error(f"No hay ningún producto con el código o nombre «{text}».")
            return
        if rows[0].score >= EXACT_SCORE or len(rows) == 1:
            exact = rows[0].score >= EXACT_SCORE
            self._choose(rows[0], text if exact else rows[0].sku or text)
            return
        self.results_table.set_rows([[row.name, unit_price_text(row.price_cents, row.unit),
                                      quantity_text(row.level_milli, row.unit)]
                                     for row in rows])
        self._show_results(True)
        self.results_table.selectRow(0)
        self.show_notice(f"{len(rows)} productos encontrados: elegí con ↑↓ y Enter.", "info")

    def _choose(self, row: ProductRow, code: str) -> None:
        self.chosen = Chosen(row, code)
        self._show_results(False)
        self.clear_message()
        self.product_name.setText(row.name)
        details = [f"Código {row.sku}" if row.sku else "",
                   f"Precio {unit_price_text(row.price_cents, row.unit)}",
                   f"Stock actual {quantity_text(row.level_milli, row.unit)}"]
        self.product_details.setText(" · ".join(part for part in details if part))
        self.quantity_caption.setText("Peso (kg)" if self.chosen.weighed else "Cantidad")
        if self.chosen.label_weight and row.weight is not None:
            self.quantity.setText(format(row.weight, "f").replace(".", ","))
            self.quantity.setEnabled(False)
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.quantity.setEnabled(True)
            self.quantity.setText("" if self.chosen.weighed else "1")
            self.quantity.setPlaceholderText("0,750" if self.chosen.weighed else "1")
            self.quantity.selectAll()
            self.quantity.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def showing_results(self) -> bool:
        return self.product_page.currentWidget() is self.results_table

    def _show_results(self, shown: bool) -> None:
        self.product_page.setCurrentIndex(1 if shown else 0)
        self.product_page.setFixedHeight(166 if shown else 78)

    def _quantity_entered(self) -> None:
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- recording ----------------------------------------------------------------------

    def submit(self) -> None:
        if self.saving:
            return
        chosen = self.chosen
        if chosen is None:
            self.show_error("Elegí primero el producto: escaneá el código o buscalo por nombre.")
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        quantity = None if chosen.label_weight else (self.quantity.text().strip() or None)
        self.saving = True
        self.submit_button.setEnabled(False)
        user_id: uuid.UUID | None = self.user.id if self.user is not None else None
        self.run_task(self.store.write, customer_return, chosen.code, quantity,
                      self.reason.currentText(), user_id, on_done=self._recorded,
                      on_error=self._refused)

    def _refused(self, error: BaseException) -> None:
        self.saving = False
        self.submit_button.setEnabled(True)
        self.show_error(error)
        target = self.reason if isinstance(error, ReasonRequired) else self.quantity
        if not target.isEnabled():
            target = self.reason
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _recorded(self, receipt: Receipt) -> None:
        self.saving = False
        self.submit_button.setEnabled(True)
        self.context.sync.refresh_counts()
        self.done.insert(0, (datetime.now(UTC), receipt))
        line = receipt.lines[0]
        self.result_title.setText(
            f"✓ Devolución registrada: {quantity_text(line.qty_milli, line.unit)} de "
            f"{line.name} · Motivo: {receipt.reason}")
        refund = money_text(line.amount_cents) if line.amount_cents is not None else "sin precio"
        self.refund.setText(f"A reintegrar: <b>{refund}</b>")
        self.new_level.setText(f"Stock nuevo: <b>{quantity_text(line.level_milli, line.unit)}</b>")
        self.result_card.show()
        self._draw_history()
        self.show_notice("Devolución registrada.", "ok")
        self.reset(keep_message=True)

    def _draw_history(self) -> None:
        rows = []
        for at, receipt in self.done:
            line = receipt.lines[0]
            rows.append([f"{line.name} · {receipt.reason}",
                         at.astimezone(BUSINESS_TIMEZONE).strftime("%H:%M"),
                         quantity_text(line.qty_milli, line.unit),
                         money_text(line.amount_cents) if line.amount_cents is not None
                         else "—",
                         quantity_text(line.level_milli, line.unit)])
        self.history.set_rows(rows)

    def reset(self, *, keep_message: bool = False) -> None:
        """Start over (Esc): no product, quantity 1, no reason."""
        if self.saving:
            return
        self.chosen = None
        self.results = []
        self.searched = ""
        self._show_results(False)
        self.search.clear()
        self.product_name.setText("Ningún producto elegido")
        self.product_details.setText(
            "Escaneá el producto que trae el cliente o escribí parte del nombre. Enter pasa de "
            "la cantidad al motivo; Enter en el motivo (o F12) registra.")
        self.quantity_caption.setText("Cantidad")
        self.quantity.setEnabled(True)
        self.quantity.setText("1")
        self.reason.setCurrentIndex(-1)
        self.reason.setEditText("")
        if not keep_message:
            self.clear_message()
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)
