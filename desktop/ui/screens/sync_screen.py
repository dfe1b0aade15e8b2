"""Sincronización: connection, pending and refused operations, conflicts, "sync now"."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.app.sync_status import OutboxItem, SyncOverview, sync_overview
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.sync_controller import SyncState
from desktop.ui.widgets import button, card
from shared.settings import BUSINESS_TIMEZONE

ENTITY_NAMES = {
    "stock_movement": "Movimiento de stock", "count_entry": "Conteo",
    "invoice_confirmation": "Confirmación de factura", "product": "Producto",
    "supplier": "Proveedor", "barcode": "Código de barras", "count_session": "Sesión de conteo",
    "supplier_invoice": "Factura de proveedor", "invoice_line": "Línea de factura",
    "supplier_product_code": "Código de proveedor", "price": "Precio", "store": "Sucursal",
    "user": "Usuario",
}
REFUSAL_NAMES = {
    "malformed": "Operación mal formada", "forbidden_entity": "No permitida a una sucursal",
    "wrong_store": "De otra sucursal", "wrong_device": "De otro equipo",
    "clock_ahead": "Reloj adelantado",
}


def local_time(moment: datetime | None) -> str:
    """A moment as the store reads it: dd/mm/aaaa hh:mm in Buenos Aires."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BUSINESS_TIMEZONE).strftime("%d/%m/%Y %H:%M")


def _stat(title: str) -> tuple[QWidget, QLabel]:
    panel, layout = card()
    caption = QLabel(title)
    caption.setObjectName("hint")
    value = QLabel("—")
    value.setObjectName("bigNumber")
    layout.addWidget(caption)
    layout.addWidget(value)
    return panel, value


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return table


class SyncScreen(Screen):
    key, title, shortcut = "sincronizacion", "Sincronización", "F8"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        stats = QHBoxLayout()
        stats.setSpacing(12)
        connection, self.connection_value = _stat("Conexión")
        pending, self.pending_value = _stat("Pendientes de envío")
        refused, self.refused_value = _stat("Rechazadas")
        conflicts, self.conflicts_value = _stat("Conflictos")
        last, self.last_sync_value = _stat("Última sincronización")
        self.last_sync_value.setObjectName("")  # a date, not a big number
        self.last_sync_value.setStyleSheet("font-size: 15pt; font-weight: bold;")
        for widget, stretch in ((connection, 3), (pending, 2), (refused, 2), (conflicts, 2),
                                (last, 3)):
            stats.addWidget(widget, stretch)
        self.body.addLayout(stats)

        actions = QHBoxLayout()
        self.server_label = QLabel()
        self.server_label.setObjectName("hint")
        self.sync_button = button("Sincronizar ahora  (Ctrl+S)", primary=True)
        self.sync_button.clicked.connect(self.sync_now)
        actions.addWidget(self.server_label, 1)
        actions.addWidget(self.sync_button)
        self.body.addLayout(actions)
        shortcut = QShortcut(QKeySequence("Ctrl+S"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.sync_now)

        self.refused_box = QGroupBox("Operaciones rechazadas por el servidor")
        refused_layout = QVBoxLayout(self.refused_box)
        self.refused_table = _table(["Hecha el", "Operación", "Código", "Motivo del servidor"])
        refused_layout.addWidget(self.refused_table)
        self.pending_box = QGroupBox("Operaciones pendientes de envío")
        pending_layout = QVBoxLayout(self.pending_box)
        self.pending_table = _table(["Hecha el", "Operación", "Intentos"])
        pending_layout.addWidget(self.pending_table)
        self.body.addWidget(self.refused_box, 1)
        self.body.addWidget(self.pending_box, 1)

        context.sync.changed.connect(self.show_state)
        self.show_state(context.sync.state)

    def focus_target(self) -> QWidget | None:
        return self.sync_button

    def refresh(self) -> None:
        self.run_task(sync_overview, self.store, on_done=self.show_overview)

    def sync_now(self) -> None:
        if self.context.sync.sync_now():
            self.show_notice("Sincronizando…", "info")

    def show_state(self, state: SyncState) -> None:
        self.sync_button.setEnabled(not state.running)
        if state.running:
            self.connection_value.setText("Sincronizando…")
            self.connection_value.setStyleSheet("")
        elif state.online is None:
            self.connection_value.setText("Sin intentar" if state.problem is None else "Error")
            self.connection_value.setStyleSheet("")
        else:
            self.connection_value.setText("En línea" if state.online else "Sin conexión")
            color = "#2e7d32" if state.online else "#b26a00"
            self.connection_value.setStyleSheet(f"color: {color};")
        if not state.running and state.last_attempt is not None:
            self._show_outcome(state)
        if state.overview is not None:
            self.show_overview(state.overview)

    def _show_outcome(self, state: SyncState) -> None:
        if state.problem is None and state.report is not None:
            report = state.report
            text = f"Sincronizado. Enviadas: {report.pushed}; recibidas: {report.pulled}."
            if report.refused:
                text += f" Rechazadas: {report.refused} (revisalas abajo)."
            self.show_notice(text, "error" if report.refused else "ok")
        elif state.problem == "offline":
            pending = state.overview.pending if state.overview else 0
            if pending == 0:
                waiting = "No hay operaciones pendientes."
            elif pending == 1:
                waiting = ("La operación pendiente queda guardada y se envía sola cuando "
                           "vuelva la conexión.")
            else:
                waiting = (f"Las {pending} operaciones pendientes quedan guardadas y se envían "
                           "solas cuando vuelva la conexión.")
            self.show_notice(f"Sin conexión con el servidor. {waiting}", "info")
        elif state.message:
            self.show_error(state.message)

    def show_overview(self, overview: SyncOverview) -> None:
        self.pending_value.setText(str(overview.pending))
        self.refused_value.setText(str(overview.refused))
        self.refused_value.setStyleSheet("color: #c62828;" if overview.refused else "")
        self.conflicts_value.setText(str(overview.conflicts))
        self.last_sync_value.setText(local_time(overview.last_sync)
                                     if overview.last_sync else "Nunca")
        self.server_label.setText(f"Servidor: {overview.server or 'sin configurar'}")
        self.refused_box.setTitle(f"Operaciones rechazadas por el servidor ({overview.refused})")
        self.pending_box.setTitle(f"Operaciones pendientes de envío ({overview.pending})")
        self._fill(self.refused_table, overview.refused_items, refused=True)
        self._fill(self.pending_table, overview.pending_items, refused=False)

    def _fill(self, table: QTableWidget, items: list[OutboxItem], *, refused: bool) -> None:
        table.setRowCount(len(items))
        for row, item in enumerate(items):
            values = [local_time(item.recorded_at), ENTITY_NAMES.get(item.entity, item.entity)]
            if refused:
                code = item.code or ""
                name = REFUSAL_NAMES.get(code)
                values += [f"{name} ({code})" if name else code, item.reason or ""]
            else:
                values.append(str(item.attempts))
            for column, value in enumerate(values):
                table.setItem(row, column, QTableWidgetItem(value))
        table.resizeRowsToContents()
