"""The questions the Venta / salida screen asks, each in a small dialog, in Spanish.

Factories only: the screen opens the dialog, listens to ``submitted`` and decides what
happens next (:mod:`desktop.ui.screens.sale_screen`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.app.counter_errors import UnknownCode
from desktop.app.sales import Receipt
from desktop.app.scanning import MAX_QUANTITY_MILLI, CartLine, quantity_milli
from desktop.ui.messages import count_text, message_for
from desktop.ui.screens.counter_widgets import (
    AmountDialog,
    ConfirmDialog,
    ProvisionalDialog,
    ReasonDialog,
    money_text,
    typed_quantity,
)
from desktop.ui.screens.sale_panels import Mode, clock, mode_of
from shared.domain.barcodes import decode_scale_barcode, is_scale_barcode
from shared.domain.errors import MinimarketError


def quantity_problem(text: str) -> str | None:
    """What is wrong with a typed quantity or weight, in Spanish, or None."""
    try:
        milli = quantity_milli(text)
    except MinimarketError as error:
        return message_for(error)
    if milli <= 0:
        return "La cantidad tiene que ser mayor que cero."
    if milli > MAX_QUANTITY_MILLI:
        return ("Esa cantidad es demasiado grande para una línea: ¿se escaneó un código en la "
                "cantidad?")
    return None


def price_problem(text: str) -> str | None:
    """A scanner's digits typed into a price field are not a price."""
    digits = "".join(text.split())
    if digits.isascii() and digits.isdigit() and len(digits) >= 8:
        return "Eso parece un código de barras: ingresá el precio."
    return None


def weight_dialog(parent: QWidget, name: str) -> AmountDialog:
    return AmountDialog(parent, "Producto pesable",
                        f"{name} se vende por kilo: pesalo e ingresá el peso.", "Peso (kg)",
                        placeholder="Ej.: 0,750", ok_text="Agregar")


def price_dialog(parent: QWidget, line: CartLine) -> AmountDialog:
    per = " por kilo" if line.weighed else ""
    return AmountDialog(parent, "Producto sin precio",
                        f"{line.name} ({line.sku}) no tiene precio en esta sucursal. Ingresá "
                        f"el precio final con IVA{per}.", "Precio de venta",
                        placeholder="Ej.: 1.234,50", ok_text="Usar este precio")


def quantity_dialog(parent: QWidget, line: CartLine) -> AmountDialog:
    return AmountDialog(parent, "Cambiar cantidad", line.name,
                        "Peso (kg)" if line.weighed else "Cantidad",
                        value=typed_quantity(line.qty_milli, line.unit), ok_text="Cambiar")


def provisional_dialog(parent: QWidget, error: UnknownCode) -> ProvisionalDialog:
    """A product for an unknown barcode; a weight label's item is sold by weight."""
    barcode = error.barcode or ""
    weighed = is_scale_barcode(barcode) and decode_scale_barcode(barcode).weight is not None
    return ProvisionalDialog(parent, error.code, weighed_only=weighed)


def reason_dialog(parent: QWidget, mode: Mode, lines: int) -> ReasonDialog:
    leaving = count_text(lines, "línea sale", "líneas salen")
    return ReasonDialog(parent, f"Motivo: {mode.name.lower()}",
                        f"{leaving} del stock sin venta. Indicá por qué: queda registrado con "
                        "tu usuario.", mode.reasons)


def cancel_dialog(parent: QWidget, mode: Mode, lines: int, amount_cents: int) -> ConfirmDialog:
    return ConfirmDialog(parent, f"Cancelar: {mode.name.lower()}",
                         f"Se descartan {count_text(lines, 'línea', 'líneas')} por "
                         f"{money_text(amount_cents)}. No se registra nada en el stock.",
                         yes="Sí, cancelar", no="No, seguir")


def revert_dialog(parent: QWidget, last: Receipt | None) -> ConfirmDialog:
    """Undo this PC's last document; ``last`` is it when this screen confirmed it."""
    what = "la última venta o salida confirmada en esta caja"
    if last is not None and not last.reverts:
        what = (f"la última operación de esta caja ({mode_of(last.kind).name.lower()} de las "
                f"{clock(last)}, {count_text(len(last.lines), 'línea', 'líneas')}, "
                f"{money_text(last.amount_cents)})")
    return ConfirmDialog(parent, "Anular la última operación",
                         f"Se registra el movimiento opuesto de {what} y el stock vuelve a como "
                         "estaba. Queda registrado quién la anuló.", yes="Sí, anular", no="No")
