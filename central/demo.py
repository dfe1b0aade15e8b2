"""Demo data for the embedded default: two stores, a small catalog and some history."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import identity
from shared.db import tables as t
from shared.domain.barcodes import gtin_check_digit
from shared.domain.enums import MovementKind, Unit
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder
from shared.settings import business_day

DEMO_STORES = (("S1", "Sucursal Centro"), ("S2", "Sucursal Norte"))
DEMO_CASHIER = "cajero"
# name, category, unit, price (pesos, VAT included), net cost, minimum stock
DEMO_PRODUCTS = (
    ("Yerba mate 1 kg", "Almacén", Unit.UNIT, 4200, 2900, 12),
    ("Azúcar 1 kg", "Almacén", Unit.UNIT, 1350, 900, 20),
    ("Fideos spaghetti 500 g", "Almacén", Unit.UNIT, 1100, 700, 24),
    ("Arroz largo fino 1 kg", "Almacén", Unit.UNIT, 1900, 1250, 12),
    ("Aceite de girasol 1,5 l", "Almacén", Unit.UNIT, 3600, 2450, 10),
    ("Harina 0000 1 kg", "Almacén", Unit.UNIT, 950, 600, 15),
    ("Leche entera 1 l", "Lácteos", Unit.UNIT, 1300, 880, 30),
    ("Yogur bebible frutilla 1 l", "Lácteos", Unit.UNIT, 2100, 1400, 10),
    ("Manteca 200 g", "Lácteos", Unit.UNIT, 2600, 1800, 8),
    ("Dulce de leche 400 g", "Lácteos", Unit.UNIT, 2300, 1550, 10),
    ("Queso cremoso", "Fiambrería", Unit.KG, 9800, 6500, 3),
    ("Jamón cocido", "Fiambrería", Unit.KG, 14500, 9800, 2),
    ("Salame milán", "Fiambrería", Unit.KG, 16800, 11200, 2),
    ("Gaseosa cola 2,25 l", "Bebidas", Unit.UNIT, 3200, 2100, 24),
    ("Agua mineral 2 l", "Bebidas", Unit.UNIT, 1200, 750, 24),
    ("Cerveza lata 473 ml", "Bebidas", Unit.UNIT, 1700, 1100, 48),
    ("Vino tinto malbec 750 ml", "Bebidas", Unit.UNIT, 5200, 3500, 12),
    ("Galletitas de agua 300 g", "Galletitas", Unit.UNIT, 1250, 800, 20),
    ("Galletitas dulces rellenas", "Galletitas", Unit.UNIT, 1100, 700, 20),
    ("Pan lactal blanco", "Panadería", Unit.UNIT, 2400, 1600, 8),
    ("Detergente 750 ml", "Limpieza", Unit.UNIT, 1900, 1250, 10),
    ("Lavandina 2 l", "Limpieza", Unit.UNIT, 1400, 900, 10),
    ("Papel higiénico x4", "Limpieza", Unit.UNIT, 2800, 1900, 12),
    ("Jabón de tocador", "Perfumería", Unit.UNIT, 900, 550, 12),
)


@dataclass
class DemoSummary:
    created: bool
    stores: int
    products: int
    movements: int
    admin_password: str | None
    #: the demo cashier of S1 (``cajero``) and the PIN shown once
    cashier_pin: str | None = None


def demo_ean(n: int) -> str:
    body = f"779{n:09d}"
    return body + str(gtin_check_digit(body))


def seed_demo(session: Session, recorder: Recorder, *, admin_password: str | None) -> DemoSummary:
    """Create the demo data once; later runs leave the database as it is."""
    if session.scalar(select(func.count()).select_from(t.Product)):
        return _summary(session, created=False, password=None)
    password = admin_password or secrets.token_urlsafe(9)
    today = business_day(datetime.now(UTC))
    stores = [identity.add_store(session, recorder, code, name) for code, name in DEMO_STORES]
    identity.add_user(session, recorder, "admin", password, "admin")
    cashier_pin = f"{secrets.randbelow(10_000):04d}"
    identity.add_user(session, recorder, DEMO_CASHIER, secrets.token_urlsafe(12), "cajero",
                      DEMO_STORES[0][0], full_name="Cajero de demostración", pin=cashier_pin)
    rng = secrets.SystemRandom()
    with recorder.batch():
        for n, (name, category, unit, price, cost, minimum) in enumerate(DEMO_PRODUCTS, 1):
            product_id = new_id()
            recorder.upsert("product", product_id, {
                "sku": f"P{n:04d}", "name": name, "category": category, "unit": unit.value,
                "vat_rate": "21", "min_stock_milli": minimum * 1000, "last_cost_cents": cost * 100,
                "provisional": False, "archived": False,
            })
            recorder.upsert("barcode", new_id(), {"code": demo_ean(n), "product_id": product_id})
            recorder.append("price", {"product_id": product_id, "store_id": None,
                                      "price_cents": price * 100,
                                      "effective_from": today - timedelta(days=30)})
            for store_id in stores:
                step = 1000 if unit is Unit.UNIT else 250
                received = rng.randint(minimum, minimum * 4) * 1000
                recorder.append("stock_movement", {
                    "store_id": store_id, "product_id": product_id,
                    "kind": MovementKind.INTAKE, "qty_milli": received,
                    "unit_cost_cents": cost * 100, "reason": "stock inicial",
                }, store_id=store_id)
                sold = rng.randint(0, received // step) * step
                if sold:
                    recorder.append("stock_movement", {
                        "store_id": store_id, "product_id": product_id,
                        "kind": MovementKind.SALE, "qty_milli": -sold, "reason": "venta",
                    }, store_id=store_id)
    summary = _summary(session, created=True, password=password)
    summary.cashier_pin = cashier_pin
    return summary


def _summary(session: Session, *, created: bool, password: str | None) -> DemoSummary:
    def count(model: type[t.Base]) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    return DemoSummary(created, count(t.Store), count(t.Product), count(t.StockMovement), password)
