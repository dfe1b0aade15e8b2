"""A real central (sync and auth agents, in process) and store PCs that sync with it.

Central runs on the database URL given (PostgreSQL in these tests) with stores S1 and
S2, a known supplier and a small catalog written chain-wide as HQ writes them. Each PC
is a real SQLCipher store folder, enrolled through ``/api/sync/enroll``, syncing over
HTTP with the same client, transport and attachment uploader ``minimarket store sync``
uses.
"""

from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from central import identity
from desktop.app.store import APP_VERSION, STORE_CODE_KEY, STORE_ID_KEY, StoreData
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.ops.recorder import DEVICE_ID_KEY, Recorder, load_replica
from shared.settings import Settings
from sync.attachment_outbox import AttachmentUploader
from sync.attachments import AttachmentStore
from sync.client import SyncClient, SyncReport
from sync.transport_http import HttpTransport
from tests.integration.central.api.conftest import enroll
from tests.integration.desktop.store_folder import make_store_folder

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SUPPLIER_CUIT = "30500010912"
CATALOG = {"YE1": "Yerba Mate Playadito 1 kg", "YE5": "Yerba Mate Playadito 500 g",
           "AZ1": "Azúcar Ledesma 1 kg"}


@dataclass
class Central:
    client: TestClient
    db_url: str
    settings: Settings
    stores: dict[str, uuid.UUID]
    supplier_id: uuid.UUID
    products: dict[str, uuid.UUID]

    def session(self) -> Session:
        return Session(create_db_engine(self.db_url))


def start_central(db_url: str, data_dir: Path) -> Central:
    engine = create_db_engine(db_url)
    upgrade(engine)
    products: dict[str, uuid.UUID] = {}
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        stores = {code: identity.add_store(session, recorder, code, name)
                  for code, name in (("S1", "Centro"), ("S2", "Norte"))}
        supplier_id = uuid.uuid4()
        recorder.upsert("supplier", supplier_id, {"cuit": SUPPLIER_CUIT,
                                                  "name": "Distribuidora Sur SA"})
        for sku, name in CATALOG.items():
            products[sku] = uuid.uuid4()
            recorder.upsert("product", products[sku], {
                "sku": sku, "name": name, "unit": "unidad", "vat_rate": "21",
                "provisional": False})
    engine.dispose()
    from central.app import create_app

    settings = Settings(MINIMARKET_DATA_DIR=data_dir, JWT_SECRET_KEY="k" * 40)
    app = create_app(("sync", "dashboard"), settings=settings, db_url=db_url)
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    return Central(client, db_url, settings, stores, supplier_id, products)


@dataclass
class StorePC:
    store: StoreData
    transport: HttpTransport

    def sync(self, requester: Any = None, *, chunk_bytes: int | None = None) -> SyncReport:
        """One ``minimarket store sync``; ``requester`` replaces the attachment upload's
        connection (to pull the cable mid-upload)."""
        uploader = AttachmentUploader(AttachmentStore(self.store.attachments_dir),
                                      requester or self.transport, chunk_bytes=chunk_bytes)
        client = SyncClient(self.store.transaction, self.transport, self.store.replica.clock,
                            app_version=APP_VERSION, attachments=uploader)
        return client.sync()


def store_pc(central: Central, root: Path, code: str, name: str) -> StorePC:
    """A PC of store ``code``: an enrolled SQLCipher folder, after its first sync."""
    store, _ = make_store_folder(root, staff=(), name=name)
    device_id, secret = enroll(central.client, central.db_url, code)
    with Session(store.engine) as session, session.begin():
        session.execute(  # the folder's identity as enrollment gives it
            text("UPDATE replica_meta SET value = :v WHERE key = :k"),
            {"v": str(device_id), "k": DEVICE_ID_KEY})
    store.replica.device_id = device_id
    store.set_meta(**{STORE_ID_KEY: str(central.stores[code]), STORE_CODE_KEY: code})
    transport = HttpTransport("http://testserver", device_id, secret, client=central.client,
                              attempts=2, backoff_seconds=0, sleep=lambda _seconds: None)
    pc = StorePC(store, transport)
    pc.sync()
    return pc
