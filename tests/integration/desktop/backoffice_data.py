"""A store PC's database with a small back-office catalog as HQ would sync it down.

Names with accents, barcodes, minimums, chain-wide prices and a known supplier are
written by an "HQ" replica (not this PC's outbox); the PC is a sync client, so what it
records itself is queued to push.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.barcodes import gtin_check_digit
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import ROLE_KEY, Recorder, Replica, load_replica

STORE = uuid.UUID("0190a000-0000-7000-8000-0000000000b1")
OLD_DAY = date(2024, 1, 2)  # the catalog's prices are effective since
KNOWN_CUIT = "30500010912"  # Distribuidora Sur, known to HQ
NEW_CUIT = "30712345671"  # an issuer HQ does not know


def ean13(body: str) -> str:
    return body + str(gtin_check_digit(body))


YERBA_EAN = "7790001000019"
AZUCAR_EAN = ean13("779000200011")
QUESO_CODE = ean13("201234500000")  # weight labels 20-12345-wwwww

# sku: (name, unit, barcode, chain-wide price in cents, minimum in thousandths, VAT rate)
CATALOG: dict[str, tuple[str, str, str, int, int | None, str]] = {
    "YE1": ("Yerba Mate Playadito 1 kg", "unidad", YERBA_EAN, 450_000, 3_000, "21"),
    "CJ-7790001000019": ("Caja Yerba Playadito x 10", "unidad", ean13("779000200012"),
                         4_200_000, None, "21"),
    "AZ1": ("Azúcar Ledesma 1 kg", "unidad", AZUCAR_EAN, 150_000, 5_000, "10.5"),
    "AC1": ("Aceite de girasol Natura 1,5 l", "unidad", ean13("779000200013"), 320_000,
            2_000, "21"),
    "FI1": ("Fideos tallarín Marolio 500 g", "unidad", ean13("779000200014"), 90_000, None,
            "21"),
    "QU1": ("Queso cremoso", "kg", QUESO_CODE, 800_000, 1_000, "21"),
}


@dataclass
class BackOffice:
    """A store PC's database: ``write(fn, ...)`` as StoreData.write, ``read()`` a session."""

    engine: Engine
    replica: Replica
    hq: Replica  # writes as HQ would (prices, catalog), not in this PC's outbox
    products: dict[str, uuid.UUID]

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            yield session

    def write(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with Session(self.engine) as session, session.begin():
            return function(session, Recorder(session, self.replica), STORE, *args, **kwargs)

    @contextmanager
    def as_hq(self) -> Iterator[Recorder]:
        with Session(self.engine) as session, session.begin():
            yield Recorder(session, self.hq)


def seed_catalog(recorder: Recorder) -> dict[str, uuid.UUID]:
    """The store, the known supplier and CATALOG, as HQ writes them."""
    recorder.upsert("store", STORE, {"code": "S1", "name": "Centro"}, store_id=STORE)
    recorder.upsert("supplier", uuid.uuid4(), {"cuit": KNOWN_CUIT,
                                               "name": "Distribuidora Sur SA"})
    ids = {}
    for sku, (name, unit, code, cents, minimum, vat) in CATALOG.items():
        product_id = uuid.uuid4()
        ids[sku] = product_id
        recorder.upsert("product", product_id, {
            "sku": sku, "name": name, "unit": unit, "provisional": False, "vat_rate": vat,
            "min_stock_milli": minimum})
        recorder.upsert("barcode", uuid.uuid4(), {"code": code, "product_id": product_id})
        recorder.append("price", {"product_id": product_id, "store_id": None,
                                  "price_cents": cents, "effective_from": OLD_DAY})
    return ids


def make_backoffice(engine: Engine, *, seed: bool = True) -> BackOffice:
    """A sync-client PC on ``engine``; with ``seed``, CATALOG written by an HQ replica."""
    hq = Replica(uuid.uuid4(), HybridLogicalClock())
    with Session(engine) as session, session.begin():
        session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
        session.flush()
        replica = load_replica(session)
        products = seed_catalog(Recorder(session, hq)) if seed else {}
    return BackOffice(engine, replica, hq, products)
