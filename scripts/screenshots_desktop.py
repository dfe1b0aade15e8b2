"""Render the desktop app's screens at 1366x768 into docs/screenshots/desktop-*.png.

    .venv/bin/python scripts/screenshots_desktop.py [OUT_DIR]

Offscreen (no display needed), on a throwaway store folder built like the tests build
theirs. Nothing connects to a server: sync states are set as a sync would leave them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from desktop.app.auth import LoginRefused, login  # noqa: E402
from desktop.app.stock_actions import move  # noqa: E402
from desktop.app.store import SERVER_KEY, StoreData  # noqa: E402
from desktop.app.sync_status import sync_overview  # noqa: E402
from desktop.ui.app import create_application  # noqa: E402
from desktop.ui.enrollment import EnrollmentWizard  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from desktop.ui.passphrase import PassphraseDialog  # noqa: E402
from desktop.ui.sync_controller import SyncState  # noqa: E402
from shared.db import tables as t  # noqa: E402
from shared.domain.enums import MovementKind  # noqa: E402
from shared.domain.errors import WrongPassphrase  # noqa: E402
from sync.client import LAST_SYNC_KEY, SyncReport  # noqa: E402
from sync.transport_http import ServerUnreachable  # noqa: E402
from tests.integration.desktop.store_folder import make_store_folder  # noqa: E402

SIZE = (1366, 768)
SERVER = "http://central.minimarket.lan:8000"  # shown only: nothing connects to it


def settle(app: QApplication, seconds: float = 0.4) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def save(app: QApplication, widget: QWidget, out: Path, name: str) -> None:
    settle(app)
    path = out / f"desktop-{name}.png"
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def sample_store(root: Path) -> tuple[StoreData, Path]:
    store, machine_secret = make_store_folder(root)
    store.set_meta(**{SERVER_KEY: SERVER,
                      LAST_SYNC_KEY: (datetime.now(UTC) - timedelta(minutes=42)).isoformat()})
    for quantity in (2, 1, 3):
        store.write(move, "Y1", MovementKind.SALE, Decimal(quantity))

    def create_product(session, recorder, store_id):  # type: ignore[no-untyped-def]
        recorder.upsert("product", uuid.uuid4(), {"sku": "X9", "name": "Galletitas",
                                                  "unit": "unidad"}, store_id=store_id)

    store.write(create_product)
    with store.transaction() as session:  # as the server's answer leaves it
        entry = session.query(t.OutboxEntry).order_by(t.OutboxEntry.op_id.desc()).first()
        assert entry is not None
        entry.status, entry.code = "refused", "forbidden_entity"
        entry.reason = "a store may only create a provisional product"
        entry.attempts = 1
    return store, machine_secret


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = create_application(["minimarket"])
    root = Path(tempfile.mkdtemp(prefix="minimarket-"))
    store, _ = sample_store(root)

    window = MainWindow(store, start_sync=False)
    window.resize(*SIZE)
    window.show()
    save(app, window, out, "login")
    window.login.username.setText("ana")
    window.login.submit.setEnabled(False)  # as an attempt leaves it
    window.login._refused(LoginRefused("locked", 272))
    save(app, window, out, "login-bloqueado")

    window.enter(login(store, "ana", "1234"))
    save(app, window, out, "inicio")
    window.show_screen("sincronizacion")
    overview = sync_overview(store)
    window.sync._set(SyncState(online=False, problem="offline", last_attempt=datetime.now(UTC),
                               overview=overview))
    save(app, window, out, "sincronizacion")
    window.show_screen("configuracion")
    save(app, window, out, "configuracion")
    window.sync.stop()
    window.tasks.wait()

    wizard = EnrollmentWizard(root / "caja2", machine_secret=root / "caja2.key")
    wizard.resize(*SIZE)
    wizard.show()
    wizard.server.setText(SERVER)
    wizard.token.setText("kZ3v9QmR2xYp")
    wizard.pc_name.setText("Caja 2")
    wizard.passphrase.setText("frase del operador")
    wizard.passphrase_again.setText("frase del operador")
    wizard._failed_to_open(ServerUnreachable("cannot reach"))
    save(app, wizard, out, "alta")
    wizard.banner.clear()
    wizard.pages.setCurrentIndex(1)
    wizard._progress(1500, True)
    save(app, wizard, out, "alta-progreso")
    wizard._enrolled((store, SyncReport(pulled=18_342)))
    save(app, wizard, out, "alta-lista")
    wizard.close()

    dialog = PassphraseDialog(root / "caja1", machine_secret=root / "otra-pc.key")
    dialog.show()
    dialog._failed(WrongPassphrase())
    save(app, dialog, out, "frase-de-acceso")
    dialog.close()
    store.engine.dispose()


if __name__ == "__main__":
    main()
