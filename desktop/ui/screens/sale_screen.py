"""Venta / salida (F2): the counter, for a keyboard-wedge scanner and one hand.

The scan field always has the keyboard. A scan (EAN + Enter) is resolved off the UI
thread (:meth:`desktop.app.sales.Cart.resolve`) and put in the cart on the UI thread;
scans that arrive meanwhile wait in order. Nothing is written until the cart is
confirmed (one document, :meth:`~desktop.app.sales.Cart.confirm`); the receipt then
replaces the lines, flagging any product whose stock went below zero (recorded, never
refused). Ctrl+Z reverts this PC's last document with opposite movements.

Keys: ``3*`` before a scan sells 3 (``0,750*`` weighs 0,750 kg); Enter on an empty field
or F12 confirms; ↑↓ choose a line, Supr removes it, F10 changes its quantity; Esc
cancels; Ctrl+1…4 choose what kind of stock-out this is.
"""

from __future__ import annotations

import re
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from desktop.app.counter_errors import (
    AlreadyConfirmed,
    EmptyCart,
    PriceMissing,
    ReasonRequired,
    UnknownCode,
    WeightRequired,
)
from desktop.app.provisional import ProvisionalProduct, create_provisional_product
from desktop.app.revert import revert_last
from desktop.app.sales import Cart, Receipt
from desktop.app.scanning import CartLine
from desktop.app.store import StoreData
from desktop.ui.messages import count_text
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.screens.counter_widgets import (
    CounterDialog,
    big_line_edit,
    money_text,
)
from desktop.ui.screens.sale_dialogs import (
    cancel_dialog,
    price_dialog,
    price_problem,
    provisional_dialog,
    quantity_dialog,
    quantity_problem,
    reason_dialog,
    revert_dialog,
    weight_dialog,
)
from desktop.ui.screens.sale_panels import MODES, LinesPanel, TotalPanel, clock
from desktop.ui.widgets import button, hint
from shared.domain.errors import AlreadyExists, MinimarketError

#: "3*" or "0,750*" typed before a scan; "3*7790001000019" in one go.
QUANTITY_ONLY = re.compile(r"\s*(\d+(?:[.,]\d{1,3})?)\s*\*")
QUANTITY_AND_CODE = re.compile(r"\s*(\d+(?:[.,]\d{1,3})?)\s*\*\s*(\S.*)")
_FIELD_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Delete)


@dataclass(frozen=True)
class Scan:
    code: str
    quantity: str | None  # as typed: "3", "0,750"


def store_id_of(store: StoreData) -> uuid.UUID:
    return store.store_id


def resolve_scan(store: StoreData, cart: Cart | None, code: str,
                 quantity: str | None) -> tuple[uuid.UUID, CartLine]:
    """The line a scan makes (worker thread; reads only)."""
    store_id = cart.store_id if cart is not None else store.store_id
    with store.transaction() as session:
        return store_id, (cart or Cart(store_id)).resolve(session, code, quantity)


