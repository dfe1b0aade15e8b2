"""Recepción manual (F5): a supplier document typed at the store, its goods, confirmed.

The screen keeps an :class:`~desktop.app.intake.IntakeDraft`. As soon as the header
(supplier, type, point of sale, number) is complete, :func:`check_document` says whether
the document was already registered. Lines come from a scan or a search (Enter), with
the quantity and the unit cost as printed; both stay editable in the table. F12 writes
everything in one transaction (:func:`confirm_intake`), offline like every write here;
what is still missing is shown beside its field.

The camera and a photo or PDF the supplier sent (Ctrl+K, Ctrl+O) read the document
instead: :mod:`desktop.ui.screens.intake_capture` shows its pages in place of this form,
which keeps what was typed meanwhile.
"""

from __future__ import annotations

import copy
from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.app.intake import (
    IntakeDraft,
    IntakeResult,
    SupplierRef,
    check_document,
    confirm_intake,
)
from desktop.app.quantities import today
from desktop.app.store import StoreData
from desktop.ui.messages import intake_problem_text, message_for
from desktop.ui.screens.backoffice_widgets import (
    OK_FG,
    SHORT_FG,
    ConfirmDialog,
    add_shortcuts,
    in_session,
    quantity_text,
    refocus,
    show_dialog,
)
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.screens.intake_capture import CaptureFlow
from desktop.ui.screens.intake_lines import IntakeLines, error_label
from desktop.ui.screens.intake_supplier import SupplierPicker
from desktop.ui.widgets import button
from shared.domain.enums import DocumentKind

DOCUMENT_TYPES = (
    ("Factura A", "A", DocumentKind.INVOICE), ("Factura B", "B", DocumentKind.INVOICE),
    ("Factura C", "C", DocumentKind.INVOICE),
    ("Nota de crédito A", "A", DocumentKind.CREDIT_NOTE),
    ("Nota de crédito B", "B", DocumentKind.CREDIT_NOTE),
    ("Nota de crédito C", "C", DocumentKind.CREDIT_NOTE),
)
CHECK_MS = 250


def check(store: StoreData, draft: IntakeDraft) -> str:
    return in_session(store, lambda session, _store_id: check_document(session, draft))


