"""Inicio (F1): today's sales and intakes, critical stock, sync state, prices to relabel.

One read (:func:`desktop.app.home.home_summary`) fills the screen each time it is shown
and after each sync; the sync card follows the shell's sync controller as it changes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.app.home import HomeSummary, home_summary
from desktop.ui.messages import count_text
from desktop.ui.screens.backoffice_widgets import (
    MUTED_FG,
    OK_FG,
    SHORT_FG,
    DataTable,
    add_shortcuts,
    in_session,
    long_day_text,
    moment_text,
    money_text,
    quantity_text,
)
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.sync_controller import SyncState
from desktop.ui.widgets import button, card, hint

CRITICAL_SHOWN = 12
WARN_COLOR = "#b26a00"


def _stat(title: str) -> tuple[QWidget, QVBoxLayout, QLabel, QLabel]:
    panel, layout = card()
    layout.setSpacing(4)
    caption = QLabel(title)
    caption.setObjectName("hint")
    value = QLabel("—")
    value.setObjectName("bigNumber")
    note = hint("")
    layout.addWidget(caption)
    layout.addWidget(value)
    layout.addWidget(note)
    layout.addStretch(1)
    return panel, layout, value, note


def _when(moment: datetime) -> str:
    """``hoy 12:53`` for today, else ``27/11/2026 18:02`` (Buenos Aires)."""
    text = moment_text(moment)
    today_text = moment_text(datetime.now(UTC))[:10]
    return "hoy " + text[11:] if text[:10] == today_text else text


class HomeScreen(Screen):
    key, title, shortcut = "inicio", "Inicio", "F1"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.summary: HomeSummary | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # for Ctrl+R: nothing to type here
        self.day_label = hint("")
        self.day_label.setStyleSheet("font-size: 14pt;")
        self.body.addWidget(self.day_label)

        stats = QHBoxLayout()
        stats.setSpacing(12)
        sales, _, self.sales_value, self.sales_note = _stat("Ventas de hoy")
        intakes, _, self.intakes_value, self.intakes_note = _stat("Recepciones de hoy")
        sync, _, self.sync_value, self.sync_note = _stat("Sincronización")
        prices, prices_layout, self.prices_value, self.prices_note = _stat(
            "Precios para reetiquetar")
        self.prices_button = button("Ver precios  (F7)")
        self.prices_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.prices_button.clicked.connect(lambda: self._go("precios"))
        value_row = QHBoxLayout()  # the button beside the number keeps the cards low
        prices_layout.removeWidget(self.prices_value)
        value_row.addWidget(self.prices_value)
        value_row.addStretch(1)
        value_row.addWidget(self.prices_button, 0, Qt.AlignmentFlag.AlignVCenter)
        prices_layout.insertLayout(1, value_row)
        for widget, stretch in ((sales, 3), (intakes, 3), (sync, 3), (prices, 3)):
            stats.addWidget(widget, stretch)
        self.body.addLayout(stats)

        critical, critical_layout = card()
        heading_row = QHBoxLayout()
        self.critical_title = QLabel("Stock crítico")
        self.critical_title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.stock_button = button("Buscar en Stock  (F4)")
        self.stock_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stock_button.clicked.connect(lambda: self._go("stock"))
        heading_row.addWidget(self.critical_title, 1)
        heading_row.addWidget(self.stock_button)
        critical_layout.addLayout(heading_row)
        self.critical_table = DataTable(["SKU", "Producto", "Stock", "Mínimo", "Falta"],
                                        numeric=(2, 3, 4))
        self.critical_table.set_widths({0: 190, 2: 130, 3: 130, 4: 130})
        critical_layout.addWidget(self.critical_table, 1)
        self.critical_note = hint("")
        critical_layout.addWidget(self.critical_note)
        self.body.addWidget(critical, 1)

        self.refresh_button = button("Actualizar  (Ctrl+R)")
        self.refresh_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.refresh_button.clicked.connect(self.refresh)
        self.updated_label = hint("")
        bottom = QHBoxLayout()
        bottom.addWidget(self.updated_label, 1)
        bottom.addWidget(self.refresh_button)
        self.body.addLayout(bottom)
        self.shortcuts = add_shortcuts(self, [("Ctrl+R", self.refresh)])

        self._was_running = False
        context.sync.changed.connect(self._sync_changed)
        self.show_sync(context.sync.state)

    def focus_target(self) -> QWidget | None:
        return self

    def refresh(self) -> None:
        self.run_task(in_session, self.store, home_summary, critical_limit=CRITICAL_SHOWN,
                      on_done=self.show_summary)

    # --- drawing --------------------------------------------------------------------

    def show_summary(self, summary: HomeSummary) -> None:
        self.summary = summary
        self.day_label.setText(f"Hoy, {long_day_text(summary.day)}")
        sales = summary.sales
        self.sales_value.setText(money_text(sales.amount_cents))
        parts = [count_text(sales.tickets, "ticket", "tickets"),
                 count_text(sales.lines, "línea", "líneas")]
        if sales.returns:
            parts.append(count_text(sales.returns, "devolución", "devoluciones"))
        if sales.unpriced_lines:
            parts.append(count_text(sales.unpriced_lines, "línea sin precio",
                                    "líneas sin precio") + " (no suman)")
        self.sales_note.setText(" · ".join(parts))

        intakes = summary.intakes
        self.intakes_value.setText(str(intakes.documents))
        units = quantity_text(intakes.units)
        parts = [f"{units} {'unidad recibida' if units == '1' else 'unidades recibidas'}"]
        if intakes.duplicates:
            parts.append(count_text(intakes.duplicates, "línea duplicada", "líneas duplicadas")
                         + " (no cuentan)")
        self.intakes_note.setText(" · ".join(parts))

        self.prices_value.setText(str(summary.price_changes))
        self.prices_value.setStyleSheet(f"color: {WARN_COLOR};" if summary.price_changes else "")
        self.prices_note.setText("con la etiqueta vieja" if summary.price_changes
                                 else "Las etiquetas están al día.")
        self._show_critical(summary)
        self.show_sync(self.context.sync.state)
        self.updated_label.setText(f"Actualizado: {moment_text(datetime.now(UTC))}")

    def _show_critical(self, summary: HomeSummary) -> None:
        total = summary.critical_total
        self.critical_title.setText(
            "Stock crítico: " + count_text(total, "producto debajo del mínimo",
                                           "productos debajo del mínimo")
            if total else "Stock crítico: ningún producto debajo del mínimo")
        self.critical_table.set_rows([
            [item.sku, item.name, quantity_text(item.level, item.unit),
             quantity_text(item.minimum, item.unit), quantity_text(item.shortage, item.unit)]
            for item in summary.critical])
        for row in range(len(summary.critical)):
            self.critical_table.paint_cell(row, 2, color=SHORT_FG, bold=True)
        shown = len(summary.critical)
        self.critical_note.setText(
            f"Se muestran los {shown} que más faltan, de {total}." if total > shown else
            "Los que más faltan primero. Falta: lo que hay que reponer para llegar al mínimo.")

    def show_sync(self, state: SyncState) -> None:
        if state.running:
            text, color = "Sincronizando…", MUTED_FG
        elif state.online is True and state.problem == "refused":
            text, color = "Rechazada", SHORT_FG
        elif state.online is True:
            text, color = "En línea", OK_FG
        elif state.online is False:
            text, color = "Sin conexión", WARN_COLOR
        elif state.problem is not None:
            text, color = "Con error", SHORT_FG
        else:
            text, color = "Sin sincronizar", MUTED_FG
        self.sync_value.setText(text)
        self.sync_value.setStyleSheet(f"font-size: 20pt; color: {color};")
        overview = state.overview
        if overview is not None:
            pending, refused = overview.pending, overview.refused
        elif self.summary is not None:
            pending, refused = self.summary.outbox_pending, self.summary.outbox_refused
        else:
            return
        lines = [count_text(pending, "pendiente", "pendientes") + " de envío"
                 + (" · " + count_text(refused, "rechazada", "rechazadas") if refused else "")]
        if overview is not None:
            lines.append("Última: " + (_when(overview.last_sync) if overview.last_sync
                                       else "nunca"))
        self.sync_note.setText("\n".join(lines))

    def _sync_changed(self, state: SyncState) -> None:
        self.show_sync(state)
        finished = self._was_running and not state.running
        self._was_running = state.running
        if finished and self.isVisible():
            self.refresh()

    def _go(self, key: str) -> None:
        show_screen = getattr(self.window(), "show_screen", None)
        if callable(show_screen):
            show_screen(key)

