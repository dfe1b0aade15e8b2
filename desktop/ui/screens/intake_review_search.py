"""The product search under the review table: any product for the line chosen.

"Buscar otro producto…" in a line's picker (or typing here) searches the catalog as you
type (off the UI thread, like Stock); ↑↓ and Enter, or a click, give the line that
product (``picked(row, product_id)``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QVBoxLayout, QWidget

from desktop.app.catalog_index import CatalogIndex
from desktop.app.lookup import ProductRow, search_products
from desktop.ui.screens.backoffice_widgets import in_session
from desktop.ui.screens.base import Screen

SEARCH_MS = 200
LIMIT = 8


class ProductSearch(QWidget):
    picked = Signal(int, object)  # (line row, product id)

    def __init__(self, screen: Screen, selected: Callable[[], int | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.screen, self.selected = screen, selected  # selected: the table's chosen row
        self.row: int | None = None
        self.rows: list[ProductRow] = []
        self.index = CatalogIndex()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Buscar producto para la línea elegida")
        self.edit.setToolTip("Nombre, SKU o código de barras; ↑↓ y Enter lo asignan.")
        self.edit.textEdited.connect(lambda _text: self.timer.start())
        self.edit.returnPressed.connect(self._enter)
        self.edit.installEventFilter(self)
        self.results = QListWidget()
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.setMaximumHeight(130)
        self.results.itemClicked.connect(lambda item: self._pick(self.results.row(item)))
        self.results.hide()
        layout.addWidget(self.results)
        layout.addWidget(self.edit)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_MS)
        self.timer.timeout.connect(self._search)

    def start(self, row: int) -> None:
        """Search for line ``row`` (its picker said "Buscar otro producto…")."""
        self.row = row
        self.edit.setFocus()
        self.edit.selectAll()

    def reset(self) -> None:
        self.row = None
        self.rows = []
        self.edit.clear()
        self.results.clear()
        self.results.hide()

    def _target_row(self) -> int | None:
        return self.row if self.row is not None else self.selected()

    def _search(self) -> None:
        text = self.edit.text()
        if len(text.strip()) < 2:
            self._show(text, [])
            return
        self.screen.run_task(
            in_session, self.screen.store,
            lambda session, store_id: search_products(session, store_id, text, LIMIT,
                                                      index=self.index),
            on_done=lambda rows: self._show(text, rows))

    def _show(self, text: str, rows: list[ProductRow]) -> None:
        if text != self.edit.text():
            return  # typed on since
        self.rows = rows
        self.results.clear()
        for row in rows:
            self.results.addItem(f"{row.name}  ·  {row.sku}")
        self.results.setVisible(bool(rows))
        if rows:
            self.results.setCurrentRow(0)

    def _enter(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self._search()
            return
        if self.results.isVisible() and self.results.currentRow() >= 0:
            self._pick(self.results.currentRow())

    def _pick(self, index: int) -> None:
        target = self._target_row()
        if target is None or not 0 <= index < len(self.rows):
            return
        self.picked.emit(target, self.rows[index].product_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and isinstance(event, QKeyEvent) and self.results.isVisible() \
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            if event.type() == QEvent.Type.KeyPress:
                step = -1 if event.key() == Qt.Key.Key_Up else 1
                self.results.setCurrentRow(max(0, min(self.results.count() - 1,
                                                      self.results.currentRow() + step)))
            return event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        return super().eventFilter(watched, event)
