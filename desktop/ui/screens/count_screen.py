"""Conteo (F6): a count session: scan, type what is on the shelf, review, commit.

Each item is recorded the moment its quantity is typed (:func:`count_item`), so the
answer shows at once what was expected and the difference. The table is the review:
every item counted in the session with its difference (Ctrl+D keeps only the items
with one). F12 commits the session; Ctrl+Supr cancels it, after a warning that what was
counted stays counted (see :mod:`desktop.app.counting`). An open session is found again
after a restart and resumed (Ctrl+R).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.app.counting import (
    CountedItem,
    CountReview,
    CountSessionInfo,
    CountStatus,
    cancel_count,
    commit_count,
    count_item,
    count_review,
    open_counts,
    start_count,
)
from desktop.app.lookup import search_products
from desktop.app.store import StoreData
from desktop.ui.messages import count_text, register
from desktop.ui.screens.backoffice_widgets import (
    MUTED_FG,
    OK_FG,
    SHORT_FG,
    ConfirmDialog,
    DataTable,
    add_shortcuts,
    in_session,
    moment_text,
    quantity_text,
    refocus,
    show_dialog,
)
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.screens.count_start import CountStart
from desktop.ui.widgets import button, card, hint
from shared.domain.errors import MinimarketError, NotFound, UnknownProduct
from shared.domain.numbers import parse_quantity


class AmbiguousProduct(NotFound):
    """A name that matches several products: scan it or type its sku."""


register(AmbiguousProduct, "Varios productos coinciden con lo escrito: escaneá el producto o "
                           "escribí su SKU.")


@dataclass(frozen=True)
class Scanned:
    code: str  # what count_item is given: the scan itself, or the sku of a name typed
    sku: str
    name: str
    unit: str
    weighed: bool  # a scale label: its weight is the count


def identify(store: StoreData, text: str) -> Scanned:
    """Worker: the product a scan (or a name matching one product) names."""
    rows = in_session(store, search_products, text, 2)
    if not rows:
        raise UnknownProduct(f"no product matches {text!r}")
    row = rows[0]
    if row.matched_by == "text" and len(rows) > 1:
        raise AmbiguousProduct(text)
    # a barcode or scale label is counted as scanned (a label carries its weight)
    code = text.strip() if row.matched_by in ("barcode", "scale") else row.sku
    return Scanned(code, row.sku, row.name, row.unit, row.weight is not None)


CloseAction = Callable[..., CountReview]  # commit_count or cancel_count


def difference_color(value: int | Decimal) -> str:
    return SHORT_FG if value < 0 else OK_FG if value > 0 else MUTED_FG


class CountScreen(Screen):
    key, title, shortcut = "conteo", "Conteo", "F6"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.session: CountSessionInfo | None = None
        self.review: CountReview | None = None
        self.scanned: Scanned | None = None
        self.busy = False
        self.reviewing = False  # a review is being read: what the table shows is behind
        self.ask_when_reviewed: Callable[[], None] | None = None
        self.dialog: ConfirmDialog | None = None
        self.pages = QStackedWidget()
        self.start_page = CountStart()
        self.start_page.start.connect(self.start)
        self.start_page.resume.connect(self._resume)
        self.pages.addWidget(self.start_page)
        self.pages.addWidget(self._build_count_page())
        self.body.addWidget(self.pages, 1)
        self.shortcuts = add_shortcuts(self, [
            ("Ctrl+N", lambda: self.start()), ("Ctrl+R", self.resume), ("F12", self.ask_commit),
            ("Ctrl+Del", self.ask_cancel), ("Ctrl+D", self.only_differences_toggle)])

    # --- building ---------------------------------------------------------------------

    def _build_count_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.session_label = QLabel()
        self.session_label.setStyleSheet("font-size: 14pt; font-weight: bold;")
        layout.addWidget(self.session_label)
        row = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText("Escaneá el producto o escribí su código")
        self.code.setStyleSheet("font-size: 16pt; padding: 8px 10px;")
        self.code.returnPressed.connect(self.identify)
        self.code.textEdited.connect(self._code_edited)
        self.quantity = QLineEdit()
        self.quantity.setPlaceholderText("Cantidad contada")
        self.quantity.setFixedWidth(230)
        self.quantity.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.quantity.setStyleSheet("font-size: 16pt; padding: 8px 10px;")
        self.quantity.returnPressed.connect(self.record)
        self.record_button = button("Registrar  (Enter)", primary=True)
        self.record_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.record_button.clicked.connect(self.record)
        row.addWidget(self.code, 1)
        row.addWidget(self.quantity)
        row.addWidget(self.record_button)
        layout.addLayout(row)

        self.answer, answer_layout = card()
        answer_layout.setContentsMargins(16, 10, 16, 10)
        self.answer_name = QLabel("Escaneá el primer producto.")
        self.answer_name.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.answer_figures = QLabel("")
        self.answer_figures.setStyleSheet("font-size: 15pt;")
        answer_layout.addWidget(self.answer_name)
        answer_layout.addWidget(self.answer_figures)
        layout.addWidget(self.answer)

        top = QHBoxLayout()
        self.review_label = QLabel("")
        self.review_label.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.only_differences = QCheckBox("Solo diferencias  (Ctrl+D)")
        self.only_differences.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.only_differences.toggled.connect(lambda _on: self._show_review())
        top.addWidget(self.review_label, 1)
        top.addWidget(self.only_differences)
        layout.addLayout(top)
        self.table = DataTable(["SKU", "Producto", "Esperado", "Contado", "Diferencia",
                                "Stock ahora"], numeric=(2, 3, 4, 5))
        self.table.set_widths({0: 130, 2: 125, 3: 125, 4: 135, 5: 135})
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        bottom.addWidget(hint("Esperado: lo que decía el stock al contarlo. Un producto contado "
                              "de nuevo reemplaza al conteo anterior."), 1)
        self.cancel_button = button("Cancelar conteo  (Ctrl+Supr)")
        self.commit_button = button("Confirmar conteo  (F12)", primary=True)
        for widget, action in ((self.cancel_button, self.ask_cancel),
                               (self.commit_button, self.ask_commit)):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            widget.clicked.connect(action)
            bottom.addWidget(widget)
        layout.addLayout(bottom)
        return page

    # --- what the shell calls ------------------------------------------------------------

    def focus_target(self) -> QWidget | None:
        return self.code if self.session is not None else self.start_page.notes

    def refresh(self) -> None:
        if self.session is not None:
            self._load_review()
        else:
            self.run_task(in_session, self.store, open_counts,
                          on_done=self.start_page.show_open)

    def _user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user is not None else None

    # --- sessions -----------------------------------------------------------------------

    def start(self, notes: str | None = None) -> None:
        if self.session is not None or self.busy:
            return
        self.busy = True
        if notes is None:  # Ctrl+N
            notes = self.start_page.notes.text()
        self.run_task(self.store.write, start_count, notes, user_id=self._user_id(),
                      on_done=self._started, on_error=self._failed)

    def _started(self, session_id: uuid.UUID) -> None:
        self.busy = False
        self.context.sync.refresh_counts()
        self.start_page.notes.clear()
        self._open(session_id)

    def resume(self) -> None:
        if self.session is None:
            self.start_page.resume_chosen()

    def _resume(self, session_id: uuid.UUID) -> None:
        if self.session is None:
            self._open(session_id)

    def _open(self, session_id: uuid.UUID) -> None:
        self.session = CountSessionInfo(session_id, CountStatus.OPEN, None, None, None)
        self.review = None
        self.scanned = None
        self.answer_name.setText("Escaneá el primer producto.")
        self.answer_figures.setText("")
        self.only_differences.setChecked(False)
        self.table.set_rows([])
        self.pages.setCurrentIndex(1)
        self.code.clear()
        self.quantity.clear()
        self.code.setFocus()
        self._load_review()

    def _load_review(self) -> None:
        if self.session is not None:
            self.reviewing = True
            self.run_task(in_session, self.store, count_review, self.session.session_id,
                          on_done=self._reviewed, on_error=self._lost)

    def _reviewed(self, review: CountReview) -> None:
        if self.session is None or review.session.session_id != self.session.session_id:
            return
        self.reviewing = False
        self.session = review.session
        self.review = review
        notes = f"«{review.session.notes}» · " if review.session.notes else ""
        self.session_label.setText(
            f"Conteo abierto · {notes}empezado el {moment_text(review.session.started_at)}")
        self._show_review()
        ask, self.ask_when_reviewed = self.ask_when_reviewed, None
        if ask is not None:
            ask()

    def _lost(self, error: BaseException) -> None:
        self.reviewing = False
        self.ask_when_reviewed = None
        self.show_error(error)
        self._close()

    def _close(self) -> None:
        self.session = None
        self.review = None
        self.pages.setCurrentIndex(0)
        self.start_page.notes.setFocus()
        self.refresh()

    # --- counting -----------------------------------------------------------------------

    def _code_edited(self, _text: str) -> None:
        self.scanned = None

    def identify(self) -> None:
        text = self.code.text().strip()
        if not text or self.busy or self.session is None:
            return
        self.busy = True
        self.run_task(identify, self.store, text, on_done=self._identified, on_error=self._failed)

    def _identified(self, scanned: Scanned) -> None:
        self.busy = False
        self.scanned = scanned
        self.clear_message()
        if scanned.weighed:  # a scale label carries what was weighed
            self._record(scanned, None)
            return
        unit = "kilos" if scanned.unit == "kg" else "unidades"
        self.answer_name.setText(f"{scanned.name}  ({scanned.sku})")
        self.answer_figures.setText(f"¿Cuántas {unit} hay? Escribí la cantidad y Enter.")
        self.answer_figures.setStyleSheet("font-size: 15pt;")
        self.quantity.setFocus()
        self.quantity.selectAll()

    def record(self) -> None:
        if self.busy or self.session is None:
            return
        if self.scanned is None:
            if self.code.text().strip():
                self.identify()
            else:
                self.code.setFocus()
            return
        try:
            quantity = parse_quantity(self.quantity.text())
        except MinimarketError as error:
            self.show_error(error)
            self.quantity.setFocus()
            return
        self._record(self.scanned, quantity)

    def _record(self, scanned: Scanned, quantity: Decimal | None) -> None:
        assert self.session is not None
        self.busy = True
        self.run_task(self.store.write, count_item, self.session.session_id, scanned.code,
                      quantity, user_id=self._user_id(), on_done=self._counted,
                      on_error=self._failed)

    def _counted(self, item: CountedItem) -> None:
        self.busy = False
        self.scanned = None
        self.context.sync.refresh_counts()
        again = " (contado de nuevo: reemplaza al anterior)" if item.recount else ""
        self.answer_name.setText(f"{item.name}  ({item.sku}){again}")
        difference = quantity_text(item.difference, item.unit, signed=True)
        self.answer_figures.setText(
            f"Contado <b>{quantity_text(item.counted, item.unit)}</b> · esperado "
            f"{quantity_text(item.expected, item.unit)} · diferencia <b>{difference}</b>")
        self.answer_figures.setStyleSheet(f"font-size: 15pt; color: "
                                          f"{difference_color(item.difference)};")
        self.code.clear()
        self.quantity.clear()
        self.code.setFocus()
        self._load_review()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.show_error(error)
        if self.session is not None:
            field = self.quantity if self.scanned is not None else self.code
            field.setFocus()
            field.selectAll()

    # --- the review -----------------------------------------------------------------------

    def only_differences_toggle(self) -> None:
        if self.session is not None:
            self.only_differences.toggle()

    def _show_review(self) -> None:
        review = self.review
        if review is None:
            return
        items = review.with_difference if self.only_differences.isChecked() else review.items
        self.review_label.setText(
            f"{count_text(len(review.items), 'producto contado', 'productos contados')}, "
            f"{len(review.with_difference)} con diferencia")
        self.table.set_rows([
            [item.sku, item.name, quantity_text(item.expected, item.unit),
             quantity_text(item.counted, item.unit),
             quantity_text(item.difference, item.unit, signed=True),
             quantity_text(item.level_now, item.unit)] for item in items])
        for row, item in enumerate(items):
            self.table.paint_cell(row, 4, color=difference_color(item.difference),
                                  bold=bool(item.difference))
        self.commit_button.setEnabled(bool(review.items))

    # --- closing --------------------------------------------------------------------------

    def ask_commit(self) -> None:
        if self._review_behind(self.ask_commit):
            return
        review = self.review
        if self.session is None or review is None or self.dialog is not None or self.busy:
            return
        if not review.items:
            self.show_error("Todavía no se contó nada: escaneá un producto, o cancelá el "
                            "conteo.")
            return
        self._ask(ConfirmDialog(
            self, "Confirmar el conteo",
            f"Se contaron {count_text(len(review.items), 'producto', 'productos')}; "
            f"{len(review.with_difference)} con diferencia. Lo contado ya corrigió el stock: "
            "confirmar cierra el conteo.", yes="Confirmar", no="Seguir contando"), commit_count)

    def ask_cancel(self) -> None:
        if self._review_behind(self.ask_cancel):
            return
        if self.session is None or self.dialog is not None or self.busy:
            return
        counted = len(self.review.items) if self.review is not None else 0
        kept = (f"Los {counted} productos ya contados quedan registrados en el stock"
                if counted != 1 else "El producto ya contado queda registrado en el stock")
        text = (f"{kept}: cancelar no lo deshace. Si algo se contó mal, contalo de nuevo."
                if counted else "Todavía no se contó nada.")
        self._ask(ConfirmDialog(self, "Cancelar el conteo", text, yes="Cancelar conteo",
                                no="Seguir contando", warning=bool(counted)), cancel_count)

    def _review_behind(self, ask: Callable[[], None]) -> bool:
        """True (and ``ask`` later) while an item just counted is not in the review yet:
        the question must count it."""
        if self.session is not None and (self.reviewing or self.busy):
            self.ask_when_reviewed = ask
            return True
        return False

    def _ask(self, dialog: ConfirmDialog, action: CloseAction) -> None:
        self.dialog = dialog

        def submit() -> None:
            assert self.session is not None
            dialog.set_busy(True)
            self.run_task(self.store.write, action, self.session.session_id,
                          user_id=self._user_id(),
                          on_done=lambda review: self._closed(dialog, action, review),
                          on_error=dialog.fail)

        dialog.submitted.connect(submit)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        show_dialog(dialog)

    def _closed(self, dialog: ConfirmDialog, action: CloseAction, review: CountReview) -> None:
        dialog.set_busy(False)
        dialog.accept()
        self.context.sync.refresh_counts()
        counted = count_text(len(review.items), "producto", "productos")
        if action is commit_count:
            self.show_notice(f"Conteo confirmado: {counted}, "
                             f"{len(review.with_difference)} con diferencia.", "ok")
        else:
            self.show_notice(f"Conteo cancelado. Lo ya contado ({counted}) queda en el stock.",
                             "info")
        self._close()

    def _dialog_closed(self, dialog: ConfirmDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        refocus(self.code if self.session is not None else self.start_page.notes)
