"""Pedido sugerido (F11): the store's suggestions by supplier from its released model."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from PySide6.QtCore import Qt

from desktop.app.reorder import MODEL_NAME
from shared.domain.enums import MovementKind
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import Recorder, Replica
from shared.services import demand_forecast as forecast
from shared.services.sales_history import sales_history
from shared.settings import BUSINESS_TIMEZONE, business_day
from sync.attachments import AttachmentStore
from tests.integration.desktop.store_folder import STORE_ID
from tests.ui.conftest import log_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TODAY = business_day(datetime.now(UTC))
DAYS = 120
# sku: (name, supplier, pack, units per weekday Mon..Sun, on hand)
ITEMS = {
    "YB1": ("Yerba mate Playadito 1 kg", "Distribuidora Sur SA", 6, (4, 4, 5, 5, 8, 10, 3), 5),
    "AC1": ("Aceite de girasol 1,5 l", "Distribuidora Sur SA", 12, (2, 2, 2, 3, 3, 4, 1), 2),
    "AZ1": ("Azúcar Ledesma 1 kg", "Distribuidora Sur SA", 10, (1, 2, 1, 2, 2, 3, 1), 60),
    "QC1": ("Queso cremoso (horma)", "Lácteos Norte SRL", 1, (1, 1, 1, 2, 2, 3, 0), 1),
    "DL1": ("Dulce de leche La Serenísima 400 g", "Lácteos Norte SRL", 12,
            (0, 1, 1, 1, 1, 2, 0), 40),
}


def seed_store_with_model(store) -> None:
    """Sales in the PC's ledger, as HQ's sync brings them, and a model released to it."""
    hq = Replica(uuid.uuid4(), HybridLogicalClock())
    suppliers: dict[str, uuid.UUID] = {}
    with store.transaction() as session:
        recorder = Recorder(session, hq)
        for sku, (name, supplier, pack, pattern, on_hand) in ITEMS.items():
            if supplier not in suppliers:
                suppliers[supplier] = uuid.uuid4()
                recorder.upsert("supplier", suppliers[supplier], {
                    "name": supplier, "lead_time_days": 3 if "Sur" in supplier else 5})
            product = uuid.uuid4()
            recorder.upsert("product", product, {
                "sku": sku, "name": name, "unit": "unidad", "supplier_id": suppliers[supplier],
                "pack_size_milli": pack * 1000})
            start = TODAY - timedelta(days=DAYS)
            sold = 0
            for offset in range(DAYS):
                day = start + timedelta(days=offset)
                if units := pattern[day.weekday()]:
                    sold += units
                    recorder.append("stock_movement", {
                        "store_id": STORE_ID, "product_id": product, "kind": MovementKind.SALE,
                        "qty_milli": -units * 1000, "occurred_at": datetime.combine(
                            day, time(12), BUSINESS_TIMEZONE).astimezone(UTC)},
                        store_id=STORE_ID)
            recorder.append("stock_movement", {
                "store_id": STORE_ID, "product_id": product, "kind": MovementKind.INTAKE,
                "qty_milli": (sold + on_hand) * 1000, "occurred_at": datetime.combine(
                    start - timedelta(days=1), time(9), BUSINESS_TIMEZONE).astimezone(UTC)},
                store_id=STORE_ID)
    with store.transaction() as session:
        end = TODAY - timedelta(days=1)
        history = sales_history(session, end - timedelta(days=DAYS - 2), end)
        from sqlalchemy import select

        from shared.db import tables as t

        skus = {pid: sku for pid, sku in session.execute(select(t.Product.id, t.Product.sku))}
        panel = forecast.build_panel(history, {STORE_ID: "S1"}, skus)
    trained = forecast.train_and_export(panel, horizon=7,
                                        config={"max_iter": 30, "min_samples_leaf": 10})
    files = AttachmentStore(store.attachments_dir)
    onnx_sha = files.put_bytes(trained.onnx)
    card_sha = files.put_bytes(trained.card_bytes())
    with store.transaction() as session:
        Recorder(session, hq).upsert("model_release", uuid.uuid4(), {
            "name": MODEL_NAME, "version": 3, "onnx_sha256": onnx_sha, "card_sha256": card_sha,
            "activated_at": datetime.now(UTC)})


def open_reorder(qtbot, make_window, store):
    window = make_window(store)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_F11)
    screen = window.current_screen()
    assert (screen.key, screen.title, screen.shortcut) == ("pedido", "Pedido sugerido", "F11")
    assert window.nav_buttons["pedido"].text() == "F11  Pedido sugerido"
    return window, screen


def test_the_screen_says_when_no_model_has_reached_this_pc(qtbot, store_folder, make_window):
    store, _ = store_folder
    _window, screen = open_reorder(qtbot, make_window, store)
    qtbot.waitUntil(lambda: screen.banner.isVisible(), timeout=10_000)
    assert "Todavía no hay un modelo" in screen.banner.text()
    assert screen.table.rowCount() == 0


def test_suggestions_are_grouped_by_supplier_with_packs(qtbot, store_folder, make_window):
    store, _ = store_folder
    seed_store_with_model(store)
    window, screen = open_reorder(qtbot, make_window, store)
    qtbot.waitUntil(lambda: screen.result is not None, timeout=30_000)
    table = screen.table
    rows = [[table.text(r, c) for c in range(5)] for r in range(table.rowCount())]
    bands = [row[0] for row in rows if not row[0].startswith("   ")]
    assert len(bands) == 2 and bands[0].startswith("Distribuidora Sur SA")
    assert "para pedir" in bands[0]
    yerba = next(row for row in rows if "Yerba" in row[0])
    ordered = int(yerba[4].split()[0])
    assert yerba[1] == "5" and ordered % 6 == 0 and yerba[4].endswith(f"({ordered // 6} × 6)")
    assert int(yerba[3]) > 5  # the reorder point, in whole units
    sugar = next(row for row in rows if "Azúcar" in row[0])
    assert sugar[4] == "—"  # 60 on hand: nothing to order
    assert "Modelo v3" in screen.footer.text()
    assert "productos para pedir" in screen.summary.text()

    screen.cover.setCurrentIndex(screen.cover.findData(30))
    qtbot.waitUntil(lambda: screen.result is not None and screen.result.cover_days == 30,
                    timeout=30_000)
    longer = next(int(table.text(r, 4).split()[0]) for r in range(table.rowCount())
                  if "Yerba" in table.text(r, 0))
    assert longer >= int(yerba[4].split()[0])

    if os.environ.get("MINIMARKET_SCREENSHOTS"):
        screen.cover.setCurrentIndex(screen.cover.findData(14))
        qtbot.waitUntil(lambda: screen.result.cover_days == 14, timeout=30_000)
        qtbot.wait(200)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SCREENSHOTS / "desktop-reorder.png"))
