"""A store PC's data folder as enrollment leaves it, built offline for tests.

A real SQLCipher database with its key slots (the fast test profile), the store, a product and
the staff as if pulled from HQ (no outbox entries), and the enrollment facts in
``replica_meta``. The server address points at a port where nothing listens unless the
test says otherwise.
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from desktop.app.store import (
    SECRET_KEY,
    SERVER_KEY,
    STORE_CODE_KEY,
    STORE_ID_KEY,
    StoreData,
    open_store,
)
from shared.db import tables as t
from shared.db.store_database import create_store_database
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import ROLE_KEY, Recorder, Replica, load_replica
from shared.security.keyslots import FileMachineSecretStore
from shared.security.passwords import Hasher

PASSPHRASE = "frase del operador"
STORE_ID = uuid.UUID("0190a000-0000-7000-8000-000000000001")
PRODUCT_ID = uuid.UUID("0190a000-0000-7000-8000-000000000002")
_hasher = Hasher(profile="test")


@dataclass(frozen=True)
class Staff:
    username: str
    full_name: str
    role: str = "cajero"
    pin: str | None = None
    password: str | None = None
    active: bool = True
    store_id: uuid.UUID = STORE_ID
    id: uuid.UUID | None = None


DEFAULT_STAFF = (
    Staff("ana", "Ana Pérez", pin="1234", password="contraseña de ana"),
    Staff("beto", "Beto Gómez", role="deposito", password="contraseña de beto"),
    Staff("carla", "Carla Díaz", pin="9999", active=False),
    Staff("otro", "De otra sucursal", pin="1234", store_id=uuid.UUID(int=99)),
)


def unused_url() -> str:
    """An address where nothing answers: a port just released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def add_staff(store: StoreData, staff: Staff) -> uuid.UUID:
    """A user as HQ would sync it down (not in this PC's outbox)."""
    hq = Replica(uuid.uuid4(), HybridLogicalClock())
    user_id = staff.id or uuid.uuid4()
    with store.transaction() as session:
        Recorder(session, hq).upsert("user", user_id, {
            "username": staff.username, "full_name": staff.full_name, "role": staff.role,
            "store_id": staff.store_id, "active": staff.active,
            "pin_hash": _hasher.hash(staff.pin) if staff.pin else None,
            "password_hash": _hasher.hash(staff.password) if staff.password else None,
        }, store_id=staff.store_id)
    return user_id


def make_store_folder(root: Path, *, server: str | None = None,
                      staff: tuple[Staff, ...] = DEFAULT_STAFF,
                      name: str = "caja1") -> tuple[StoreData, Path]:
    """(the open store, its machine secret path) for a folder ``root/name``."""
    data_dir = root / name
    machine_secret = root / f"{name}-machine.key"
    engine = create_store_database(data_dir, PASSPHRASE, FileMachineSecretStore(machine_secret),
                                   profile="fast")
    with Session(engine) as session, session.begin():
        session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
        session.flush()
        load_replica(session)
        hq = Replica(uuid.uuid4(), HybridLogicalClock())
        hq_recorder = Recorder(session, hq)
        hq_recorder.upsert("store", STORE_ID, {"code": "S1", "name": "Centro"},
                           store_id=STORE_ID)
        hq_recorder.upsert("product", PRODUCT_ID, {"sku": "Y1", "name": "Yerba 1 kg",
                                                   "unit": "unidad"})
        hq_recorder.upsert("barcode", uuid.uuid4(), {"code": "7790001000019",
                                                     "product_id": PRODUCT_ID})
    engine.dispose()
    store = open_store(data_dir, passphrase=None, machine_secret=machine_secret)
    store.set_meta(**{SERVER_KEY: server or unused_url(), STORE_ID_KEY: str(STORE_ID),
                      STORE_CODE_KEY: "S1", SECRET_KEY: "not-a-real-secret"})
    for person in staff:
        add_staff(store, person)
    return store, machine_secret
