"""The two halves of the Venta / salida screen below its scan field: the lines (the cart
while it fills, the receipt once confirmed) and the total with its action buttons.

They only draw what they are given; :mod:`desktop.ui.screens.sale_screen` decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QStackedWidget, QVBoxLayout, QWidget

from desktop.app.sales import CartTotals, Receipt, ReceiptLine
from desktop.app.scanning import CartLine
from desktop.ui.messages import count_text
from desktop.ui.screens.counter_widgets import (
    WARN_STYLE,
    LinesTable,
    money_text,
    quantity_text,
    unit_price_text,
)
from desktop.ui.widgets import button, hint
from shared.domain.enums import MovementKind, Unit
from shared.settings import BUSINESS_TIMEZONE

HEADING_STYLE = "font-size: 15pt; font-weight: bold;"
DONE_COLOR, OUT_COLOR, RED = "#1b5e20", "#8a4b00", "#c62828"


@dataclass(frozen=True)
class Mode:
    """A kind of stock-out the counter records."""

    kind: MovementKind
    name: str  # on its button
    doing: str  # heading while the cart fills
    done: str  # heading of its receipt
    reasons: tuple[str, ...] = ()  # common reasons offered (a sale needs none)

    @property
    def is_sale(self) -> bool:
        return self.kind is MovementKind.SALE


MODES = (
    Mode(MovementKind.SALE, "Venta", "Venta en curso", "Venta registrada"),
    Mode(MovementKind.WASTE, "Rotura / merma", "Rotura o merma en curso",
         "Rotura o merma registrada",
         ("Rotura", "Vencido", "Mal estado", "Faltante / robo")),
    Mode(MovementKind.ADJUSTMENT, "Uso interno", "Uso interno en curso", "Uso interno registrado",
         ("Consumo del personal", "Limpieza del local", "Degustación / muestra")),
    Mode(MovementKind.SUPPLIER_RETURN, "Devolución a proveedor",
         "Devolución a proveedor en curso", "Devolución a proveedor registrada",
         ("Vencido", "Fallado / roto", "Cambio acordado con el proveedor", "Error de entrega")),
)


def mode_of(kind: MovementKind) -> Mode:
    return next(mode for mode in MODES if mode.kind is kind)


def items_in(lines: Iterable[ReceiptLine]) -> int:
    """Articles: counted units, plus one per weighed line (as the cart counts them)."""
    return sum(1 if line.unit is Unit.KG else line.qty_milli // 1000 for line in lines)


def clock(receipt: Receipt) -> str:
    return receipt.occurred_at.astimezone(BUSINESS_TIMEZONE).strftime("%H:%M")


class LinesPanel(QWidget):
    """A heading, then the cart's lines or a receipt, and a warning for negative stock."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.heading = QLabel()
        self.heading.setStyleSheet(HEADING_STYLE)
        layout.addWidget(self.heading)
        self.pages = QStackedWidget()
        self.cart_table = LinesTable(["Producto", "Cantidad", "Precio", "Subtotal"], (1, 2, 3))
        self.cart_table.set_widths([118, 182, 142])
        self.receipt_table = LinesTable(["Producto", "Cantidad", "Subtotal", "Stock queda"],
                                        (1, 2, 3))
        self.receipt_table.set_widths([118, 142, 142])
        self.pages.addWidget(self.cart_table)
        self.pages.addWidget(self.receipt_table)
        layout.addWidget(self.pages, 1)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARN_STYLE)
        self.warning.hide()
        layout.addWidget(self.warning)

    def show_cart(self, lines: tuple[CartLine, ...], mode: Mode, select: int | None) -> None:
        self.pages.setCurrentWidget(self.cart_table)
        self.warning.hide()
        heading = mode.doing if lines else f"{mode.doing}: escaneá el primer producto"
        if not mode.is_sale:
            heading += " · al confirmar se pide el motivo"
        self.heading.setText(heading)
        self.heading.setStyleSheet(HEADING_STYLE + ("" if mode.is_sale else
                                                    f" color: {OUT_COLOR};"))
        self.cart_table.set_rows([
            [line.name, quantity_text(line.qty_milli, line.unit),
             unit_price_text(line.unit_price_cents, line.unit),
             money_text(line.amount_cents) if line.amount_cents is not None else "—"]
            for line in lines])
        for row, line in enumerate(lines):
            if line.amount_cents is None and mode.is_sale:
                self.cart_table.paint_row(row, RED)
            if line.from_label:
                self.cart_table.set_tip(row, "Etiqueta de balanza: peso o precio leídos del "
                                             "código")
        if select is not None and lines:
            self.cart_table.selectRow(select)

    def show_receipt(self, receipt: Receipt, title: str) -> None:
        self.pages.setCurrentWidget(self.receipt_table)
        heading = f"✓ {title} a las {clock(receipt)}"
        if receipt.reason:
            heading += f" · Motivo: {receipt.reason}"
        self.heading.setText(heading)
        self.heading.setStyleSheet(HEADING_STYLE + f" color: {DONE_COLOR};")
        rows = []
        for line in receipt.lines:
            level = quantity_text(line.level_milli, line.unit)
            rows.append([line.name, quantity_text(line.qty_milli, line.unit),
                         money_text(line.amount_cents) if line.amount_cents is not None
                         else "—", f"⚠ {level}" if line.negative else level])
        self.receipt_table.set_rows(rows)
        for row, line in enumerate(receipt.lines):
            if line.negative:
                self.receipt_table.paint_row(row, RED, bold=True)
        self.receipt_table.clearSelection()
        negative = receipt.negative_lines
        if negative and not receipt.reverts:
            names = ", ".join(f"{line.name} (queda {quantity_text(line.level_milli, line.unit)})"
                              for line in negative)
            self.warning.setText(f"⚠ Stock negativo: {names}. Se registró igual y queda marcado "
                                 "para revisar en la central.")
            self.warning.show()
        else:
            self.warning.hide()


