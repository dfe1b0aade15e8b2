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

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
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
from tests.ui.backoffice_store import ACEITE_EAN, seed_demo_day  # noqa: E402
from tests.ui.counter_store import (  # noqa: E402
    GALLETITAS_EAN,
    PAN_EAN,
    YERBA_EAN,
    ean13,
    seed_counter_catalog,
)

SIZE = (1366, 768)
SERVER = "http://central.minimarket.lan:8000"  # shown only: nothing connects to it
LECHE_EAN, GASEOSA_EAN = ean13("779000400001"), ean13("779000500001")
# sku: (name, unit, barcode, price in cents, starting stock), for the counter screens
COUNTER_CATALOG = {
    "Y1": ("Yerba mate 1 kg", "unidad", YERBA_EAN, 389_900, Decimal(24)),
    "G1": ("Galletitas de agua 300 g", "unidad", GALLETITAS_EAN, 129_950, Decimal(18)),
    "L1": ("Leche entera 1 l", "unidad", LECHE_EAN, 145_000, Decimal(30)),
    "C1": ("Gaseosa cola 2,25 l", "unidad", GASEOSA_EAN, 310_000, Decimal(1)),
    "P1": ("Pan francés", "kg", PAN_EAN, 280_000, Decimal(12)),
    "Q1": ("Queso cremoso", "kg", ean13("201234500000"), 1_150_000, Decimal(4)),
    "J1": ("Jamón cocido", "kg", ean13("256789000000"), 1_690_000, Decimal(3)),
}


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


def type_in(app: QApplication, widget: QWidget, text: str, *, enter: bool = True) -> None:
    """Type as a person or a scanner would, then let the answer come back."""
    QTest.keyClicks(widget, text)
    if enter:
        QTest.keyClick(widget, Qt.Key.Key_Return)
    settle(app, 0.3)


def counter_screens(app: QApplication, window: MainWindow, out: Path) -> None:
    """Venta with a few lines (a weighed one, scale labels), its receipt, Devolución."""
    window.show_screen("venta")
    sale = window.screens["venta"]
    scan = sale.scan_field  # type: ignore[attr-defined]
    for code in ("2*" + YERBA_EAN, "3*" + LECHE_EAN, GALLETITAS_EAN, "0,750*" + PAN_EAN,
                 ean13("201234500415"), ean13("256789005000"), "2*" + GASEOSA_EAN):
        type_in(app, scan, code)
    QTest.keyClick(scan, Qt.Key.Key_Up)
    QTest.keyClick(scan, Qt.Key.Key_Up)
    type_in(app, scan, "2*", enter=False)  # the next scan's quantity, waiting
    save(app, window, out, "venta")
    QTest.keyClick(scan, Qt.Key.Key_Escape)  # drop the waiting quantity
    QTest.keyClick(scan, Qt.Key.Key_F12)
    settle(app, 0.6)
    save(app, window, out, "venta-recibo")

    window.show_screen("devolucion")
    returns = window.screens["devolucion"]
    search, reason = returns.search, returns.reason  # type: ignore[attr-defined]
    for code, quantity, why in ((LECHE_EAN, "1", "Vencido"),
                                (ean13("201234500280"), None, "Mal estado")):
        type_in(app, search, code)
        if quantity is not None:
            type_in(app, returns.quantity, quantity)  # type: ignore[attr-defined]
        type_in(app, reason.lineEdit(), why)
    type_in(app, search, "yerba")
    type_in(app, returns.quantity, "2", enter=False)  # type: ignore[attr-defined]
    reason.setCurrentIndex(1)
    save(app, window, out, "devolucion")


def backoffice_screens(app: QApplication, root: Path, out: Path) -> None:
    """Inicio, Stock (and a product's history), Recepción, Conteo and Precios, on a store
    with a morning's work: tickets, an invoice received, new prices from HQ."""
    store, _ = make_store_folder(root, name="deposito")
    store.set_meta(**{SERVER_KEY: SERVER,
                      LAST_SYNC_KEY: (datetime.now(UTC) - timedelta(minutes=12)).isoformat()})
    seed_demo_day(store)
    window = MainWindow(store, start_sync=False)
    window.resize(*SIZE)
    window.show()
    window.enter(login(store, "ana", "1234"))
    window.sync._set(SyncState(online=True, last_attempt=datetime.now(UTC),
                               overview=sync_overview(store)))
    settle(app, 0.8)
    save(app, window, out, "inicio")

    window.show_screen("stock")
    stock = window.screens["stock"]
    type_in(app, stock.search, "leche", enter=False)  # type: ignore[attr-defined]
    save(app, window, out, "stock")
    table = stock.table  # type: ignore[attr-defined]
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "LE1")
    table.selectRow(row)
    QTest.keyClick(stock.search, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    save(app, window, out, "stock-historial")

    window.show_screen("recepcion")
    intake = window.screens["recepcion"]
    type_in(app, intake.supplier.edit, "30-50001091-2")  # type: ignore[attr-defined]
    settle(app, 0.4)
    type_in(app, intake.point_of_sale, "4")  # type: ignore[attr-defined]
    type_in(app, intake.number, "17532")  # type: ignore[attr-defined]
    for code, quantity, cost in ((ACEITE_EAN, "6", "2750,50"), ("arroz gallo", "10", "1480"),
                                 ("FI1", "24", "720"), ("MA1", "6", "2150")):
        intake.lines.quantity.setText(quantity)  # type: ignore[attr-defined]
        intake.lines.cost.setText(cost)  # type: ignore[attr-defined]
        type_in(app, intake.lines.product, code)  # type: ignore[attr-defined]
    settle(app, 0.4)
    save(app, window, out, "recepcion")

    window.show_screen("conteo")
    count = window.screens["conteo"]
    count.start_page.notes.setText("Góndola 3: almacén")  # type: ignore[attr-defined]
    QTest.keyClick(count.start_page.notes, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    settle(app, 0.4)
    for code, quantity in (("7790001000019", "3"), ("AZ1", "9"), ("AR1", "6"),
                           ("HA1", "11"), ("AC1", "1")):
        type_in(app, count.code, code)  # type: ignore[attr-defined]
        type_in(app, count.quantity, quantity)  # type: ignore[attr-defined]
    save(app, window, out, "conteo")

    window.show_screen("precios")
    prices = window.screens["precios"]
    settle(app, 0.4)
    for _ in range(2):
        QTest.keyClick(prices.table, Qt.Key.Key_Space)  # type: ignore[attr-defined]
        QTest.keyClick(prices.table, Qt.Key.Key_Down)  # type: ignore[attr-defined]
        QTest.keyClick(prices.table, Qt.Key.Key_Down)  # type: ignore[attr-defined]
    save(app, window, out, "precios")
    window.sync.stop()
    window.tasks.wait()
    window.close()
    store.engine.dispose()


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
    window.show_screen("sincronizacion")
    overview = sync_overview(store)
    window.sync._set(SyncState(online=False, problem="offline", last_attempt=datetime.now(UTC),
                               overview=overview))
    save(app, window, out, "sincronizacion")
    window.show_screen("configuracion")
    save(app, window, out, "configuracion")
    seed_counter_catalog(store, COUNTER_CATALOG)
    counter_screens(app, window, out)
    backoffice_screens(app, root, out)
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
