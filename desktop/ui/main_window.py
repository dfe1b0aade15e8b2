"""The main window: login page, then the navigation (F1 … F9) with the screens.

Ctrl+L locks: the person is logged out and the login page comes back. The status bar
always says whether the server answered, how many operations wait to be sent, who is
logged in and which store this PC belongs to. Sync runs in the background all along.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.app.auth import StaffUser
from desktop.app.device import DeviceInfo, device_info
from desktop.app.store import StoreData
from desktop.ui.login import LoginScreen
from desktop.ui.screens import SCREEN_CLASSES, Screen, ShellContext
from desktop.ui.sync_controller import SyncController, SyncFunction, SyncState
from desktop.ui.tasks import TaskRunner

ROLE_NAMES = {"cajero": "cajero", "deposito": "depósito", "negocio": "negocio",
              "admin": "administrador"}
WINDOW_SIZE = (1366, 768)


class MainWindow(QMainWindow):
    def __init__(self, store: StoreData, *, sync_interval_seconds: float = 60.0,
                 sync_function: SyncFunction | None = None, start_sync: bool = True,
                 screen_classes: tuple[type[Screen], ...] = SCREEN_CLASSES) -> None:
        super().__init__()
        self.setWindowTitle("Minimarket")
        self.resize(*WINDOW_SIZE)
        self.setMinimumSize(1024, 640)
        self.tasks = TaskRunner(self)
        self.sync = SyncController(store, self.tasks, interval_seconds=sync_interval_seconds,
                                   sync_function=sync_function, parent=self)
        self.context = ShellContext(store, self.tasks, self.sync)
        self.info: DeviceInfo | None = None

        self.pages = QStackedWidget()
        self.login = LoginScreen(store, self.tasks)
        self.login.logged_in.connect(self.enter)
        self.pages.addWidget(self.login)
        self.screens: dict[str, Screen] = {}
        self.nav_buttons: dict[str, QPushButton] = {}
        self.workspace = self._build_workspace(screen_classes)
        self.pages.addWidget(self.workspace)
        self.setCentralWidget(self.pages)
        self._build_status_bar()
        self._build_shortcuts()

        self.sync.changed.connect(self._show_sync_state)
        self.tasks.run(device_info, store, on_done=self._show_device, owner=self)
        self.sync.refresh_counts()
        if start_sync:
            self.sync.start(first_after_ms=500)
        self.login.reset()

    # --- building ------------------------------------------------------------------------

    def _build_workspace(self, screen_classes: tuple[type[Screen], ...]) -> QWidget:
        workspace = QWidget()
        row = QHBoxLayout(workspace)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        nav = QFrame()
        nav.setObjectName("nav")
        nav.setFixedWidth(250)
        nav_layout = QVBoxLayout(nav)
        nav_layout.setContentsMargins(10, 6, 10, 12)
        nav_layout.setSpacing(3)
        brand = QLabel("Minimarket")
        brand.setObjectName("brand")
        self.nav_store = QLabel("")
        self.nav_store.setObjectName("brandStore")
        self.nav_store.setWordWrap(True)
        nav_layout.addWidget(brand)
        nav_layout.addWidget(self.nav_store)
        self.stack = QStackedWidget()
        group = QButtonGroup(self)
        group.setExclusive(True)
        for screen_class in screen_classes:
            screen = screen_class(self.context)
            self.screens[screen.key] = screen
            self.stack.addWidget(screen)
            nav_button = QPushButton(f"{screen.shortcut:<3}  {screen.title}")
            nav_button.setCheckable(True)
            nav_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            nav_button.setCursor(Qt.CursorShape.PointingHandCursor)
            nav_button.clicked.connect(partial(self.show_screen, screen.key))
            group.addButton(nav_button)
            self.nav_buttons[screen.key] = nav_button
            nav_layout.addWidget(nav_button)
        nav_layout.addStretch(1)
        self.lock_button = QPushButton("Ctrl+L   Bloquear")
        self.lock_button.setObjectName("lockButton")
        self.lock_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lock_button.clicked.connect(self.lock)
        nav_layout.addWidget(self.lock_button)
        row.addWidget(nav)
        row.addWidget(self.stack, 1)
        return workspace

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.connection_label = QLabel("Sin sincronizar todavía")
        self.pending_label = QLabel("Pendientes: —")
        self.user_label = QLabel("Sin usuario")
        self.store_label = QLabel("Sucursal: —")
        bar.addWidget(self.connection_label)
        bar.addWidget(self.pending_label)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.store_label)

    def _build_shortcuts(self) -> None:
        self.shortcuts: list[QShortcut] = []
        for key, screen in self.screens.items():
            if screen.shortcut:
                shortcut = QShortcut(QKeySequence(screen.shortcut), self)
                shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
                shortcut.activated.connect(partial(self.show_screen, key))
                self.shortcuts.append(shortcut)
        lock = QShortcut(QKeySequence("Ctrl+L"), self)
        lock.setContext(Qt.ShortcutContext.ApplicationShortcut)
        lock.activated.connect(self.lock)
        self.shortcuts.append(lock)

    # --- navigation and session --------------------------------------------------------------

    @property
    def user(self) -> StaffUser | None:
        return self.context.user

    def current_screen(self) -> Screen | None:
        if self.pages.currentWidget() is not self.workspace:
            return None
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, Screen) else None

    def show_screen(self, key: str) -> bool:
        """Open a screen by key; nothing happens while nobody is logged in."""
        screen = self.screens.get(key)
        if screen is None or self.context.user is None:
            return False
        self.stack.setCurrentWidget(screen)
        self.nav_buttons[key].setChecked(True)
        screen.on_show()
        return True

    def enter(self, user: StaffUser) -> None:
        self.context.user = user
        role = ROLE_NAMES.get(user.role, user.role)
        self.user_label.setText(f"Usuario: {user.full_name} ({role})")
        self.pages.setCurrentWidget(self.workspace)
        self.show_screen(next(iter(self.screens)))

    def lock(self) -> None:
        """Log the person out; the login page comes back (Ctrl+L)."""
        self.context.user = None
        self.user_label.setText("Sin usuario")
        self.pages.setCurrentWidget(self.login)
        self.login.reset()

    # --- status ----------------------------------------------------------------------------

    def _show_device(self, info: DeviceInfo) -> None:
        self.info = info
        store = " – ".join(part for part in (info.store_code, info.store_name) if part) or "—"
        self.store_label.setText(f"Sucursal: {store}")
        self.nav_store.setText(f"Sucursal {store}")
        self.login.set_store_text(f"Sucursal {store}")

    def _show_sync_state(self, state: SyncState) -> None:
        if state.running:
            text, name = "⟳ Sincronizando…", ""
        elif state.online is True and state.problem == "refused":
            text, name = "● Servidor rechazó esta PC", "syncError"
        elif state.online is True:
            text, name = "● En línea", "online"
        elif state.online is False:
            text, name = "● Sin conexión", "offline"
        elif state.problem is not None:
            text, name = "● Error de sincronización", "syncError"
        else:
            text, name = "Sin sincronizar todavía", ""
        self.connection_label.setText(text)
        self.connection_label.setObjectName(name)
        self.connection_label.style().unpolish(self.connection_label)
        self.connection_label.style().polish(self.connection_label)
        if state.overview is not None:
            pending = f"Pendientes: {state.overview.pending}"
            if state.overview.refused:
                pending += f" · Rechazadas: {state.overview.refused}"
            self.pending_label.setText(pending)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sync.stop()
        self.tasks.wait(10_000)
        super().closeEvent(event)
