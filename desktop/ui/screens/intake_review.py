"""The review of an invoice read by the camera: the photo beside what was read, editable.

Header fields (supplier CUIT and name, type, point of sale, number, date, CAE) are
tinted by how sure the reading is. Each line shows the code and description read, the
product assigned (a picker of the ranked candidates, or a search below the table),
quantity and unit cost (editable) and the amount. A line without a product is flagged
"Sin asignar" in red until one is picked. Nothing here writes: the capture flow
(:mod:`desktop.ui.screens.intake_capture`) confirms what :meth:`ReviewView.edited` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.app.intake import SupplierRef
from desktop.app.invoice_capture import CaptureLine, CaptureReview
from desktop.ui.messages import count_text
from desktop.ui.screens.backoffice_widgets import (
    MUTED_FG,
    OK_FG,
    PROVISIONAL_FG,
    SHORT_BG,
    SHORT_FG,
    DataTable,
    money_text,
    quantity_text,
)
from desktop.ui.screens.intake_review_photo import SURE, UNSURE, PagePhoto
from shared.domain.cuit import format_cuit
from shared.domain.enums import DocumentKind
from shared.domain.errors import MinimarketError, ValidationError
from shared.domain.invoice_matching import MatchCandidate
from shared.domain.invoices import line_amount_cents
from shared.domain.numbers import parse_decimal, parse_quantity, to_cents

CODE, DESCRIPTION, PRODUCT, QUANTITY, COST, AMOUNT = range(6)
UNASSIGNED = "⚠ Sin asignar"
SEARCH_OTHER = "Buscar otro producto…"
NEW_PRODUCT = "Crear producto provisorio con lo leído"
REMOVE = "No se recibe (quitar la línea)"
REMOVED = "Quitada: no se recibe"
UNSURE_BG, WRONG_BG = "#fff4d6", "#fdecea"
DOCUMENT_TYPES = (
    ("Factura A", "A", DocumentKind.INVOICE), ("Factura B", "B", DocumentKind.INVOICE),
    ("Factura C", "C", DocumentKind.INVOICE), ("Factura M", "M", DocumentKind.INVOICE),
    ("Nota de crédito A", "A", DocumentKind.CREDIT_NOTE),
    ("Nota de crédito B", "B", DocumentKind.CREDIT_NOTE),
    ("Nota de crédito C", "C", DocumentKind.CREDIT_NOTE),
)


@dataclass
class ReviewHeader:
    """The header as typed over what was read (the supplier by CUIT and name)."""

    cuit: str
    name: str
    letter: str
    kind: DocumentKind
    point_of_sale: int | None
    number: int | None
    issued_on: date | None
    cae: str


def _digits_edit(length: int, width: int) -> QLineEdit:
    edit = QLineEdit()
    edit.setMaxLength(length)
    edit.setFixedWidth(width)
    edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    return edit


def _tint(widget: QWidget, confidence: float | None) -> None:
    color = ("" if confidence is not None and confidence >= SURE else
             UNSURE_BG if confidence is not None and confidence >= UNSURE else WRONG_BG)
    widget.setProperty("confidence", confidence)
    widget.setStyleSheet(f"background: {color};" if color else "")
    if color:
        widget.setToolTip("Revisá este dato: no se leyó con seguridad.")


def candidate_text(candidate: MatchCandidate) -> str:
    return f"{candidate.name} ({candidate.sku})"


class ReviewView(QWidget):
    """Shows a :class:`CaptureReview`; line edits go straight into it (no session needed),
    a product chosen for a line is asked for with ``choose(row, product_id)`` (the flow
    resolves it on a worker) and a search with ``search_wanted(row)``."""

    choose = Signal(int, object)
    search_wanted = Signal(int)
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review: CaptureReview | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(14)
        self.photo = PagePhoto()
        outer.addWidget(self.photo, 2)
        right = QVBoxLayout()
        right.setSpacing(6)
        right.addLayout(self._build_header())
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #8a4b00; font-size: 11pt;")
        right.addWidget(self.notes)
        self.table = DataTable(["Cód.", "Descripción leída", "Producto asignado", "Cant.",
                                "Costo unit.", "Importe"], numeric=(QUANTITY, COST, AMOUNT),
                               stretch=DESCRIPTION, take_focus=True)
        self.table.set_widths({CODE: 72, PRODUCT: 225, QUANTITY: 82, COST: 112, AMOUNT: 122})
        self.table.setStyleSheet(self.table.styleSheet().replace("14pt", "11pt"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.itemChanged.connect(self._cell_edited)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        right.addWidget(self.table, 1)
        self.totals = QLabel("")
        self.totals.setWordWrap(True)
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        right.addWidget(self.totals)
        outer.addLayout(right, 7)

    def _build_header(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.cuit = QLineEdit()
        self.cuit.setFixedWidth(170)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Nombre del proveedor")
        self.doc_type = QComboBox()
        for text, letter, kind in DOCUMENT_TYPES:
            self.doc_type.addItem(text, (letter, kind))
        self.point_of_sale = _digits_edit(5, 90)
        self.number = _digits_edit(8, 130)
        self.issued_on = QDateEdit()
        self.issued_on.setDisplayFormat("dd/MM/yyyy")
        self.issued_on.setCalendarPopup(True)
        self.cae = _digits_edit(14, 190)
        self.supplier_status = QLabel("")
        self.supplier_status.setWordWrap(True)
        self.supplier_status.setStyleSheet("font-size: 11pt;")
        cells = ((0, 0, "CUIT del proveedor", self.cuit), (0, 1, "Proveedor", self.name),
                 (0, 2, "Tipo", self.doc_type), (2, 0, "Punto de venta", self.point_of_sale),
                 (2, 1, "Número", self.number), (2, 2, "Fecha", self.issued_on),
                 (2, 3, "CAE", self.cae))
        for row, column, caption, widget in cells:
            label = QLabel(caption)
            label.setStyleSheet("color: #5b6775; font-size: 11pt;")
            grid.addWidget(label, row, column)
            grid.addWidget(widget, row + 1, column)
        grid.addWidget(self.supplier_status, 0, 3, 2, 1)
        grid.setColumnStretch(1, 1)
        for edit in (self.cuit, self.name, self.point_of_sale, self.number, self.cae):
            edit.textEdited.connect(lambda _text: self.changed.emit())
        self.doc_type.currentIndexChanged.connect(lambda _index: self.changed.emit())
        return grid

    # --- filling ----------------------------------------------------------------------

    def show_review(self, review: CaptureReview, page: np.ndarray | None) -> None:
        self.review = review
        reading, draft = review.reading, review.draft
        supplier = draft.supplier
        cuit = supplier.cuit if supplier is not None else (reading.supplier_cuit or "")
        self.cuit.setText(format_cuit(cuit) if len(cuit) == 11 else cuit)
        self.name.setText(supplier.name if supplier is not None
                          else (reading.supplier_name or ""))
        self.name.setReadOnly(supplier is not None and supplier.supplier_id is not None)
        self.name.setCursorPosition(0)
        for index in range(self.doc_type.count()):
            if self.doc_type.itemData(index) == (draft.letter, draft.kind):
                self.doc_type.setCurrentIndex(index)
        self.point_of_sale.setText("" if draft.point_of_sale is None else
                                   f"{draft.point_of_sale:05d}")
        self.number.setText("" if draft.number is None else f"{draft.number:08d}")
        if draft.issued_on is not None:
            self.issued_on.setDate(QDate(draft.issued_on))
        self.cae.setText(reading.cae or "")
        for key, widget in (("cuit", self.cuit), ("type", self.doc_type),
                            ("point_of_sale", self.point_of_sale), ("number", self.number),
                            ("date", self.issued_on), ("cae", self.cae)):
            _tint(widget, reading.confidence.get(key))
        self.show_supplier(supplier)
        notes = [warning.text for warning in review.warnings
                 if warning.code != "supplier_unknown"]
        self.notes.setText("⚠ " + " ".join(notes) if notes else "")
        self.notes.setVisible(bool(notes))
        self.photo.set_page(page, reading.highlights, reading.confidence,
                            [line.read.box for line in review.lines])
        self.redraw()
        if review.lines:
            self.table.selectRow(review.unmatched[0] if review.unmatched else 0)

    def show_supplier(self, supplier: SupplierRef | None) -> None:
        if supplier is None:
            text, color = "Escribí el CUIT del proveedor.", SHORT_FG
        elif supplier.supplier_id is None:
            text, color = "Proveedor nuevo: se carga como provisorio con este nombre.", \
                PROVISIONAL_FG
        else:
            text, color = "✓ Proveedor registrado" + (
                " (provisorio)" if supplier.provisional else ""), OK_FG
        self.supplier_status.setText(text)
        self.supplier_status.setStyleSheet(f"font-size: 11pt; color: {color};")

    def redraw(self) -> None:
        review = self.review
        if review is None:
            return
        table = self.table
        table.blockSignals(True)
        table.set_rows([_row(capture) for capture in review.lines])
        for row, capture in enumerate(review.lines):
            for column in (CODE, DESCRIPTION, PRODUCT, AMOUNT):
                item = table.item(row, column)
                if item is not None:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setCellWidget(row, PRODUCT, self._picker(row, capture))
            if capture.removed:
                table.paint_row(row, color=MUTED_FG, italic=True)
            elif capture.line is None:
                table.paint_row(row, background=SHORT_BG)
            elif capture.line.unit_cost_cents is None:
                table.paint_cell(row, COST, color=SHORT_FG, background=SHORT_BG, bold=True)
            amount = capture.read.amount
            computed = _computed(capture)
            if amount is not None and computed is not None and abs(
                    to_cents(amount) - computed) > 5:
                table.paint_cell(row, AMOUNT, color="#8a4b00", background=UNSURE_BG, bold=True)
                item = table.item(row, AMOUNT)
                if item is not None:
                    item.setToolTip(f"En la factura: {money_text(to_cents(amount))}")
        table.blockSignals(False)
        self._show_totals()
        self.photo.mark_lines(review.unmatched, table.selected_row())

    def _picker(self, row: int, capture: CaptureLine) -> QComboBox:
        combo = QComboBox()
        combo.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        choices = list(capture.match.candidates)
        chosen = capture.line.product_id if capture.line is not None else None
        if capture.line is not None and all(c.product_id != chosen for c in choices):
            choices.insert(0, MatchCandidate(capture.line.product_id, capture.line.sku,
                                             capture.line.name, 100.0))
        if capture.removed:
            combo.addItem(REMOVED, "removed")
        elif capture.line is None:
            combo.addItem(UNASSIGNED, None)
        for candidate in choices:
            combo.addItem(candidate_text(candidate), candidate)
            if candidate.product_id == chosen:
                combo.setCurrentIndex(combo.count() - 1)
        combo.addItem(SEARCH_OTHER, "search")
        combo.addItem(NEW_PRODUCT, "new")
        if not capture.removed:
            combo.addItem(REMOVE, "remove")
        style = "QComboBox { padding: 2px 6px; min-height: 22px; font-size: 11pt; "
        if capture.line is None and not capture.removed:
            style += f"color: {SHORT_FG}; font-weight: bold; background: {SHORT_BG}; "
        combo.setStyleSheet(style + "}")
        combo.activated.connect(lambda index: self._picked(row, combo.itemData(index)))
        return combo

    def _picked(self, row: int, data: object) -> None:
        review = self.review
        if review is None:
            return
        self.table.selectRow(row)
        if data == "search":
            self.search_wanted.emit(row)
        elif data == "new":
            review.new_product(row)
        elif data == "remove":
            review.remove_line(row)
        elif isinstance(data, MatchCandidate):
            if review.lines[row].line is None or \
                    review.lines[row].line.product_id != data.product_id:
                self.choose.emit(row, data.product_id)
                return
        else:
            return
        self.refresh_row(row)

    def refresh_row(self, row: int) -> None:
        self.redraw()
        self.table.selectRow(row)
        self.changed.emit()

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        review = self.review
        row, column = item.row(), item.column()
        if review is None or row >= len(review.lines) or column not in (QUANTITY, COST):
            return
        text = item.text().replace("$", "").strip()
        try:
            if review.lines[row].line is None:
                raise ValidationError("line not resolved yet")
            if column == QUANTITY:
                review.set_quantity(row, parse_quantity(text))
            else:
                review.set_unit_cost(row, parse_decimal(text))
        except MinimarketError:
            pass  # the redraw puts back what the line holds
        QTimer.singleShot(0, lambda: self.refresh_row(row))  # the editor is still closing

    def _selection_changed(self) -> None:
        if self.review is not None:
            self.photo.mark_lines(self.review.unmatched, self.table.selected_row())

    def _show_totals(self) -> None:
        review = self.review
        assert review is not None
        reading, totals = review.reading, review.draft.totals()
        parts = [f"Neto {money_text(to_cents(reading.net))}" if reading.net is not None else "",
                 f"IVA {money_text(to_cents(reading.vat))}" if reading.vat is not None else "",
                 f"<b>Total {money_text(to_cents(reading.total))}</b>"
                 if reading.total is not None else ""]
        printed = " · ".join(part for part in parts if part) or "sin totales legibles"
        open_lines = len(review.unmatched)
        flag = (f" · <span style='color: {SHORT_FG}; font-weight: bold;'>⚠ "
                f"{count_text(open_lines, 'línea sin asignar', 'líneas sin asignar')}</span>"
                if open_lines else f" · <span style='color: {OK_FG};'>✓ todas asignadas</span>")
        self.totals.setText(
            f"En la factura: {printed}<br>Lo que se recibe: "
            f"{count_text(len(review.draft.lines), 'línea', 'líneas')} · Neto "
            f"{money_text(totals.net_cents)} · IVA {money_text(totals.vat_cents)} · <b>Total "
            f"{money_text(totals.total_cents)}</b>{flag}")

    # --- what the flow reads back -----------------------------------------------------

    def header(self) -> ReviewHeader:
        letter, kind = self.doc_type.currentData()
        chosen = self.issued_on.date()
        return ReviewHeader(
            cuit="".join(ch for ch in self.cuit.text() if ch.isdigit()),
            name=" ".join(self.name.text().split()), letter=letter, kind=kind,
            point_of_sale=int(self.point_of_sale.text()) if self.point_of_sale.text() else None,
            number=int(self.number.text()) if self.number.text() else None,
            issued_on=date(chosen.year(), chosen.month(), chosen.day()),
            cae=self.cae.text().strip())


def _computed(capture: CaptureLine) -> int | None:
    line = capture.line
    if line is None or line.unit_cost_cents is None:
        return None
    return line_amount_cents(line.qty_milli, line.unit_cost_cents)


def _row(capture: CaptureLine) -> list[str]:
    read, line = capture.read, capture.line
    if line is not None:
        quantity = quantity_text(line.quantity, line.unit)
        cost = money_text(line.unit_cost_cents)
    else:
        quantity = "" if read.quantity is None else quantity_text(read.quantity)
        cost = money_text(None if read.unit_price is None else to_cents(read.unit_price))
    computed = _computed(capture)
    amount = computed if computed is not None else (
        None if read.amount is None else to_cents(read.amount))
    return [read.code or "", read.description or "", "", quantity, cost, money_text(amount)]
