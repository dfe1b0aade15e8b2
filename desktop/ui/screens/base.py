"""The base class of every screen in the main window's navigation.

A screen is a thin view: it asks ``desktop.app`` for data and for actions, always off
the UI thread through :meth:`Screen.run_task`, and redraws from the results. It never
opens a session on the UI thread and never imports ``sqlalchemy`` itself.

Writing a screen::

    from desktop.app.stock_actions import move
    from desktop.ui.screens.base import Screen


    class SaleScreen(Screen):
        key = "venta"          # stable id: MainWindow.show_screen("venta")
        title = "Venta"        # Spanish, shown in the header and the navigation
        shortcut = "F2"        # the F-key that opens it, shown on its button

        def __init__(self, context: ShellContext) -> None:
            super().__init__(context)
            self.code = QLineEdit()
            self.body.addWidget(self.code)          # content goes into self.body
            self.code.returnPressed.connect(self.sell)

        def focus_target(self) -> QWidget | None:
            return self.code                         # focused each time it is shown

        def refresh(self) -> None:                   # reload data (called by on_show)
            self.run_task(load_lines, self.store, on_done=self.show_lines)

        def sell(self) -> None:
            self.run_task(self.store.write, move, self.code.text(), MovementKind.SALE,
                          Decimal(1), on_done=self.sold)   # errors: Spanish banner
            # after a local write, let the status bar recount the pending operations:
            # self.context.sync.refresh_counts()

Errors raised by the function show up in the screen's banner in Spanish
(:mod:`desktop.ui.messages`); pass ``on_error=`` to handle them yourself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.app.auth import StaffUser
from desktop.app.store import StoreData
from desktop.ui.messages import message_for
from desktop.ui.tasks import Callback, Task, TaskRunner
from desktop.ui.widgets import Banner

if TYPE_CHECKING:
    from desktop.ui.sync_controller import SyncController


@dataclass
class ShellContext:
    """What every screen shares: the open store, the worker pool, sync, the person."""

    store: StoreData
    tasks: TaskRunner
    sync: SyncController
    user: StaffUser | None = None


class Screen(QWidget):
    """One page of the main window, opened from the navigation or its F-key."""

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    shortcut: ClassVar[str] = ""

    def __init__(self, context: ShellContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 20, 28, 16)
        outer.setSpacing(12)
        header = QHBoxLayout()
        self.title_label = QLabel(self.title)
        self.title_label.setObjectName("screenTitle")
        header.addWidget(self.title_label)
        header.addStretch(1)
        if self.shortcut:
            shortcut_label = QLabel(self.shortcut)
            shortcut_label.setObjectName("screenShortcut")
            header.addWidget(shortcut_label)
        outer.addLayout(header)
        self.banner = Banner(self)
        outer.addWidget(self.banner)
        #: Subclasses put their content here.
        self.body = QVBoxLayout()
        self.body.setSpacing(12)
        outer.addLayout(self.body, 1)

    # --- what the shell calls ------------------------------------------------------------

    def on_show(self) -> None:
        """Called each time the screen becomes the visible one: refreshes and focuses."""
        self.refresh()
        target = self.focus_target()
        if target is not None:
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def refresh(self) -> None:
        """Reload what the screen shows (through :meth:`run_task`). Default: nothing."""

    def focus_target(self) -> QWidget | None:
        """The widget that gets the keyboard when the screen is shown (a scan field)."""
        return None

    # --- what subclasses use --------------------------------------------------------------

    @property
    def store(self) -> StoreData:
        return self.context.store

    @property
    def user(self) -> StaffUser | None:
        return self.context.user

    def run_task(self, function: Callable[..., Any], *args: Any,
                 on_done: Callback | None = None, on_error: Callback | None = None,
                 on_progress: Callback | None = None, **kwargs: Any) -> Task:
        """Run ``function(*args, **kwargs)`` off the UI thread.

        ``on_done(result)`` runs on the UI thread afterwards; an exception goes to
        ``on_error(exception)``, or by default to :meth:`show_error`. See
        :meth:`desktop.ui.tasks.TaskRunner.run` for ``on_progress``.
        """
        return self.context.tasks.run(function, *args, on_done=on_done,
                                      on_error=on_error or self.show_error,
                                      on_progress=on_progress, owner=self, **kwargs)

    def show_error(self, error: BaseException | str) -> None:
        """An error in the banner, in Spanish (an exception is translated)."""
        text = error if isinstance(error, str) else message_for(error)
        self.banner.show_message(text, "error")

    def show_notice(self, text: str, kind: str = "ok") -> None:
        """A confirmation (``ok``) or a neutral note (``info``) in the banner."""
        self.banner.show_message(text, kind)

    def clear_message(self) -> None:
        self.banner.clear()
