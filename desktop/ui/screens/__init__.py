"""The screens of the main window, in navigation order (F1 … F9).

To add a real screen, write a :class:`~desktop.ui.screens.base.Screen` subclass with
the same ``key``, ``title`` and ``shortcut`` as its placeholder and put it here instead.
"""

from __future__ import annotations

from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.screens.count_screen import CountScreen
from desktop.ui.screens.home_screen import HomeScreen
from desktop.ui.screens.intake_screen import IntakeScreen
from desktop.ui.screens.prices_screen import PricesScreen
from desktop.ui.screens.reorder_screen import ReorderScreen
from desktop.ui.screens.return_screen import ReturnScreen
from desktop.ui.screens.sale_screen import SaleScreen
from desktop.ui.screens.settings_screen import SettingsScreen
from desktop.ui.screens.stock_screen import StockScreen
from desktop.ui.screens.sync_screen import SyncScreen

SCREEN_CLASSES: tuple[type[Screen], ...] = (
    HomeScreen,  # F1
    SaleScreen,  # F2
    ReturnScreen,  # F3
    StockScreen,  # F4
    IntakeScreen,  # F5
    CountScreen,  # F6
    PricesScreen,  # F7
    SyncScreen,  # F8
    SettingsScreen,  # F9
    ReorderScreen,  # F11 (F10 and F12 belong to the sale screen)
)

__all__ = ["SCREEN_CLASSES", "Screen", "ShellContext"]
