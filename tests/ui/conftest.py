"""pytest-qt fixtures: the themed application and a main window on a real store folder."""

import pytest

from desktop.ui.app import create_application
from desktop.ui.main_window import MainWindow
from tests.integration.desktop.store_folder import make_store_folder


@pytest.fixture(scope="session")
def qapp():
    """pytest-qt's application, themed as the real one is."""
    return create_application(["minimarket-tests"])


@pytest.fixture
def store_folder(tmp_path):
    store, machine_secret = make_store_folder(tmp_path)
    yield store, machine_secret
    store.engine.dispose()


@pytest.fixture
def make_window(qtbot):
    windows = []

    def make(store, **kwargs):
        kwargs.setdefault("start_sync", False)
        window = MainWindow(store, **kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.sync.stop()
        window.tasks.wait(30_000)


def log_in(qtbot, window, username="ana", secret="1234"):
    window.login.username.setText(username)
    window.login.secret.setText(secret)
    qtbot.keyClick(window.login.secret, "\r")
