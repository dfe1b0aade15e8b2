"""A store folder's back-office catalog, as HQ would sync it down, for the warehouse screens.

Products with accents, barcodes, minimums, chain-wide prices, a known supplier and a
starting stock (counted a week ago) are written by an "HQ" replica, so this PC's outbox
starts empty: every pending operation a test sees was made on a screen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from desktop.app.store import StoreData
from shared.db import tables as t
from shared.domain.barcodes import gtin_check_digit
from shared.domain.numbers import to_milli
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import Recorder, Replica
from sync.client import outbox_counts
from tests.integration.desktop.store_folder import PRODUCT_ID, STORE_ID


@dataclass
class Desk:
    """A logged-in window on a seeded store folder, showing one back-office screen."""

    window: Any
    screen: Any
    store: StoreData
    ids: dict[str, uuid.UUID]

    @property
    def user_id(self) -> uuid.UUID:
        return self.window.context.user.id


def open_screen(qtbot: Any, make_window: Any, store: StoreData, key: Any, *,
                seed: bool = True) -> Desk:
    """Seed ``store`` (unless done already), log Ana in and press the screen's F-key."""
    from tests.ui.conftest import log_in

    ids = seed_backoffice(store) if seed else {}
    window = make_window(store)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    qtbot.keyClick(window.current_screen(), key)
    return Desk(window, window.current_screen(), store, ids)


def ean13(body: str) -> str:
    return body + str(gtin_check_digit(body))


YERBA_EAN = "7790001000019"  # the folder's own product, Y1
AZUCAR_EAN = ean13("779000200011")
ACEITE_EAN = ean13("779000200013")
FIDEOS_EAN = ean13("779000200014")
QUESO_ITEM = ean13("201234500000")  # weight labels 20-12345-wwwww
KNOWN_CUIT = "30500010912"  # Distribuidora Sur SA
KNOWN_SUPPLIER = "Distribuidora Sur SA"
PRICES_FROM = date(2024, 1, 2)

# sku: (name, unit, barcode, chain-wide price in cents, minimum, stock, VAT rate)
Row = tuple[str, str, str, int, Decimal | None, Decimal, str]
CATALOG: dict[str, Row] = {
    "Y1": ("Yerba Mate Playadito 1 kg", "unidad", YERBA_EAN, 450_000, Decimal(6), Decimal(4),
           "21"),
    "AZ1": ("Azúcar Ledesma 1 kg", "unidad", AZUCAR_EAN, 150_000, Decimal(5), Decimal(12),
            "10.5"),
    "AC1": ("Aceite de girasol Natura 1,5 l", "unidad", ACEITE_EAN, 320_000, Decimal(4),
            Decimal(2), "21"),
    "FI1": ("Fideos tallarín Marolio 500 g", "unidad", FIDEOS_EAN, 90_000, None, Decimal(20),
            "21"),
    "QU1": ("Queso cremoso", "kg", QUESO_ITEM, 800_000, Decimal(1), Decimal("0.750"), "21"),
}

# A fuller shelf for the screenshots.
DEMO_CATALOG: dict[str, Row] = {
    **CATALOG,
    "LE1": ("Leche entera La Serenísima 1 l", "unidad", ean13("779000200021"), 125_000,
            Decimal(12), Decimal(30), "21"),
    "DU1": ("Dulce de leche Sancor 400 g", "unidad", ean13("779000200022"), 210_000,
            Decimal(4), Decimal(9), "21"),
    "AR1": ("Arroz largo fino Gallo Oro 1 kg", "unidad", ean13("779000200023"), 185_000,
            Decimal(6), Decimal(5), "10.5"),
    "CA1": ("Café molido La Virginia 250 g", "unidad", ean13("779000200024"), 520_000,
            Decimal(3), Decimal(7), "21"),
    "GA1": ("Galletitas Criollitas 3 x 100 g", "unidad", ean13("779000200025"), 135_000,
            Decimal(10), Decimal(6), "21"),
    "GS1": ("Gaseosa cola 2,25 l", "unidad", ean13("779000200026"), 310_000, Decimal(12),
            Decimal(40), "21"),
    "JA1": ("Jabón en polvo Ala 800 g", "unidad", ean13("779000200027"), 430_000, Decimal(3),
            Decimal(6), "21"),
    "HA1": ("Harina 000 Pureza 1 kg", "unidad", ean13("779000200028"), 95_000, Decimal(8),
            Decimal(11), "10.5"),
    "MA1": ("Mayonesa Hellmann's 475 g", "unidad", ean13("779000200029"), 260_000, None,
            Decimal(8), "21"),
    "JC1": ("Jamón cocido", "kg", ean13("256789000000"), 1_000_000, Decimal(1),
            Decimal("2.400"), "21"),
    "LE2": ("Leche descremada La Serenísima 1 l", "unidad", ean13("779000200030"), 130_000,
            Decimal(6), Decimal(4), "21"),
    "LE3": ("Leche en polvo Nido 800 g", "unidad", ean13("779000200031"), 890_000, Decimal(2),
            Decimal(1), "21"),
    "YO1": ("Yogur bebible de frutilla 1 l", "unidad", ean13("779000200032"), 165_000,
            Decimal(6), Decimal(10), "21"),
}


