"""Precios (F7): price changes since the shelf labels were last printed, to print or tick off.

Space ticks the chosen row, Ctrl+A ticks (or unticks) them all, Ctrl+M marks the ticked
ones (or the chosen one) as relabelled: they leave the list until their price changes
again. Ctrl+P prints labels for the ticked ones (all when none is ticked); Ctrl+G saves
them as a page to print later (HTML), a PDF or plain text. Marks are this PC's own
(:mod:`desktop.app.prices`): nothing is sent to the server.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import QDir, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QTableWidgetItem,
    QWidget,
)

from desktop.app.prices import (
    PriceChange,
    labels_html,
    labels_text,
    mark_relabelled,
    price_changes_since_relabel,
)
from desktop.app.quantities import today
from desktop.app.store import StoreData
from desktop.ui.messages import count_text
from desktop.ui.screens.backoffice_widgets import (
    OK_FG,
    SHORT_FG,
    DataTable,
    add_shortcuts,
    day_text,
    in_session,
    money_text,
)
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.widgets import button, hint

TICK_COLUMN = 0
FILE_TYPES = {"html": "Página para imprimir (*.html)", "pdf": "PDF (*.pdf)",
              "txt": "Texto (*.txt)"}
TITLE = "Cambios de precio"


def write_list(path: Path, changes: list[PriceChange]) -> Path:
    """Worker: the list as a page to print (.html) or plain text (.txt)."""
    text = labels_text(changes) if path.suffix.lower() == ".txt" else labels_html(
        changes, title=f"{TITLE} — {today():%d/%m/%Y}")
    path.write_text(text, encoding="utf-8")
    return path


def print_labels(changes: list[PriceChange], printer: QPrinter) -> None:
    """Labels through Qt's text engine: to a printer, or to a PDF file (UI thread)."""
    document = QTextDocument()
    document.setHtml(labels_html(changes, title=f"{TITLE} — {today():%d/%m/%Y}"))
    document.print_(printer)


def per_kg(change: PriceChange) -> str:
    return " /kg" if change.unit == "kg" else ""


def mark(store: StoreData, product_ids: list[uuid.UUID]) -> int:
    return mark_relabelled(store, product_ids)


