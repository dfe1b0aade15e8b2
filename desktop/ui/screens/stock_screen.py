"""Stock (F4): search as you type, levels, prices and minimums, a product's history.

Typing waits ~150 ms for a pause, then searches on a worker with the screen's own
:class:`~desktop.app.catalog_index.CatalogIndex` (one search at a time: the index is not
thread-safe; keystrokes typed meanwhile are searched right after). The keyboard stays
in the search field: ↑↓ choose a row, Enter opens the chosen product's history (a
scanner's Enter, arriving before the results, just shows the product), Esc clears.

A barcode that finds nothing can become a provisional product (Ctrl+N): HQ promotes or
merges it later.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.app.catalog_index import CatalogIndex
from desktop.app.lookup import (
    HistoryEntry,
    HistorySource,
    ProductRow,
    product_history,
    search_products,
)
from desktop.app.provisional import (
    ProvisionalProduct,
    create_provisional_product,
    registered_code,
)
from desktop.app.store import StoreData
from desktop.ui.messages import count_text
from desktop.ui.screens.backoffice_widgets import (
    MUTED_FG,
    PROVISIONAL_FG,
    SHORT_BG,
    SHORT_FG,
    DataTable,
    SmallDialog,
    add_shortcuts,
    in_session,
    moment_text,
    money_text,
    quantity_text,
    refocus,
    show_dialog,
)
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.widgets import button, card, hint
from shared.domain.enums import MovementKind, Unit
from shared.domain.errors import InvalidBarcode

DEBOUNCE_MS = 150
ROWS = 50
PROVISIONAL_TAG = "  · provisorio"
KIND_NAMES = {
    MovementKind.INTAKE: "Recepción", MovementKind.SALE: "Venta",
    MovementKind.CUSTOMER_RETURN: "Devolución de cliente",
    MovementKind.SUPPLIER_RETURN: "Devolución a proveedor",
    MovementKind.ADJUSTMENT: "Ajuste", MovementKind.TRANSFER_OUT: "Transferencia enviada",
    MovementKind.TRANSFER_IN: "Transferencia recibida", MovementKind.WASTE: "Merma",
}
REFERENCE_NAMES = {"counter": "Caja", "revert": "Anulación", "return": "Devolución"}
_ARROWS = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -10,
           Qt.Key.Key_PageDown: 10}


@dataclass(frozen=True)
class Found:
    query: str
    rows: list[ProductRow]


def search(store: StoreData, index: CatalogIndex, query: str) -> Found:
    """Worker: the rows for ``query`` (the index reloads itself when the catalog changed)."""
    return Found(query, in_session(store, search_products, query, ROWS, index=index))


def history(store: StoreData, product_id: uuid.UUID) -> list[HistoryEntry]:
    return in_session(store, product_history, product_id)


def new_barcode(text: str) -> str | None:
    """The code a provisional product would take for ``text``, or None (not a barcode)."""
    try:
        return registered_code(text.strip())
    except InvalidBarcode:
        return None


def kind_text(entry: HistoryEntry) -> str:
    if entry.source is HistorySource.COUNT or entry.kind is None:
        return "Conteo"
    name = KIND_NAMES.get(entry.kind, str(entry.kind))
    return name if entry.counts_toward_stock else f"{name} (no cuenta)"


def detail_text(entry: HistoryEntry) -> str:
    parts = [REFERENCE_NAMES.get(entry.reference or "", entry.reference or ""),
             entry.reason or ""]
    if not entry.counts_toward_stock:
        parts.append("factura ya registrada antes en otra PC o sucursal")
    return " · ".join(part for part in parts if part) or "—"


class ProvisionalDialog(SmallDialog):
    """An unknown barcode becomes a provisional product (HQ reviews it later)."""

    UNITS = (("Por unidad", Unit.UNIT), ("Por kilo (se pesa)", Unit.KG))

    def __init__(self, parent: QWidget, barcode: str) -> None:
        super().__init__(parent, "Producto provisorio",
                         f"El código {barcode} no está en el catálogo. Creá un producto "
                         "provisorio para registrarlo ahora; la central lo revisa después.",
                         ok_text="Crear producto")
        self.barcode = barcode
        self.name = QLineEdit()
        self.name.setPlaceholderText("Ej.: Alfajor triple de chocolate")
        self.name.setMaxLength(300)
        self.field("Nombre del producto", self.name)
        self.unit = QComboBox()
        for text, unit in self.UNITS:
            self.unit.addItem(text, unit)
        self.field("Se vende", self.unit)
        self.price = QLineEdit()
        self.price.setPlaceholderText("Ej.: 1.500,00")
        self.field("Precio de venta (opcional)", self.price,
                   "Precio final con IVA. Vale en esta PC hasta que la central publique uno.")
        self.setFocusProxy(self.name)

    def chosen_unit(self) -> Unit:
        unit = self.unit.currentData()
        return unit if isinstance(unit, Unit) else Unit.UNIT


class StockScreen(Screen):
    key, title, shortcut = "stock", "Stock", "F4"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.index = CatalogIndex()
        self.rows: list[ProductRow] = []
        self.shown_query: str | None = None  # the text the table shows the results of
        self.searching = False
        self.enter_waiting = False  # Enter came before the results: act when they do
        self.offered_code: str | None = None  # an unknown barcode to make a product of
        self.dialog: ProvisionalDialog | None = None
        self.history_row: ProductRow | None = None
        self.entries: list[HistoryEntry] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.search_now)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_search_page())
        self.pages.addWidget(self._build_history_page())
        self.body.addWidget(self.pages, 1)
        self.shortcuts = add_shortcuts(self, [("Ctrl+N", self.offer_provisional),
                                              ("Esc", self.escape)])

    # --- building ---------------------------------------------------------------------

    def _build_search_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Buscá por nombre, SKU o código de barras (o escaneá)")
        self.search.setStyleSheet("font-size: 17pt; padding: 8px 12px;")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self.enter)
        self.search.installEventFilter(self)
        self.result_label = hint("")
        self.result_label.setWordWrap(False)
        row.addWidget(self.search, 1)
        row.addWidget(self.result_label)
        layout.addLayout(row)

        self.offer, offer_layout = card()
        offer_layout.setContentsMargins(16, 10, 16, 10)
        self.offer.setStyleSheet("#card { background: #fff4e0; border-color: #f0c37a; }")
        offer_row = QHBoxLayout()
        self.offer_label = QLabel()
        self.offer_label.setWordWrap(True)
        self.offer_label.setStyleSheet("color: #8a4b00; font-weight: bold; background: none;")
        self.offer_button = button("Crear producto provisorio  (Ctrl+N)", primary=True)
        self.offer_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.offer_button.clicked.connect(self.offer_provisional)
        offer_row.addWidget(self.offer_label, 1)
        offer_row.addWidget(self.offer_button)
        offer_layout.addLayout(offer_row)
        self.offer.hide()
        layout.addWidget(self.offer)

        self.table = DataTable(["SKU", "Producto", "Stock", "Precio", "Mínimo"],
                               numeric=(2, 3, 4))
        self.table.set_widths({0: 225, 2: 110, 3: 165, 4: 110})  # PROV-<ean>: 18 wide
        self.table.doubleClicked.connect(lambda _index: self.open_history())
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        bottom.addWidget(hint("↑↓ elegir · Enter o doble clic: historial · Esc: borrar la "
                              "búsqueda · En rojo: debajo del mínimo"), 1)
        self.history_button = button("Ver historial  (Enter)")
        self.history_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history_button.clicked.connect(self.open_history)
        bottom.addWidget(self.history_button)
        layout.addLayout(bottom)
        return page

    def _build_history_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.history_name = QLabel()
        self.history_name.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.history_facts = hint("")
        self.history_facts.setStyleSheet("font-size: 14pt;")
        titles.addWidget(self.history_name)
        titles.addWidget(self.history_facts)
        self.back_button = button("Volver a la búsqueda  (Esc)")
        self.back_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.back_button.clicked.connect(self.close_history)
        top.addLayout(titles, 1)
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.history_table = DataTable(
            ["Fecha y hora", "Movimiento", "Cantidad", "Comprobante / motivo", "Quién"],
            numeric=(2,), stretch=3, take_focus=True)
        self.history_table.set_widths({0: 190, 1: 260, 2: 130, 4: 200})
        layout.addWidget(self.history_table, 1)
        layout.addWidget(hint("Conteo: la cantidad que había en ese momento. «No cuenta»: "
                              "una factura que ya se había registrado antes no suma stock "
                              "dos veces."))
        return page

    # --- what the shell calls ------------------------------------------------------------

    def focus_target(self) -> QWidget | None:
        return self.history_table if self.pages.currentIndex() == 1 else self.search

    def refresh(self) -> None:
        if self.pages.currentIndex() == 1 and self.history_row is not None:
            self._load_history()
        elif self.search.text().strip():
            self.search_now()  # levels may have moved since

    # --- searching --------------------------------------------------------------------

    def _typed(self, _text: str) -> None:
        self.timer.start()

    def search_now(self) -> None:
        self.timer.stop()
        query = self.search.text()
        if self.searching:
            return  # searched again when the running one comes back
        if not query.strip():
            self._show(Found(query, []))
            return
        self.searching = True
        self.run_task(search, self.store, self.index, query, on_done=self._found,
                      on_error=self._failed)

    def _found(self, found: Found) -> None:
        self.searching = False
        if found.query != self.search.text():
            if not self.timer.isActive():
                self.search_now()
            return
        self._show(found)
        if self.enter_waiting:
            self.enter_waiting = False  # a scan: show the product, Enter again for history

    def _failed(self, error: BaseException) -> None:
        self.searching = False
        self.enter_waiting = False
        self.show_error(error)

    def _show(self, found: Found) -> None:
        self.rows = found.rows
        self.shown_query = found.query
        self.table.set_rows([
            [row.sku, row.name + (PROVISIONAL_TAG if row.provisional else ""),
             quantity_text(row.level, row.unit), money_text(row.price_cents)
             + (" /kg" if row.unit == Unit.KG.value and row.price_cents is not None else ""),
             "—" if row.minimum is None else quantity_text(row.minimum, row.unit)]
            for row in found.rows])
        for number, row in enumerate(found.rows):
            if row.below_minimum:
                self.table.paint_row(number, color=SHORT_FG, background=SHORT_BG,
                                     bold_columns=(2,))
            elif row.provisional:
                self.table.paint_cell(number, 1, color=PROVISIONAL_FG)
            if row.price_cents is None:
                self.table.paint_cell(number, 3, color=MUTED_FG)
        if found.rows:
            self.table.selectRow(0)
        query = found.query.strip()
        self.result_label.setText(
            "" if not query else
            count_text(len(found.rows), "producto", "productos")
            + (" (los primeros)" if len(found.rows) >= ROWS else ""))
        self.offered_code = new_barcode(query) if query and not found.rows else None
        if self.offered_code is not None:
            self.offer_label.setText(f"El código {self.offered_code} no está en el catálogo. "
                                     "Podés crearlo como producto provisorio.")
        elif query and not found.rows:
            self.result_label.setText("Ningún producto coincide")
        self.offer.setVisible(self.offered_code is not None)
        self.history_button.setEnabled(bool(found.rows))

    def enter(self) -> None:
        """Enter in the search field: history of the chosen row, once the results are in."""
        query = self.search.text()
        if not query.strip():
            return
        if self.shown_query == query and not self.searching and not self.timer.isActive():
            if self.rows:
                self.open_history()
            elif self.offered_code is not None:
                self.offer_provisional()
            return
        self.enter_waiting = True
        if not self.searching:
            self.search_now()

    def escape(self) -> None:
        if self.pages.currentIndex() == 1:
            self.close_history()
        else:
            self.search.clear()
            self.search.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The search field keeps the keyboard; the arrows move the chosen row."""
        if watched is self.search and isinstance(event, QKeyEvent) \
                and event.key() in _ARROWS and not event.modifiers():
            if event.type() == QEvent.Type.KeyPress:
                self.table.step(_ARROWS[Qt.Key(event.key())])
            return event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        return super().eventFilter(watched, event)

    # --- history ------------------------------------------------------------------------

    def open_history(self) -> None:
        row = self.table.selected_row()
        if row is None or row >= len(self.rows):
            return
        self.history_row = self.rows[row]
        product = self.history_row
        self.history_name.setText(product.name + (PROVISIONAL_TAG if product.provisional else ""))
        facts = [f"SKU {product.sku}", f"Stock {quantity_text(product.level, product.unit)}",
                 "Mínimo " + ("—" if product.minimum is None
                              else quantity_text(product.minimum, product.unit)),
                 f"Precio {money_text(product.price_cents)}"]
        self.history_facts.setText("   ·   ".join(facts))
        self.history_facts.setStyleSheet(
            f"font-size: 14pt; color: {SHORT_FG};" if product.below_minimum else "font-size: 14pt;")
        self.history_table.set_rows([])
        self.pages.setCurrentIndex(1)
        self.history_table.setFocus()
        self._load_history()

    def _load_history(self) -> None:
        if self.history_row is not None:
            self.run_task(history, self.store, self.history_row.product_id,
                          on_done=self._show_history)

    def _show_history(self, entries: list[HistoryEntry]) -> None:
        self.entries = entries
        unit = self.history_row.unit if self.history_row else Unit.UNIT.value
        self.history_table.set_rows([
            [moment_text(entry.at), kind_text(entry),
             ("= " + quantity_text(entry.quantity, unit)) if entry.source is HistorySource.COUNT
             else quantity_text(entry.quantity, unit, signed=True),
             detail_text(entry), entry.user_name or "—"]
            for entry in entries])
        for number, entry in enumerate(entries):
            if not entry.counts_toward_stock:
                self.history_table.paint_row(number, color=MUTED_FG, italic=True)
            elif entry.source is HistorySource.COUNT:
                self.history_table.paint_cell(number, 1, bold=True)
        if not entries:
            self.show_notice("Este producto todavía no tiene movimientos en esta sucursal.",
                             "info")

    def close_history(self) -> None:
        self.clear_message()
        self.pages.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()
        if self.search.text().strip():
            self.search_now()  # the level may have changed meanwhile

    # --- provisional products -------------------------------------------------------------

    def offer_provisional(self) -> None:
        code = self.offered_code
        if code is None or self.dialog is not None or self.pages.currentIndex() != 0:
            return
        dialog = ProvisionalDialog(self, code)
        self.dialog = dialog
        dialog.submitted.connect(lambda: self._create(dialog))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        show_dialog(dialog)

    def _create(self, dialog: ProvisionalDialog) -> None:
        price = dialog.price.text().strip() or None
        dialog.set_busy(True, "Creando el producto…")
        user_id = self.user.id if self.user is not None else None
        self.run_task(self.store.write, create_provisional_product, dialog.barcode,
                      dialog.name.text(), dialog.chosen_unit(), price, user_id=user_id,
                      on_done=lambda made: self._created(dialog, made), on_error=dialog.fail)

    def _created(self, dialog: ProvisionalDialog, made: ProvisionalProduct) -> None:
        self.context.sync.refresh_counts()
        dialog.set_busy(False)
        dialog.accept()
        self.show_notice(f"Producto provisorio creado: {made.name} ({made.sku}). La central "
                         "lo revisa después.", "ok")
        self.search.setText(made.barcode)
        self.search_now()

    def _dialog_closed(self, dialog: ProvisionalDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        refocus(self.search)