def _digits_field(width: int, length: int, placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setValidator(QRegularExpressionValidator(rf"[0-9]{{0,{length}}}"))
    edit.setPlaceholderText(placeholder)
    edit.setFixedWidth(width)
    edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    return edit


class IntakeScreen(Screen):
    key, title, shortcut = "recepcion", "Recepción", "F5"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.draft = IntakeDraft(issued_on=today())
        self.confirming = False
        self.tried = False  # F12 pressed once: keep the problems in view as they change
        self.checked_key: str | None = None
        self.registered = False  # the header names a document already confirmed
        self.dialog: ConfirmDialog | None = None
        self.check_timer = QTimer(self)
        self.check_timer.setSingleShot(True)
        self.check_timer.setInterval(CHECK_MS)
        self.check_timer.timeout.connect(self.check_header)
        manual = QWidget()
        form = QVBoxLayout(manual)
        form.setContentsMargins(0, 0, 0, 0)
        form.setSpacing(12)
        form.addWidget(self._build_header())
        self.lines = IntakeLines(self, self.draft)
        self.lines.changed.connect(self._redraw)
        self.problem_labels["lines"] = self.lines.problem_label
        form.addWidget(self.lines, 1)
        self.capture_flow = CaptureFlow(self, manual)
        self.lines.camera_button.hide()  # the flow's buttons below take its place
        form.addLayout(self._build_footer())
        self.body.addWidget(self.capture_flow, 1)
        self.shortcuts = add_shortcuts(self, [("F12", self.confirm), ("Ctrl+N", self.new_intake)])
        self._redraw()

    # --- building ---------------------------------------------------------------------

    def _build_header(self) -> QWidget:
        box = QGroupBox("Comprobante")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        self.supplier = SupplierPicker(self.run_task, self.store)
        self.supplier.changed.connect(self._header_changed)
        self.supplier.done.connect(self._supplier_done)
        self.doc_type = QComboBox()
        for text, letter, kind in DOCUMENT_TYPES:
            self.doc_type.addItem(text, (letter, kind))
        self.doc_type.currentIndexChanged.connect(self._header_changed)
        self.point_of_sale = _digits_field(110, 5, "00003")
        self.number = _digits_field(150, 8, "00001234")
        self.issued_on = QDateEdit()
        self.issued_on.setDisplayFormat("dd/MM/yyyy")
        self.issued_on.setCalendarPopup(True)
        self.issued_on.setStyleSheet(
            "QDateEdit { background: white; border: 1px solid #cfd6df; border-radius: 6px;"
            " padding: 6px 8px; min-height: 28px; }"
            " QDateEdit:focus { border: 2px solid #1565c0; }")
        self.issued_on.setDate(QDate(self.draft.issued_on or today()))
        self.issued_on.setMaximumDate(QDate(today()))
        self.issued_on.dateChanged.connect(self._header_changed)
        for edit in (self.point_of_sale, self.number):
            edit.textEdited.connect(self._header_changed)
        self.point_of_sale.returnPressed.connect(lambda: self.number.setFocus())
        self.number.returnPressed.connect(lambda: self.lines.product.setFocus())
        captions = ("Proveedor (CUIT o nombre)", "Tipo", "Punto de venta", "Número", "Fecha")
        widgets = (self.supplier, self.doc_type, self.point_of_sale, self.number, self.issued_on)
        self.problem_labels: dict[str, QLabel] = {}
        for column, (caption, widget, key) in enumerate(zip(
                captions, widgets, ("supplier", "letter", "point_of_sale", "number", "date"),
                strict=True)):
            label = QLabel(caption)
            label.setStyleSheet("font-weight: normal; color: #5b6775;")
            grid.addWidget(label, 0, column)
            self.problem_labels[key] = error_label()
            if column == 0:  # the picker grows below its field: a name, choices
                grid.addWidget(widget, 1, 0, 3, 1, Qt.AlignmentFlag.AlignTop)
                grid.addWidget(self.problem_labels[key], 4, 0, Qt.AlignmentFlag.AlignTop)
            else:
                grid.addWidget(widget, 1, column, Qt.AlignmentFlag.AlignTop)
                grid.addWidget(self.problem_labels[key], 2, column, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(3, 1)
        self.doc_status = QLabel("")
        self.doc_status.setWordWrap(True)
        grid.addWidget(self.doc_status, 3, 1, 2, 4, Qt.AlignmentFlag.AlignTop)
        self.setTabOrder(self.supplier.name, self.doc_type)
        return box

    def _build_footer(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(10)
        self.remove_button = button("Quitar línea  (Supr)")
        self.new_button = button("Nueva recepción  (Ctrl+N)")
        self.confirm_button = button("Confirmar recepción  (F12)", primary=True)
        for widget, action in ((self.remove_button, self.lines.remove_line),
                               (self.new_button, self.new_intake),
                               (self.confirm_button, self.confirm)):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            widget.clicked.connect(action)
        row.addWidget(self.remove_button)
        row.addWidget(self.new_button)
        row.addWidget(self.capture_flow.camera_button)
        row.addWidget(self.capture_flow.import_button)
        row.addStretch(1)
        row.addWidget(self.confirm_button)
        return row

    def focus_target(self) -> QWidget | None:
        if not self.capture_flow.manual_shown:
            return self.capture_flow.currentWidget()
        if self.draft.supplier is None:
            return self.supplier
        return self.lines.product

    # --- the header ---------------------------------------------------------------------

    def _header_changed(self, *_args: object) -> None:
        letter, kind = self.doc_type.currentData()
        draft = self.draft
        draft.supplier = self.supplier.supplier
        draft.letter, draft.kind = letter, kind
        draft.point_of_sale = int(self.point_of_sale.text()) if self.point_of_sale.text() else None
        draft.number = int(self.number.text()) if self.number.text() else None
        chosen = self.issued_on.date()
        draft.issued_on = date(chosen.year(), chosen.month(), chosen.day())
        self.registered = False
        self.checked_key = None
        self.doc_status.setText("")
        self.check_timer.start()
        self._redraw()

    def _supplier_done(self) -> None:
        self.doc_type.setFocus()

    def _header_ref(self) -> SupplierRef | None:
        """The supplier to check the document with: chosen, or a new CUIT not named yet."""
        if self.draft.supplier is not None:
            return self.draft.supplier
        cuit = self.supplier.pending_cuit()
        return SupplierRef(None, cuit, cuit, True) if cuit else None

    def check_header(self) -> None:
        ref = self._header_ref()
        draft = self.draft
        probe = IntakeDraft(supplier=ref, letter=draft.letter, kind=draft.kind,
                            point_of_sale=draft.point_of_sale, number=draft.number)
        if ref is None or any(field != "letter" for field, _ in probe._header_problems()):
            return
        label = probe.label
        self.run_task(check, self.store, probe, on_done=lambda key: self._checked(label, key),
                      on_error=lambda error: self._check_failed(label, error))

    def _checked(self, label: str, key: str) -> None:
        if label != self.draft.label:
            return
        self.checked_key = key
        self.doc_status.setText(f"{label}: no está registrado todavía.")
        self.doc_status.setStyleSheet(f"color: {OK_FG};")

    def _check_failed(self, label: str, error: BaseException) -> None:
        if label != self.draft.label:
            return
        self.registered = True
        self.doc_status.setText(message_for(error))
        self.doc_status.setStyleSheet(f"color: {SHORT_FG}; font-weight: bold;")

    # --- lines --------------------------------------------------------------------------

    # --- drawing ------------------------------------------------------------------------

    def _redraw(self) -> None:
        self.lines.redraw()
        self.remove_button.setEnabled(bool(self.draft.lines))
        if self.tried:
            self._show_problems()

    def _show_problems(self) -> bool:
        """Put each problem of the draft beside its field; True when there is none."""
        found: dict[str, list[str]] = {}
        for field, message in self.draft.problems():
            key = "lines" if field.startswith("lines") else field
            if field == "supplier" and self.supplier.pending_cuit():
                text = ""  # the picker already asks for the new supplier's name
            elif field in ("point_of_sale", "number") and not self._digits(field):
                text = "Falta."  # the caption above says which
            else:
                text = intake_problem_text(field, message, self.draft.lines)
            found.setdefault(key, []).append(text)
        for key, label in self.problem_labels.items():
            label.setText(" ".join(text for text in found.get(key, []) if text))
        return not found

    def _digits(self, field: str) -> str:
        return (self.point_of_sale if field == "point_of_sale" else self.number).text()

    # --- confirming ---------------------------------------------------------------------

    def confirm(self) -> None:
        if not self.capture_flow.manual_shown:  # F12 on the review confirms it too
            self.capture_flow.confirm()
            return
        if self.confirming or self.lines.adding:
            return
        self.tried = True
        if not self._show_problems():
            self.show_error("Faltan datos: están marcados en rojo al lado de cada campo.")
            return
        user_id = self.user.id if self.user is not None else None
        self._set_confirming(True)
        self.show_notice("Registrando la recepción…", "info")
        self.run_task(self.store.write, confirm_intake, copy.deepcopy(self.draft),
                      user_id=user_id, on_done=self._confirmed, on_error=self._refused)

    def _set_confirming(self, confirming: bool) -> None:
        self.confirming = confirming
        self.confirm_button.setEnabled(not confirming)
        self.lines.set_blocked(confirming)

    def _confirmed(self, result: IntakeResult) -> None:
        self._set_confirming(False)
        self.context.sync.refresh_counts()
        supplier = self.draft.supplier
        name = supplier.name if supplier is not None else ""
        levels = ", ".join(f"{line.name}: {quantity_text(line.level)}" for line in result.lines[:4])
        more = "…" if len(result.lines) > 4 else ""
        created = " (proveedor provisorio nuevo)" if result.supplier_created else ""
        self._reset()
        self.show_notice(f"Recepción registrada: {result.label} de {name}{created}. "
                         f"Stock ahora: {levels}{more}.", "ok")

    def _refused(self, error: BaseException) -> None:
        self._set_confirming(False)
        self.show_error(error)
        self._redraw()

    def new_intake(self) -> None:
        if self.confirming or not self.capture_flow.manual_shown:
            return
        if not self.draft.lines or self.dialog is not None:
            self._reset()
            self.clear_message()
            return
        dialog = ConfirmDialog(self, "¿Descartar esta recepción?",
                               f"Se pierden las {len(self.draft.lines)} líneas cargadas; no se "
                               "registró nada todavía.", yes="Descartar", no="Seguir cargando",
                               warning=True)
        self.dialog = dialog
        dialog.submitted.connect(dialog.accept)
        dialog.accepted.connect(self._discard)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        show_dialog(dialog)

    def _discard(self) -> None:
        self._reset()
        self.clear_message()

    def _dialog_closed(self, dialog: ConfirmDialog) -> None:
        self.dialog = None
        dialog.deleteLater()
        refocus(self.supplier.edit if self.draft.supplier is None else self.lines.product)

    def _reset(self) -> None:
        self.draft = IntakeDraft(issued_on=today())
        self.tried = False
        self.registered = False
        self.checked_key = None
        self.supplier.clear()
        self.lines.reset(self.draft)
        for edit in (self.point_of_sale, self.number):
            edit.clear()
        self.doc_type.setCurrentIndex(0)
        self.issued_on.setDate(QDate(today()))
        self.doc_status.setText("")
        for label in self.problem_labels.values():
            label.setText("")
        self._header_changed()
        self.supplier.setFocus()