class PricesScreen(Screen):
    key, title, shortcut = "precios", "Precios", "F7"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.changes: list[PriceChange] = []
        self.file_dialog: QFileDialog | None = None
        self.print_dialog: QPrintDialog | None = None
        self.marking = False
        top = QHBoxLayout()
        self.summary = QLabel("")
        self.summary.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.ticked_label = hint("")
        top.addWidget(self.summary, 1)
        top.addWidget(self.ticked_label)
        self.body.addLayout(top)

        self.table = DataTable(["", "SKU", "Producto", "Precio anterior", "Precio nuevo",
                                "Diferencia", "Desde"],
                               numeric=(3, 4, 5), stretch=2, take_focus=True)
        self.table.set_widths({0: 46, 1: 80, 3: 160, 4: 170, 5: 135, 6: 125})
        self.table.itemChanged.connect(lambda _item: self._count_ticked())
        self.table.installEventFilter(self)
        self.body.addWidget(self.table, 1)
        notes = QHBoxLayout()
        notes.addWidget(hint("Espacio: tildar el elegido · Precio anterior: el de la etiqueta "
                             "colgada"), 1)
        self.all_button = button("Tildar todos  (Ctrl+A)")
        notes.addWidget(self.all_button)
        self.body.addLayout(notes)

        row = QHBoxLayout()
        row.setSpacing(10)
        self.save_button = button("Guardar lista para imprimir  (Ctrl+G)")
        self.print_button = button("Imprimir  (Ctrl+P)")
        self.mark_button = button("Marcar reetiquetados  (Ctrl+M)", primary=True)
        for widget, action in ((self.all_button, self.tick_all),
                               (self.save_button, self.save_list),
                               (self.print_button, self.print_list),
                               (self.mark_button, self.mark)):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            widget.clicked.connect(action)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(self.print_button)
        row.addWidget(self.mark_button)
        self.body.addLayout(row)
        self.shortcuts = add_shortcuts(self, [
            ("Ctrl+A", self.tick_all), ("Ctrl+M", self.mark), ("Ctrl+G", self.save_list),
            ("Ctrl+P", self.print_list)])
        self._count_ticked()

    def focus_target(self) -> QWidget | None:
        return self.table

    def refresh(self) -> None:
        self.run_task(in_session, self.store, price_changes_since_relabel,
                      on_done=self.show_changes)

    # --- the list -----------------------------------------------------------------------

    def show_changes(self, changes: list[PriceChange]) -> None:
        ticked = set(self.ticked_ids())
        self.changes = changes
        self.table.blockSignals(True)
        self.table.set_rows([
            ["", change.sku, change.name, money_text(change.old_price_cents) + per_kg(change),
             money_text(change.new_price_cents) + per_kg(change),
             ("+" if change.difference_cents > 0 else "") + money_text(change.difference_cents),
             day_text(change.since)] for change in changes])
        for row, change in enumerate(changes):
            item = self.table.item(row, TICK_COLUMN)
            assert item is not None
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if change.product_id in ticked
                               else Qt.CheckState.Unchecked)
            self.table.paint_cell(row, 4, bold=True)
            self.table.paint_cell(row, 5, color=SHORT_FG if change.difference_cents > 0
                                  else OK_FG)
        self.table.blockSignals(False)
        if changes:
            self.table.selectRow(0)
        self.summary.setText(
            count_text(len(changes), "producto cambió de precio", "productos cambiaron de "
                       "precio") + " desde la última etiqueta"
            if changes else "No hay cambios de precio para reetiquetar.")
        self._count_ticked()

    def _tick(self, row: int) -> QTableWidgetItem | None:
        return self.table.item(row, TICK_COLUMN)

    def ticked_ids(self) -> list[uuid.UUID]:
        return [change.product_id for row, change in enumerate(self.changes)
                if (item := self._tick(row)) is not None
                and item.checkState() == Qt.CheckState.Checked]

    def _count_ticked(self) -> None:
        ticked = len(self.ticked_ids())
        self.ticked_label.setText(count_text(ticked, "tildado", "tildados") if ticked else "")
        has_rows = bool(self.changes)
        for widget in (self.all_button, self.save_button, self.print_button, self.mark_button):
            widget.setEnabled(has_rows and not self.marking)
        self.all_button.setText("Destildar todos  (Ctrl+A)" if has_rows
                                and ticked == len(self.changes) else "Tildar todos  (Ctrl+A)")

    def toggle_current(self) -> None:
        row = self.table.selected_row()
        item = self._tick(row) if row is not None else None
        if item is not None:
            item.setCheckState(Qt.CheckState.Unchecked if item.checkState()
                               == Qt.CheckState.Checked else Qt.CheckState.Checked)

    def tick_all(self) -> None:
        every = len(self.ticked_ids()) == len(self.changes)
        state = Qt.CheckState.Unchecked if every else Qt.CheckState.Checked
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            item = self._tick(row)
            if item is not None:
                item.setCheckState(state)
        self.table.blockSignals(False)
        self._count_ticked()

    def chosen(self) -> list[PriceChange]:
        """The ticked changes, else the one the cursor is on."""
        ticked = set(self.ticked_ids())
        if ticked:
            return [change for change in self.changes if change.product_id in ticked]
        row = self.table.selected_row()
        return [self.changes[row]] if row is not None and row < len(self.changes) else []

    def to_print(self) -> list[PriceChange]:
        """The ticked changes, else all of them."""
        ticked = set(self.ticked_ids())
        return [change for change in self.changes if not ticked or change.product_id in ticked]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and isinstance(event, QKeyEvent) \
                and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Space:
            self.toggle_current()
            return True
        return super().eventFilter(watched, event)

    # --- marking ------------------------------------------------------------------------

    def mark(self) -> None:
        chosen = self.chosen()
        if not chosen or self.marking:
            return
        self.marking = True
        self._count_ticked()
        self.run_task(mark, self.store, [change.product_id for change in chosen],
                      on_done=self._marked, on_error=self._mark_failed)

    def _marked(self, marked: int) -> None:
        self.marking = False
        self.context.sync.refresh_counts()
        self.show_notice(count_text(marked, "producto marcado", "productos marcados")
                         + " como reetiquetado" + ("s." if marked != 1 else "."), "ok")
        self.refresh()

    def _mark_failed(self, error: BaseException) -> None:
        self.marking = False
        self._count_ticked()
        self.show_error(error)

    # --- printing -------------------------------------------------------------------------

    def save_list(self) -> None:
        if not self.changes or self.file_dialog is not None:
            return
        dialog = QFileDialog(self, "Guardar lista para imprimir", QDir.homePath())
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(list(FILE_TYPES.values()))
        dialog.setDefaultSuffix("html")
        dialog.selectFile(f"etiquetas-{today():%Y-%m-%d}.html")
        dialog.filterSelected.connect(lambda name: dialog.setDefaultSuffix(
            next((suffix for suffix, text in FILE_TYPES.items() if text == name), "html")))
        dialog.fileSelected.connect(self._save_to)
        dialog.finished.connect(lambda _result: self._file_dialog_closed(dialog))
        self.file_dialog = dialog
        dialog.open()

    def _file_dialog_closed(self, dialog: QFileDialog) -> None:
        self.file_dialog = None
        dialog.deleteLater()
        self.table.setFocus()

    def _save_to(self, name: str) -> None:
        path = Path(name)
        changes = self.to_print()
        if path.suffix.lower() == ".pdf":
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(path))
            print_labels(changes, printer)
            self._saved(path)
            return
        self.run_task(write_list, path, changes, on_done=self._saved)

    def _saved(self, path: Path) -> None:
        self.show_notice(f"Lista guardada en {path}. Cuando las etiquetas estén colgadas, "
                         "marcalas como reetiquetadas (Ctrl+M).", "ok")

    def print_list(self) -> None:
        if not self.changes or self.print_dialog is not None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Imprimir etiquetas")
        changes = self.to_print()
        dialog.accepted.connect(lambda: self._print(changes, printer))
        dialog.finished.connect(lambda _result: self._print_dialog_closed(dialog))
        self.print_dialog = dialog
        QDialog.open(dialog)  # window-modal, no nested loop

    def _print(self, changes: list[PriceChange], printer: QPrinter) -> None:
        print_labels(changes, printer)
        self.show_notice(count_text(len(changes), "etiqueta enviada", "etiquetas enviadas")
                         + " a la impresora. Cuando estén colgadas, marcalas como "
                         "reetiquetadas (Ctrl+M).", "ok")

    def _print_dialog_closed(self, dialog: QPrintDialog) -> None:
        self.print_dialog = None
        dialog.deleteLater()
