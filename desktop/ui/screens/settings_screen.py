"""Configuración: the server this PC syncs with, this PC's identity, camera, replacing a PC."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.app.device import DeviceInfo, device_info, set_server_url
from desktop.ui.salvage import SalvagePanel
from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.screens.settings_camera import CameraSettings
from desktop.ui.widgets import button, hint


def _value() -> QLabel:
    label = QLabel("—")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class SettingsScreen(Screen):
    key, title, shortcut = "configuracion", "Configuración", "F9"

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.setSpacing(14)
        right.setSpacing(14)

        server_box = QGroupBox("Servidor")
        server_layout = QVBoxLayout(server_box)
        server_layout.addWidget(hint("La central, o el servidor de la sucursal si hay uno en "
                                     "la red local. Esta PC puede cambiar de uno a otro sin "
                                     "duplicar nada."))
        row = QHBoxLayout()
        self.server = QLineEdit()
        self.server.setPlaceholderText("http://192.168.0.10:8000")
        self.server.returnPressed.connect(self.save_server)
        self.save_button = button("Guardar", primary=True)
        self.save_button.clicked.connect(self.save_server)
        row.addWidget(self.server, 1)
        row.addWidget(self.save_button)
        server_layout.addLayout(row)
        left.addWidget(server_box)

        device_box = QGroupBox("Este equipo")
        form = QFormLayout(device_box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(10)
        self.device_id, self.store_label = _value(), _value()
        self.version, self.data_dir, self.interval = _value(), _value(), _value()
        self.device_id.setWordWrap(False)
        self.device_id.setStyleSheet("font-family: 'DejaVu Sans Mono'; font-size: 11pt;")
        form.addRow("Dispositivo", self.device_id)
        form.addRow("Sucursal", self.store_label)
        form.addRow("Versión", self.version)
        form.addRow("Carpeta de datos", self.data_dir)
        form.addRow("Sincronización", self.interval)
        left.addWidget(device_box)
        left.addStretch(1)

        self.camera_box = CameraSettings(self)
        right.addWidget(self.camera_box)
        self.salvage = SalvagePanel(lambda: self.context.store, context.tasks)
        right.addWidget(self.salvage)
        right.addStretch(1)

        columns.addLayout(left, 5)
        columns.addLayout(right, 4)
        self.body.addLayout(columns, 1)

    def focus_target(self) -> QWidget | None:
        return self.server

    def refresh(self) -> None:
        self.run_task(device_info, self.store, on_done=self.show_info)
        self.camera_box.refresh()

    def show_info(self, info: DeviceInfo) -> None:
        self.server.setText(info.server or "")
        self.device_id.setText(str(info.device_id))
        store = " – ".join(part for part in (info.store_code, info.store_name) if part)
        self.store_label.setText(store or "—")
        self.version.setText(info.app_version)
        self.data_dir.setText(str(info.data_dir))
        seconds = round(self.context.sync.timer.interval() / 1000)
        self.interval.setText(f"automática cada {seconds // 60} min" if seconds % 60 == 0
                              else f"automática cada {seconds} s")

    def save_server(self) -> None:
        self.run_task(set_server_url, self.store, self.server.text(), on_done=self._saved)

    def _saved(self, url: str) -> None:
        self.server.setText(url)
        self.show_notice(f"Guardado: esta PC se sincroniza con {url}.")
        self.context.sync.sync_now()
