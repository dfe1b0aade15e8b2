"""Screens not built yet: each says what it will do. Replace a class here by the real one
(same ``key``, ``title`` and ``shortcut``) and update ``screens/__init__.py``."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.widgets import card


class PlaceholderScreen(Screen):
    description: ClassVar[str] = ""

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        panel, layout = card(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.setSpacing(16)
        heading = QLabel("Pantalla en construcción")
        heading.setObjectName("placeholder")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(self.description)
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setObjectName("hint")
        text.setMaximumWidth(760)
        layout.addStretch(1)
        layout.addWidget(heading)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.body.addWidget(panel, 1)


class HomeScreen(PlaceholderScreen):
    key, title, shortcut = "inicio", "Inicio", "F1"
    description = ("Acá vas a ver las ventas e ingresos de hoy, el stock crítico, el estado "
                   "de la sincronización y los cambios de precio para reetiquetar.")


class SaleScreen(PlaceholderScreen):
    key, title, shortcut = "venta", "Venta", "F2"
    description = ("Escaneá productos o escribí su código: las líneas se suman con cantidad y "
                   "precio, los productos pesados aceptan el peso, y se confirma con una tecla.")


class ReturnScreen(PlaceholderScreen):
    key, title, shortcut = "devolucion", "Devolución", "F3"
    description = "Devoluciones de clientes, con el motivo de cada una."


class StockScreen(PlaceholderScreen):
    key, title, shortcut = "stock", "Stock", "F4"
    description = ("Búsqueda por nombre, código o EAN mientras escribís, con stock, precio y "
                   "mínimo, y el historial de movimientos de cada producto.")


class ReceivingScreen(PlaceholderScreen):
    key, title, shortcut = "recepcion", "Recepción", "F5"
    description = ("Ingreso de mercadería de un proveedor: tipo y número de factura, y las "
                   "líneas escaneando o buscando cada producto.")


class CountScreen(PlaceholderScreen):
    key, title, shortcut = "conteo", "Conteo", "F6"
    description = ("Sesiones de conteo físico: escaneá, cargá lo contado, revisá las "
                   "diferencias y confirmá.")


class PricesScreen(PlaceholderScreen):
    key, title, shortcut = "precios", "Precios", "F7"
    description = "Cambios de precio desde el último reetiquetado, para imprimir o marcar."
