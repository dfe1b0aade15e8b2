"""Pedido sugerido (F11): what to order, by supplier, from the model HQ released.

Computed on this PC from its own ledger (``desktop.app.reorder``), so it works with no
connection. Each supplier is a band with how many products need ordering; under it each
product with its stock, the forecast over the model's horizon, the reorder point and the
suggested quantity (whole packs). Rows to order are in bold; Ctrl+R recomputes.
"""

from __future__ import annotations

import math
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from desktop.app.reorder import NoModelYet, Suggestions, suggestions
from desktop.ui.messages import count_text
from desktop.ui.screens.backoffice_widgets import (
    MUTED_FG,
    DataTable,
    add_shortcuts,
    day_text,
    quantity_text,
)
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.widgets import button, hint
from shared.domain.enums import Unit

COVER_CHOICES = (7, 14, 21, 30)
GROUP_BG = "#e8eef5"
ORDER_FG = "#0b5394"


def _qty(value: float | Decimal, unit: str, *, up: bool = False) -> str:
    """Counted goods in whole units (a reorder point rounds up), weighed ones in kg."""
    exact = value if isinstance(value, Decimal) else Decimal(str(round(value, 3)))
    if unit == Unit.UNIT.value:
        return quantity_text(math.ceil(exact) if up else round(exact))
    return quantity_text(exact.quantize(Decimal("0.001")), unit)


class ReorderScreen(Screen):
    key, title, shortcut = "pedido", "Pedido sugerido", "F11"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.result: Suggestions | None = None
        top = QHBoxLayout()
        self.summary = QLabel("")
        self.summary.setStyleSheet("font-size: 15pt; font-weight: bold;")
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel("Cobertura:"))
        self.cover = QComboBox()
        for days in COVER_CHOICES:
            self.cover.addItem(f"{days} días", days)
        self.cover.setCurrentIndex(COVER_CHOICES.index(14))
        self.cover.currentIndexChanged.connect(lambda _index: self.refresh())
        top.addWidget(self.cover)
        self.refresh_button = button("Actualizar  (Ctrl+R)")
        self.refresh_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        self.body.addLayout(top)
        self.table = DataTable(["Producto", "Stock", "Pronóstico", "Punto de pedido",
                                "Sugerido"], numeric=(1, 2, 3, 4), stretch=0, take_focus=True)
        self.table.set_widths({1: 100, 2: 190, 3: 175, 4: 220})
        self.body.addWidget(self.table, 1)
        self.footer = hint("")
        self.footer.setWordWrap(True)
        self.body.addWidget(self.footer)
        self.shortcuts = add_shortcuts(self, [("Ctrl+R", self.refresh)])

    def focus_target(self) -> QWidget | None:
        return self.table

    def refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        self.run_task(suggestions, self.store, cover_days=int(self.cover.currentData()),
                      on_done=self.show_result, on_error=self.failed)

    def failed(self, error: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.result = None
        self.table.set_rows([])
        self.summary.setText("Sin pedido sugerido")
        if isinstance(error, NoModelYet):
            self.show_notice("Todavía no hay un modelo de pronóstico en esta PC. Llega con la "
                             "próxima sincronización cuando la central active uno.", "info")
        else:
            self.show_error(error)

    def show_result(self, result: Suggestions) -> None:
        self.refresh_button.setEnabled(True)
        self.clear_message()
        self.result = result
        rows: list[list[str]] = []
        bands: list[int] = []
        to_order: list[int] = []
        for group in result.groups:
            bands.append(len(rows))
            needed = ("nada para pedir" if not group.to_order
                      else count_text(group.to_order, "producto para pedir",
                                      "productos para pedir"))
            rows.append([f"{group.supplier}  ·  {needed}", "", "", "", ""])
            for line in group.lines:
                if line.needs_order:
                    to_order.append(len(rows))
                pack = (f"  ({line.packs} × {_qty(line.pack_size, line.unit)})"
                        if line.pack_size != 1 and line.needs_order else "")
                rows.append([
                    f"   {line.name}", _qty(line.on_hand, line.unit),
                    _qty(line.forecast, line.unit), _qty(line.reorder_point, line.unit, up=True),
                    (_qty(line.suggested, line.unit) + pack) if line.needs_order else "—",
                ])
        self.table.set_rows(rows)
        for row in bands:
            self.table.paint_row(row, background=GROUP_BG, bold_columns=(0,))
            self.table.setSpan(row, 0, 1, 5)
        for row in to_order:
            self.table.paint_row(row, color=ORDER_FG, bold_columns=(0, 4))
        for row in range(len(rows)):
            if row not in bands and row not in to_order:
                self.table.paint_cell(row, 4, color=MUTED_FG)
        self.summary.setText(
            "Nada para pedir por ahora" if not result.to_order else
            count_text(result.to_order, "producto para pedir", "productos para pedir"))
        horizon = len(result.groups[0].lines[0].daily) if result.groups and \
            result.groups[0].lines else 0
        forecast_header = self.table.horizontalHeaderItem(2)
        if forecast_header is not None and horizon:
            forecast_header.setText(f"Pronóstico {horizon} días")
        self.footer.setText(
            f"Modelo v{result.model_version}, con las ventas hasta el {day_text(result.origin)}. "
            f"Pronóstico: unidades esperadas en los próximos {horizon} días. Punto de pedido: "
            "lo que se vende mientras llega el pedido, más un margen de seguridad. Sugerido: "
            f"lo que falta para cubrir la entrega y {result.cover_days} días más, en cajas "
            "completas. Se calcula en esta PC, aun sin conexión.")