class SaleScreen(Screen):
    key, title, shortcut = "venta", "Venta", "F2"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.cart: Cart | None = None
        self.mode = MODES[0]
        self.pending_quantity: str | None = None
        self.scans: deque[Scan] = deque()
        self.working = False  # a lookup, a write or a dialog is under way
        self.looking_up = False  # a scan's lookup, in particular
        self.confirm_waiting = False  # confirm once the queued scans are in
        self.dialog: CounterDialog | None = None
        self.receipt: Receipt | None = None  # shown instead of the lines
        self.last_document: Receipt | None = None  # what Ctrl+Z would undo, when known
        self._build_modes()
        self._build_scan_row()
        self._build_lines()
        self._build_shortcuts()
        self._redraw()

    # --- building ---------------------------------------------------------------------

    def _build_modes(self) -> None:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: list[QPushButton] = []
        for number, mode in enumerate(MODES, start=1):
            mode_button = button(f"{mode.name}  (Ctrl+{number})")
            mode_button.setCheckable(True)
            mode_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            mode_button.setStyleSheet(
                "QPushButton:checked { background: #1f3550; color: white;"
                " border-color: #1f3550; }")
            mode_button.clicked.connect(partial(self.set_mode, number - 1))
            self.mode_group.addButton(mode_button)
            self.mode_buttons.append(mode_button)
            row.addWidget(mode_button)
        row.addStretch(1)
        self.mode_buttons[0].setChecked(True)
        self.body.addLayout(row)

    def _build_scan_row(self) -> None:
        row = QHBoxLayout()
        row.setSpacing(10)
        self.quantity_chip = QLabel()
        self.quantity_chip.setStyleSheet(
            "background: #1565c0; color: white; font-size: 17pt; font-weight: bold;"
            " border-radius: 6px; padding: 6px 14px;")
        self.quantity_chip.hide()
        self.scan_field = big_line_edit("Escaneá o escribí el código y Enter")
        self.scan_field.setStyleSheet("font-size: 20pt; padding: 8px 12px;")
        self.scan_field.returnPressed.connect(self._entered)
        self.scan_field.textEdited.connect(self._edited)
        self.scan_field.installEventFilter(self)
        row.addWidget(self.quantity_chip)
        row.addWidget(self.scan_field, 1)
        self.body.addLayout(row)
        self.scan_hint = hint(
            "Cantidad: 3* y escaneá (3 unidades) · Peso: 0,750* y escaneá (0,750 kg) · "
            "↑↓ elegí la línea")
        self.body.addWidget(self.scan_hint)

    def _build_lines(self) -> None:
        row = QHBoxLayout()
        row.setSpacing(14)
        self.lines_panel = LinesPanel()
        self.total_panel = TotalPanel()
        row.addWidget(self.lines_panel, 1)
        row.addWidget(self.total_panel)
        self.body.addLayout(row, 1)
        lines, totals = self.lines_panel, self.total_panel
        self.heading, self.warning = lines.heading, lines.warning
        self.pages, self.cart_table, self.receipt_table = (
            lines.pages, lines.cart_table, lines.receipt_table)
        self.total_caption, self.total_label = totals.caption, totals.total
        self.confirm_button = totals.confirm_button
        for action, slot in ((totals.confirm_button, self.confirm),
                             (totals.quantity_button, self.change_quantity),
                             (totals.remove_button, self.remove_line),
                             (totals.cancel_button, self.cancel),
                             (totals.revert_button, self.revert)):
            action.clicked.connect(slot)

    def _build_shortcuts(self) -> None:
        keys: list[tuple[str, Callable[[], None]]] = [
            ("F12", self.confirm), ("F10", self.change_quantity), ("Esc", self.cancel),
            ("Ctrl+Z", self.revert), ("Del", self.remove_line)]
        keys += [(f"Ctrl+{number}", partial(self.set_mode, number - 1))
                 for number in range(1, len(MODES) + 1)]
        self.shortcuts: list[QShortcut] = []
        for sequence, action in keys:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
            self.shortcuts.append(shortcut)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The scan field keeps the keyboard: arrows move the selected line, Supr on an
        empty field removes it, Ctrl+Z reverts (not the field's own undo)."""
        if watched is self.scan_field and isinstance(event, QKeyEvent):
            ours = self._field_key(event)
            if event.type() == QEvent.Type.ShortcutOverride and ours:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress and ours:
                if event.key() == Qt.Key.Key_Up:
                    self.cart_table.step(-1)
                elif event.key() == Qt.Key.Key_Down:
                    self.cart_table.step(1)
                elif event.key() == Qt.Key.Key_Delete:
                    self.remove_line()
                else:
                    self.revert()
                return True
        return super().eventFilter(watched, event)

    def _field_key(self, event: QKeyEvent) -> bool:
        if event.matches(QKeySequence.StandardKey.Undo):
            return True
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if event.key() == Qt.Key.Key_Delete:
            return not self.scan_field.text()
        return event.key() in _FIELD_KEYS

    # --- the shell ----------------------------------------------------------------------

    def focus_target(self) -> QWidget | None:
        return self.scan_field

    def refresh(self) -> None:
        if self.cart is None:
            self.run_task(store_id_of, self.store, on_done=self._make_cart)

    def _make_cart(self, store_id: uuid.UUID) -> None:
        if self.cart is None:
            self.cart = Cart(store_id)

    def _refocus(self) -> None:
        if self.dialog is None and self.isVisible():
            if not self.window().isActiveWindow():  # back from a dialog
                self.window().activateWindow()
            self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user is not None else None

    @property
    def lines(self) -> tuple[CartLine, ...]:
        return self.cart.lines if self.cart is not None else ()

    # --- scanning -----------------------------------------------------------------------

    def _edited(self, text: str) -> None:
        match = QUANTITY_ONLY.fullmatch(text)
        if match is None:
            return
        problem = quantity_problem(match[1])
        self.scan_field.clear()
        if problem:
            self.show_error(problem)
        else:
            self._set_pending(match[1])

    def _set_pending(self, quantity: str | None) -> None:
        self.pending_quantity = quantity
        self.quantity_chip.setText(f"× {quantity}" if quantity else "")
        self.quantity_chip.setVisible(quantity is not None)

    def _entered(self) -> None:
        text = self.scan_field.text().strip()
        self.scan_field.clear()
        if not text:
            self.confirm()
            return
        quantity = self.pending_quantity
        self._set_pending(None)
        match = QUANTITY_AND_CODE.fullmatch(text)
        if match is not None:
            quantity, text = match[1], match[2].strip()
        if quantity is not None and (problem := quantity_problem(quantity)):
            self.show_error(problem)
            return
        if self.banner.kind != "" and not self.working:
            self.clear_message()
        self.scans.append(Scan(text, quantity))
        self._pump()

    def _pump(self) -> None:
        """Resolve the next waiting scan; confirm once all are in, when asked to."""
        if self.working:
            return
        if self.scans:
            scan = self.scans.popleft()
            self.working = self.looking_up = True
            self.run_task(resolve_scan, self.store, self.cart, scan.code, scan.quantity,
                          on_done=self._scanned, on_error=partial(self._scan_failed, scan))
        elif self.confirm_waiting:
            self.confirm_waiting = False
            self.confirm(quiet=True)

    def _scanned(self, result: tuple[uuid.UUID, CartLine]) -> None:
        store_id, line = result
        self.working = self.looking_up = False
        self._make_cart(store_id)
        assert self.cart is not None
        row = self.cart.put(line)
        self.receipt = None
        self._redraw(select=row)
        if line.amount_cents is None and self.mode.is_sale:
            self._ask_price(row)
            return
        self._pump()

    def _scan_failed(self, scan: Scan, error: BaseException) -> None:
        self.working = self.looking_up = False
        self.confirm_waiting = False
        if isinstance(error, UnknownCode) and error.barcode:
            self._offer_provisional(scan, error)
            return
        if isinstance(error, WeightRequired):
            self._ask_weight(scan, error)
            return
        QApplication.beep()
        self.show_error(error)
        self._pump()

    # --- dialogs ------------------------------------------------------------------------

    def _open(self, dialog: CounterDialog, on_submit: Callable[[], None]) -> None:
        self.working = True
        self.dialog = dialog
        dialog.submitted.connect(on_submit)
        dialog.finished.connect(partial(self._dialog_closed, dialog))
        dialog.open()
        dialog.activateWindow()
        target = dialog.focusProxy() or dialog
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _dialog_closed(self, dialog: CounterDialog, result: int) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.working = False
        self._refocus()
        if result != QDialog.DialogCode.Accepted:
            self.confirm_waiting = False
            self._pump()

    def _ask_weight(self, scan: Scan, error: WeightRequired) -> None:
        dialog = weight_dialog(self, error.name)

        def submit() -> None:
            value = dialog.text_value()
            problem = quantity_problem(value)
            if problem:
                dialog.fail(problem)
                return
            dialog.accept()
            self.scans.appendleft(Scan(scan.code, value))
            self._pump()

        self._open(dialog, submit)

    def _ask_price(self, row: int, then: Callable[[], None] | None = None) -> None:
        dialog = price_dialog(self, self.lines[row])

        def submit() -> None:
            assert self.cart is not None
            problem = price_problem(dialog.text_value())
            if problem:
                dialog.fail(problem)
                return
            try:
                self.cart.set_price(row, dialog.text_value())
            except MinimarketError as error:
                dialog.fail(error)
                return
            dialog.accept()
            self._redraw(select=row)
            if then is not None:
                then()
            else:
                self._pump()

        self._open(dialog, submit)

    def _offer_provisional(self, scan: Scan, error: UnknownCode) -> None:
        dialog = provisional_dialog(self, error)
        QApplication.beep()

        def created(made: ProvisionalProduct) -> None:
            self.context.sync.refresh_counts()
            dialog.accept()
            self.show_notice(f"Producto provisorio creado: {made.name} ({made.sku}). La central "
                             "lo revisa después.", "info")
            self.scans.appendleft(scan)
            self._pump()

        def refused(failure: BaseException) -> None:
            if isinstance(failure, AlreadyExists):
                dialog.fail("Ese código ya pertenece a otro producto: volvé a escanearlo.")
            else:
                dialog.fail(failure)

        def submit() -> None:
            dialog.set_busy(True, "Creando el producto…")
            self.run_task(self.store.write, create_provisional_product, error.barcode,
                          dialog.name.text(), dialog.chosen_unit(),
                          dialog.price.text().strip() or None, user_id=self._user_id(),
                          on_done=created, on_error=refused)

        self._open(dialog, submit)

    # --- editing ------------------------------------------------------------------------

    def _chosen_row(self) -> int | None:
        if not self.lines or self.pages.currentWidget() is not self.cart_table:
            return None
        row = self.cart_table.selected_row()
        return row if row is not None else len(self.lines) - 1

    def change_quantity(self) -> None:
        row = None if self.working else self._chosen_row()
        if row is None:
            return
        line = self.lines[row]
        if line.label_amount_cents is not None:
            self.show_error("La cantidad de una etiqueta con precio sale del precio: no se "
                            "puede cambiar.")
            return
        dialog = quantity_dialog(self, line)

        def submit() -> None:
            assert self.cart is not None
            value = dialog.text_value()
            problem = quantity_problem(value)
            if problem:
                dialog.fail(problem)
                return
            try:
                self.cart.set_quantity(row, value)
            except MinimarketError as error:
                dialog.fail(error)
                return
            dialog.accept()
            self._redraw(select=row)

        self._open(dialog, submit)

    def remove_line(self) -> None:
        row = None if self.working else self._chosen_row()
        if row is None or self.cart is None:
            return
        line = self.cart.remove(row)
        self._redraw(select=min(row, len(self.cart) - 1) if len(self.cart) else None)
        self.show_notice(f"Se quitó: {line.name}.", "info")

    def set_mode(self, index: int) -> None:
        if self.working:
            self.mode_buttons[MODES.index(self.mode)].setChecked(True)
            return
        self.mode = MODES[index]
        self.mode_buttons[index].setChecked(True)
        self._redraw()
        self._refocus()

    def cancel(self) -> None:
        if self.scan_field.text() or self.pending_quantity:
            self.scan_field.clear()
            self._set_pending(None)
            return
        if self.working:
            return
        if not self.lines:
            if self.receipt is not None:
                self.receipt = None
                self._redraw()
            return
        assert self.cart is not None
        dialog = cancel_dialog(self, self.mode, len(self.cart), self.cart.totals.amount_cents)

        def submit() -> None:
            assert self.cart is not None
            dialog.accept()
            self.cart.clear()
            self._redraw()
            self.show_notice("Cancelado: no se registró nada.", "info")
            self._pump()

        self._open(dialog, submit)

    # --- confirming and reverting ------------------------------------------------------

    def confirm(self, *, quiet: bool = False) -> None:
        if self.scans or self.looking_up:
            self.confirm_waiting = True  # once the scans are in
            return
        if self.working:
            return
        if self.cart is None or not len(self.cart):
            if not quiet and self.receipt is None:
                self.show_error(EmptyCart("the cart is empty"))
            return
        if self.mode.is_sale:
            unpriced = [row for row, line in enumerate(self.cart.lines)
                        if line.amount_cents is None]
            if unpriced:
                self._ask_price(unpriced[0], then=self.confirm)
                return
            self._record(None)
        else:
            self._ask_reason()

    def _ask_reason(self) -> None:
        dialog = reason_dialog(self, self.mode, len(self.lines))

        def submit() -> None:
            reason = dialog.reason_text()
            if not reason:
                dialog.fail(ReasonRequired("say why"))
                return
            dialog.accept()
            self._record(reason)

        self._open(dialog, submit)

    def _record(self, reason: str | None) -> None:
        assert self.cart is not None
        self.working = True
        self.total_panel.set_enabled(False)
        self.run_task(self.store.write, self.cart.confirm, self.mode.kind, reason,
                      user_id=self._user_id(), on_done=self._confirmed,
                      on_error=self._confirm_failed)

    def _confirmed(self, receipt: Receipt) -> None:
        assert self.cart is not None
        self.working = False
        self.total_panel.set_enabled(True)
        self.cart.clear()
        self.last_document = receipt
        self.context.sync.refresh_counts()
        mode = self.mode
        self.mode = MODES[0]  # the next customer is a sale again
        self.mode_buttons[0].setChecked(True)
        self._show_receipt(receipt, mode.done)  # says it all: no banner above it
        self.clear_message()
        self._refocus()
        self._pump()

    def _confirm_failed(self, error: BaseException) -> None:
        self.working = False
        self.total_panel.set_enabled(True)
        if isinstance(error, PriceMissing):
            unpriced = [row for row, line in enumerate(self.lines) if line.amount_cents is None]
            if unpriced:
                self._ask_price(unpriced[0], then=self.confirm)
                return
        if isinstance(error, ReasonRequired):
            self._ask_reason()
            return
        if isinstance(error, AlreadyConfirmed) and self.cart is not None:
            self.cart.clear()
            self._redraw()
        self.show_error(error)
        self._pump()

    def revert(self) -> None:
        if self.working:
            return
        dialog = revert_dialog(self, self.last_document)

        def reverted(receipt: Receipt) -> None:
            dialog.accept()
            self.context.sync.refresh_counts()
            self.last_document = receipt
            self.show_notice(f"Operación anulada a las {clock(receipt)}: el stock volvió a como "
                             "estaba "
                             f"({count_text(len(receipt.lines), 'línea', 'líneas')}, "
                             f"{money_text(receipt.amount_cents)}).", "ok")
            if not self.lines:
                self._show_receipt(receipt, "Anulación registrada")

        def refused(error: BaseException) -> None:
            dialog.accept()
            QApplication.beep()
            self.show_error(error)

        def submit() -> None:
            dialog.set_busy(True, "Anulando…")
            self.run_task(self.store.write, revert_last, self._user_id(), on_done=reverted,
                          on_error=refused)

        self._open(dialog, submit)

    # --- drawing ------------------------------------------------------------------------

    def _redraw(self, select: int | None = None) -> None:
        """The cart's lines and total (the receipt, while one is shown and no line came)."""
        self.total_panel.set_mode(self.mode)
        if self.receipt is not None and not self.lines:
            return
        self.receipt = None
        self.lines_panel.show_cart(self.lines, self.mode, select)
        self.total_panel.show_cart(self.cart.totals if self.cart is not None else None)

    def _show_receipt(self, receipt: Receipt, title: str) -> None:
        self.receipt = receipt
        self.lines_panel.show_receipt(receipt, title)
        self.total_panel.show_receipt(receipt)
