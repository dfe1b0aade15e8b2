"""A store folder's catalog for the counter screens, as HQ would sync it down.

Products, barcodes, chain-wide prices and a starting stock are written by an "HQ"
replica, so this PC's outbox starts empty: every pending operation a test sees was
made at the counter.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from desktop.app.store import StoreData
from shared.db import tables as t
from shared.domain.barcodes import gtin_check_digit
from shared.domain.enums import MovementKind
from shared.domain.numbers import to_milli
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import Recorder, Replica
from sync.client import outbox_counts
from tests.integration.desktop.store_folder import PRODUCT_ID, STORE_ID


def ean13(body: str) -> str:
    return body + str(gtin_check_digit(body))


YERBA_EAN = "7790001000019"
GALLETITAS_EAN = ean13("779000200001")
PAN_EAN = ean13("779000300001")
SERVILLETAS_EAN = ean13("779000900001")  # no shelf price
QUESO_ITEM = ean13("201234500000")  # weight labels 20-12345-wwwww (grams)
JAMON_ITEM = ean13("256789000000")  # price labels 25-67890-ppppp (whole pesos)
PRICES_FROM = date(2024, 1, 2)

# sku: (name, unit, barcode, price in cents or None, starting stock)
CATALOG: dict[str, tuple[str, str, str, int | None, Decimal]] = {
    "Y1": ("Yerba 1 kg", "unidad", YERBA_EAN, 250_000, Decimal(10)),
    "G1": ("Galletitas de agua", "unidad", GALLETITAS_EAN, 120_050, Decimal(5)),
    "P1": ("Pan francés", "kg", PAN_EAN, 300_000, Decimal(3)),
    "Q1": ("Queso cremoso", "kg", QUESO_ITEM, 800_000, Decimal(2)),
    "J1": ("Jamón cocido", "kg", JAMON_ITEM, 1_000_000, Decimal(1)),
    "S1": ("Servilletas x 50", "unidad", SERVILLETAS_EAN, None, Decimal(4)),
}


def seed_counter_catalog(store: StoreData, catalog: dict[str, tuple[str, str, str, int | None,
                                                                    Decimal]] = CATALOG
                         ) -> dict[str, uuid.UUID]:
    """Write ``catalog`` into the store folder (Y1 is the folder's own product)."""
    hq = Replica(uuid.uuid4(), HybridLogicalClock())
    ids: dict[str, uuid.UUID] = {}
    with store.transaction() as session:
        recorder = Recorder(session, hq)
        for sku, (name, unit, code, cents, stock) in catalog.items():
            product_id = PRODUCT_ID if sku == "Y1" else uuid.uuid4()
            ids[sku] = product_id
            recorder.upsert("product", product_id, {"sku": sku, "name": name, "unit": unit,
                                                    "provisional": False})
            if sku != "Y1":
                recorder.upsert("barcode", uuid.uuid4(), {"code": code,
                                                          "product_id": product_id})
            if cents:
                recorder.append("price", {"product_id": product_id, "store_id": None,
                                          "price_cents": cents, "effective_from": PRICES_FROM})
            if stock:
                recorder.append("stock_movement", {
                    "store_id": STORE_ID, "product_id": product_id,
                    "kind": MovementKind.INTAKE, "qty_milli": to_milli(stock),
                    "reason": None, "reference": "seed"}, store_id=STORE_ID)
    return ids


def level(store: StoreData, product_id: uuid.UUID) -> int:
    """The store's cached level of a product, in thousandths."""
    with store.transaction() as session:
        row = session.get(t.StockLevel, (STORE_ID, product_id))
        return row.qty_milli if row is not None else 0


def counter_movements(store: StoreData) -> list[t.StockMovement]:
    """Every movement this PC made (not the seed), in ledger order."""
    with store.transaction() as session:
        rows = session.scalars(select(t.StockMovement).where(
            t.StockMovement.device_id == store.replica.device_id)
            .order_by(t.StockMovement.hlc)).all()
        session.expunge_all()
        return list(rows)


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
