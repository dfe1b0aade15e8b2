"""The desktop app started on a data folder, offscreen, for ``bench_desktop.py``.

    python benchmarks/_desktop_child.py DATA_DIR USERNAME PIN [--profile FILE]

Runs what ``minimarket desktop --data DATA_DIR`` runs (``desktop.ui.app``:
``create_application``, ``load_desktop_settings``, the ``Launcher``; background sync
off), then logs in through the login page's widgets (username, PIN, Enter) and waits
for Inicio to show its figures. Prints on stdout one ``MARK <name> <perf_counter>``
line per moment (CLOCK_MONOTONIC on Linux: the parent compares them with the
launcher's fork) and ``WRONG <what>`` when the app did not do what it should. With
``--profile`` the whole run goes through cProfile and its stats are written to FILE.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import cProfile  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: Give up when Inicio has not shown its figures after this long.
TIMEOUT_MS = 120_000


def mark(name: str) -> None:
    print(f"MARK {name} {time.perf_counter():.6f}", flush=True)


def wrong(what: str) -> None:
    print(f"WRONG {what}", flush=True)


def run(data_dir: Path, username: str, pin: str) -> int:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desktop.app.settings import load_desktop_settings
    from desktop.ui.app import Launcher, create_application
    from desktop.ui.main_window import MainWindow

    mark("imported")
    app = create_application()
    settings = load_desktop_settings()
    launcher = Launcher(data_dir, settings, start_sync=False)
    window = launcher.start()
    if not isinstance(window, MainWindow):
        wrong(f"the first window is a {type(window).__name__}, not the main window")
        return 1

    def finish(code: int) -> None:
        window.close()
        QApplication.exit(code)

    def summary_shown(original: Any, summary: Any) -> None:
        original(summary)
        mark("inicio_loaded")
        screen = window.current_screen()
        if screen is None or screen.key != "inicio" or window.user is None:
            wrong("after the login the first screen is not Inicio")
        QTimer.singleShot(0, lambda: finish(0))

    def log_in() -> None:
        mark("login_shown")
        if window.pages.currentWidget() is not window.login or not window.isVisible():
            wrong("the login page is not what the window shows")
            finish(1)
            return
        home = window.screens["inicio"]
        original = home.show_summary
        home.show_summary = lambda summary: summary_shown(original, summary)  # type: ignore[method-assign]
        window.login.username.setText(username)
        window.login.secret.setText(pin)
        mark("login_submitted")
        QTest.keyClick(window.login.secret, Qt.Key.Key_Return)

    def give_up() -> None:
        wrong(f"Inicio showed no figures within {TIMEOUT_MS // 1000} s "
              f"(banner: {window.login.banner.text()!r})")
        finish(1)

    QTimer.singleShot(0, log_in)  # runs once the event loop has shown the window
    QTimer.singleShot(TIMEOUT_MS, give_up)
    return int(app.exec())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("username")
    parser.add_argument("pin")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    print(f"MARK started {STARTED:.6f}", flush=True)
    if args.profile is None:
        return run(args.data_dir, args.username, args.pin)
    profiler = cProfile.Profile()
    code: int = profiler.runcall(run, args.data_dir, args.username, args.pin)
    profiler.dump_stats(args.profile)
    return code


if __name__ == "__main__":
    sys.exit(main())
