"""The chain the load benchmark serves: 20 stores, 5,000 products, people, a big ledger.

Stores and products get the ids the ledger generator of ``_ledger_sql`` derives
(``md5('store-<s>')::uuid``, ``md5('product-<p>')::uuid``), so every generated movement
names a store and a product that exist. They are written through the product's own
write path, the :class:`~shared.ops.recorder.Recorder`, with the same payloads
``identity.add_store`` and ``deposito``'s ``create_product`` write (only the ids are
chosen here instead of ``new_id()``); people through ``identity.add_user``.

Products ``p % 25 == 0`` are weighed (the generator writes their quantities in grams):
unit ``kg`` and a scale look-up code; the others are counted in units and carry an
EAN-13 ``779…`` with its GS1 check digit.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from _catalog import BRANDS, CATEGORIES, SIZES, WEIGHED, ean13, scale_lookup_code
from _ledger_sql import PRODUCTS, STORES
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from central import identity
from shared.domain.enums import Unit, VatRate
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder, load_replica
from shared.settings import business_day

PASSWORD = "bench-contraseña-1"
ADMIN, READER = "admin", "deposito"
SEARCH_WORDS = sorted({
    word.lower() for names in CATEGORIES.values() for name in names for word in name.split()
    if len(word) > 3
} | {brand.split()[-1].lower() for brand in BRANDS})


def md5_uuid(text_value: str) -> uuid.UUID:
    """PostgreSQL's ``md5(text)::uuid`` in Python."""
    return uuid.UUID(hashlib.md5(text_value.encode()).hexdigest())


def store_code(index: int) -> str:
    return f"S{index + 1:02d}"


def cashier_name(index: int) -> str:
    return f"cajero{index + 1:02d}"


def is_weighed(product: int) -> bool:
    return product % 25 == 0


@dataclass
class Chain:
    """What the load needs to know about the chain it talks to."""

    store_codes: list[str]
    cashiers: dict[str, str]  # store code -> username
    sale_barcodes: list[str]  # EAN-13s of products counted in units
    users: list[str]


def _product(rng: random.Random, p: int) -> tuple[dict[str, object], str, int]:
    """A product's upsert payload, its barcode and its shelf price in cents."""
    if is_weighed(p):
        name = f"{rng.choice(WEIGHED)} {rng.choice(BRANDS)} x kg"
        category = "Panadería" if name.startswith("Pan") else "Fiambrería"
        unit, code = Unit.KG.value, scale_lookup_code(p)
    else:
        category = rng.choice(list(CATEGORIES))
        name = f"{rng.choice(CATEGORIES[category])} {rng.choice(BRANDS)} {rng.choice(SIZES)}"
        unit, code = Unit.UNIT.value, ean13("779", 100_000 + p)
    price = rng.randrange(150_00, 25_000_00)
    payload: dict[str, object] = {
        "sku": str(100_000 + p), "name": name, "category": category, "unit": unit,
        "vat_rate": VatRate.GENERAL.value, "min_stock_milli": 1000 * rng.randrange(0, 25),
        "last_cost_cents": int(price / 1.21 / rng.uniform(1.25, 1.6)), "supplier_id": None,
        "provisional": False, "archived": False, "merged_into": None,
    }
    return payload, code, price


def write_products(recorder: Recorder, products: int, rng: random.Random,
                   today: date, *, first: int = 0) -> list[str]:
    """Products ``first … first+products-1`` (ids ``md5('product-<p>')``), each with its
    barcode and a chain-wide price from ``today``; the EAN-13s of those counted in units."""
    sale_barcodes: list[str] = []
    for p in range(first, first + products):
        product_id = md5_uuid(f"product-{p}")
        payload, barcode, price = _product(rng, p)
        recorder.upsert("product", product_id, payload)
        recorder.upsert("barcode", new_id(), {"code": barcode, "product_id": product_id})
        recorder.append("price", {"product_id": product_id, "store_id": None,
                                  "price_cents": price, "effective_from": today})
        if not is_weighed(p):
            sale_barcodes.append(barcode)
    return sale_barcodes


def write_chain(engine: Engine, *, seed: int = 2026) -> Chain:
    """Stores, products (barcode and chain-wide price each) and users, in one transaction."""
    rng = random.Random(seed)
    today = business_day(datetime.now(UTC))
    codes = [store_code(s) for s in range(STORES)]
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        with recorder.batch():
            for s, code in enumerate(codes):
                store_id = md5_uuid(f"store-{s}")
                recorder.upsert("store", store_id, {"code": code, "name": f"Sucursal {s + 1}"},
                                store_id=store_id)
        with recorder.batch():
            sale_barcodes = write_products(recorder, PRODUCTS, rng, today)
        users = [ADMIN, READER]
        identity.add_user(session, recorder, ADMIN, PASSWORD, "admin")
        identity.add_user(session, recorder, READER, PASSWORD, "deposito")
        cashiers = {}
        for s, code in enumerate(codes):
            cashiers[code] = cashier_name(s)
            identity.add_user(session, recorder, cashiers[code], PASSWORD, "cajero", code)
            users.append(cashiers[code])
    return Chain(codes, cashiers, sale_barcodes, users)


def check_ledger_ids(engine: Engine) -> dict[str, int]:
    """Ledger rows whose store or product the catalog lacks (both must be 0)."""
    with engine.connect() as connection:
        row = connection.execute(text("""
            SELECT (SELECT count(*) FROM stock_levels l
                     WHERE NOT EXISTS (SELECT 1 FROM stores s WHERE s.id = l.store_id))
                       AS unknown_stores,
                   (SELECT count(*) FROM stock_levels l
                     WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.id = l.product_id))
                       AS unknown_products,
                   (SELECT count(*) FROM stock_levels) AS levels,
                   (SELECT count(*) FROM stock_movements) AS movements,
                   (SELECT count(*) FROM count_entries) AS counts,
                   (SELECT count(*) FROM operations) AS operations
        """)).one()
    return dict(row._mapping)
