"""The screens of the main window, in navigation order (F1 … F9).

To add a real screen, write a :class:`~desktop.ui.screens.base.Screen` subclass with
the same ``key``, ``title`` and ``shortcut`` as its placeholder and put it here instead.
"""

from __future__ import annotations

from desktop.ui.screens.base import Screen, ShellContext
from desktop.ui.screens.placeholder import (
    CountScreen,
    HomeScreen,
    PricesScreen,
    ReceivingScreen,
    ReturnScreen,
    SaleScreen,
    StockScreen,
)
from desktop.ui.screens.settings_screen import SettingsScreen
from desktop.ui.screens.sync_screen import SyncScreen

SCREEN_CLASSES: tuple[type[Screen], ...] = (
    HomeScreen,  # F1
    SaleScreen,  # F2
    ReturnScreen,  # F3
    StockScreen,  # F4
    ReceivingScreen,  # F5
    CountScreen,  # F6
    PricesScreen,  # F7
    SyncScreen,  # F8
    SettingsScreen,  # F9
)

__all__ = ["SCREEN_CLASSES", "Screen", "ShellContext"]