class TotalPanel(QFrame):
    """The total, large, and the screen's actions with their keys."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setFixedWidth(300)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(10)
        self.caption = hint("Total")
        self.caption.setStyleSheet("font-size: 14pt;")
        self.total = QLabel()
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.total.setStyleSheet("font-size: 30pt; font-weight: bold;")
        self.count = hint("")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight)
        for widget in (self.caption, self.total, self.count):
            layout.addWidget(widget)
        self.confirm_button = button("", primary=True)
        # two lines of 15pt: the theme's minimum height would clip them
        self.confirm_button.setStyleSheet("font-size: 15pt; padding: 8px 10px;"
                                          " min-height: 52px;")
        self.quantity_button = button("Cambiar cantidad  (F10)")
        self.remove_button = button("Quitar línea  (Supr)")
        self.cancel_button = button("Cancelar venta  (Esc)")
        self.revert_button = button("Anular última  (Ctrl+Z)")
        for action in self.actions_buttons:
            action.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            layout.addWidget(action)
        layout.addStretch(1)

    @property
    def actions_buttons(self) -> tuple[QWidget, ...]:
        return (self.confirm_button, self.quantity_button, self.remove_button,
                self.cancel_button, self.revert_button)

    def set_enabled(self, enabled: bool) -> None:
        for action in self.actions_buttons:
            action.setEnabled(enabled)

    def set_mode(self, mode: Mode) -> None:
        self.confirm_button.setText(("Confirmar venta" if mode.is_sale else "Registrar salida")
                                    + "\nF12  ·  Enter")
        self.cancel_button.setText("Cancelar venta  (Esc)" if mode.is_sale else
                                   "Cancelar  (Esc)")

    def show_cart(self, totals: CartTotals | None) -> None:
        self.caption.setText("Total")
        self.total.setText(money_text(totals.amount_cents if totals else 0))
        if totals is None or not totals.lines:
            self.count.setText("")
            return
        text = (f"{count_text(totals.lines, 'línea', 'líneas')} · "
                f"{count_text(totals.items, 'artículo', 'artículos')}")
        if totals.unpriced:
            text += f" · {totals.unpriced} sin precio"
        self.count.setText(text)

    def show_receipt(self, receipt: Receipt) -> None:
        sold = receipt.kind is MovementKind.SALE and not receipt.reverts
        self.caption.setText("Total cobrado" if sold else "Total")
        self.total.setText(money_text(receipt.amount_cents))
        self.count.setText(f"{count_text(len(receipt.lines), 'línea', 'líneas')} · "
                           f"{count_text(items_in(receipt.lines), 'artículo', 'artículos')}")