def seed_backoffice(store: StoreData, catalog: dict[str, Row] = CATALOG) -> dict[str, uuid.UUID]:
    """Write ``catalog``, its stock and the known supplier as HQ would (Y1 is the folder's)."""
    hq = Replica(uuid.uuid4(), HybridLogicalClock())
    counted_at = datetime.now(UTC) - timedelta(days=7)
    ids: dict[str, uuid.UUID] = {}
    with store.transaction() as session:
        recorder = Recorder(session, hq)
        recorder.upsert("supplier", uuid.uuid4(), {"cuit": KNOWN_CUIT, "name": KNOWN_SUPPLIER})
        for sku, (name, unit, code, cents, minimum, stock, vat) in catalog.items():
            product_id = PRODUCT_ID if sku == "Y1" else uuid.uuid4()
            ids[sku] = product_id
            recorder.upsert("product", product_id, {
                "sku": sku, "name": name, "unit": unit, "provisional": False, "vat_rate": vat,
                "min_stock_milli": None if minimum is None else to_milli(minimum)})
            if sku != "Y1":
                recorder.upsert("barcode", uuid.uuid4(), {"code": code, "product_id": product_id})
            recorder.append("price", {"product_id": product_id, "store_id": None,
                                      "price_cents": cents, "effective_from": PRICES_FROM})
            recorder.append("count_entry", {
                "store_id": STORE_ID, "product_id": product_id, "qty_milli": to_milli(stock),
                "counted_at": counted_at}, store_id=STORE_ID)
    return ids


def new_price(store: StoreData, product_id: uuid.UUID, cents: int, effective: date) -> None:
    """A chain-wide price from HQ."""
    hq = Replica(uuid.uuid4(), HybridLogicalClock())
    with store.transaction() as session:
        Recorder(session, hq).append("price", {"product_id": product_id, "store_id": None,
                                               "price_cents": cents, "effective_from": effective})


def level(store: StoreData, product_id: uuid.UUID) -> int:
    """The store's cached level of a product, in thousandths."""
    with store.transaction() as session:
        row = session.get(t.StockLevel, (STORE_ID, product_id))
        return row.qty_milli if row is not None else 0


def pending(store: StoreData) -> int:
    with store.transaction() as session:
        return outbox_counts(session)["pending"]


def outbox_entities(store: StoreData) -> list[str]:
    """The entity of each pending operation, oldest first."""
    with store.transaction() as session:
        return list(session.scalars(
            select(t.OperationRow.entity)
            .join(t.OutboxEntry, t.OutboxEntry.op_id == t.OperationRow.op_id)
            .where(t.OutboxEntry.status == "pending")
            .order_by(t.OperationRow.hlc)))


# --- a day at the store, for the screenshots --------------------------------------------------


def staff_id(store: StoreData, username: str) -> uuid.UUID:
    with store.transaction() as session:
        return session.scalars(select(t.User.id).where(t.User.username == username)).one()


def sell(store: StoreData, user_id: uuid.UUID, lines: list[tuple[uuid.UUID, Decimal]],
         at: datetime) -> None:
    """One ticket at the counter: ``lines`` of (product, quantity sold)."""
    def record(session: Any, recorder: Recorder, store_id: uuid.UUID) -> None:
        recorder.user_id = user_id
        document = uuid.uuid4()
        for product_id, quantity in lines:
            recorder.append("stock_movement", {
                "store_id": store_id, "product_id": product_id, "kind": 2,
                "qty_milli": -to_milli(quantity), "document_id": document,
                "reference": "counter", "occurred_at": at}, store_id=store_id)

    store.write(record)


def seed_demo_day(store: StoreData) -> dict[str, uuid.UUID]:
    """DEMO_CATALOG, this morning's tickets, an invoice received, new prices from HQ."""
    from desktop.app.intake import IntakeDraft, confirm_intake, supplier_by_cuit
    from desktop.app.provisional import create_provisional_product
    from desktop.app.quantities import today

    ids = seed_backoffice(store, DEMO_CATALOG)
    ana, beto = staff_id(store, "ana"), staff_id(store, "beto")
    now = datetime.now(UTC)
    tickets = [
        [("LE1", "2"), ("GA1", "3"), ("Y1", "1")], [("GS1", "2"), ("QU1", "0.350")],
        [("LE1", "1"), ("DU1", "1"), ("HA1", "2")], [("Y1", "1"), ("AZ1", "2")],
        [("LE1", "3"), ("AR1", "1"), ("GA1", "2"), ("JC1", "0.250")], [("CA1", "1")],
        [("LE2", "2"), ("YO1", "1")], [("GS1", "1"), ("MA1", "1"), ("LE1", "2")],
    ]
    for number, lines in enumerate(tickets):
        sell(store, ana, [(ids[sku], Decimal(quantity)) for sku, quantity in lines],
             now - timedelta(minutes=20 * (len(tickets) - number)))
    with store.transaction() as session:
        draft = IntakeDraft(supplier=supplier_by_cuit(session, KNOWN_CUIT), letter="A",
                            point_of_sale=3, number=48_213)
        for sku, quantity, cost in (("LE1", 24, "980"), ("LE2", 12, "1030"),
                                    ("DU1", 6, "1650"), ("YO1", 12, "1290")):
            draft.add_line(session, sku, quantity, Decimal(cost))
    store.write(confirm_intake, draft, user_id=beto)
    store.write(create_provisional_product, ean13("779999000017"), "Leche de almendras Silk 1 l",
                "unidad", "2890", user_id=ana)  # scanned at the counter, unknown to HQ
    for sku, cents, days in (("Y1", 480_000, 2), ("AZ1", 140_000, 1), ("LE1", 135_000, 3),
                             ("CA1", 560_000, 5), ("QU1", 850_000, 1), ("DU1", 225_000, 0)):
        new_price(store, ids[sku], cents, today() - timedelta(days=days))
    return ids
