"""A store PC's database with a small catalog as HQ would sync it down, for counter tests.

The catalog is written by an "HQ" replica (not this PC's outbox); the PC is a sync
client, so everything it records itself is queued to push.
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

STORE = uuid.UUID("0190a000-0000-7000-8000-0000000000a1")
DAY = date(2024, 1, 2)  # prices effective since; any later day reads them


def ean13(body: str) -> str:
    return body + str(gtin_check_digit(body))


YERBA_EAN = "7790001000019"
GALLETITAS_EAN = ean13("779000200001")
PAN_EAN = ean13("779000300001")
QUESO_ITEM = ean13("201234500000")  # weight labels 20-12345-wwwww
JAMON_ITEM = ean13("256789000000")  # price labels 25-67890-ppppp (whole pesos)

# sku: (name, unit, barcode, chain-wide price in cents)
CATALOG: dict[str, tuple[str, str, str, int]] = {
    "Y1": ("Yerba 1 kg", "unidad", YERBA_EAN, 250_000),
    "G1": ("Galletitas", "unidad", GALLETITAS_EAN, 120_050),
    "P1": ("Pan", "kg", PAN_EAN, 300_000),
    "Q1": ("Queso", "kg", QUESO_ITEM, 800_000),
    "J1": ("Jamón", "kg", JAMON_ITEM, 1_000_000),
    "S1": ("Sin precio", "unidad", ean13("779000900001"), 0),
}


@dataclass
class Counter:
    """A store PC's database: ``write(fn, ...)`` as StoreData.write, ``read()`` a session."""

    engine: Engine
    replica: Replica
    products: dict[str, uuid.UUID]

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            yield session

    def write(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with Session(self.engine) as session, session.begin():
            return function(session, Recorder(session, self.replica), STORE, *args, **kwargs)


def seed_catalog(recorder: Recorder) -> dict[str, uuid.UUID]:
    """The store and CATALOG, as HQ writes them (store row in the store's scope)."""
    recorder.upsert("store", STORE, {"code": "S1", "name": "Centro"}, store_id=STORE)
    ids = {}
    for sku, (name, unit, code, cents) in CATALOG.items():
        product_id = uuid.uuid4()
        ids[sku] = product_id
        recorder.upsert("product", product_id, {"sku": sku, "name": name, "unit": unit,
                                                "provisional": False})
        recorder.upsert("barcode", uuid.uuid4(), {"code": code, "product_id": product_id})
        if cents:
            recorder.append("price", {"product_id": product_id, "store_id": None,
                                      "price_cents": cents, "effective_from": DAY})
    return ids


def make_counter(engine: Engine, *, seed: bool = True) -> Counter:
    """A sync-client PC on ``engine``, with CATALOG written by an HQ replica."""
    with Session(engine) as session, session.begin():
        session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
        session.flush()
        replica = load_replica(session)
        products = seed_catalog(Recorder(session, Replica(uuid.uuid4(), HybridLogicalClock()))) \
            if seed else {}
    return Counter(engine, replica, products)
