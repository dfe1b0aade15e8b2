"""A store PC's data folder: its encrypted database, its identity, its sync.

``enroll`` makes the folder; ``open_store`` opens it through the machine slot or the
operator passphrase. Everything works offline except ``enroll`` and ``sync``, which
fail with a clear message when the server cannot be reached and lose nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.replica_meta import read_meta, write_meta
from shared.db.store_database import create_store_database, open_store_database
from shared.domain.errors import AlreadyExists, ConfigError
from shared.ops.recorder import ROLE_KEY, Recorder, Replica, load_replica
from shared.security.keyslots import FileMachineSecretStore
from shared.services.stock import stock_snapshot
from sync.client import (
    CLOCK_OFFSET_KEY,
    LAST_SYNC_KEY,
    REPAIRS_KEY,
    RESYNCS_KEY,
    SyncClient,
    SyncReport,
    outbox_counts,
)

APP_VERSION = "0.1.0"
#: The folder, inside a store's data folder, of its content-addressed files (invoice photos).
ATTACHMENTS_DIR = "attachments"
SERVER_KEY, STORE_ID_KEY, STORE_CODE_KEY, SECRET_KEY = (
    "sync_server", "store_id", "store_code", "device_secret")


@dataclass
class StoreData:
    data_dir: Path
    engine: Engine
    replica: Replica

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            yield session

    def meta(self, key: str) -> str | None:
        with Session(self.engine) as session:
            return read_meta(session, key)

    def set_meta(self, **values: str) -> None:
        with self.transaction() as session:
            for key, value in values.items():
                write_meta(session, key, value)

    @property
    def attachments_dir(self) -> Path:
        """Where this PC keeps files its operations name (``sync.attachments.AttachmentStore``)."""
        return self.data_dir / ATTACHMENTS_DIR

    @property
    def store_id(self) -> uuid.UUID:
        value = self.meta(STORE_ID_KEY)
        if value is None:
            raise ConfigError("this data folder is not enrolled in a store")
        return uuid.UUID(value)

    def write(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``function(session, recorder, store_id, ...)`` in one transaction."""
        store_id = self.store_id
        with self.transaction() as session:
            return function(session, Recorder(session, self.replica), store_id, *args, **kwargs)


def _machine_store(secret_path: Path) -> FileMachineSecretStore:
    return FileMachineSecretStore(secret_path.expanduser())


def open_store(data_dir: Path, *, passphrase: str | None, machine_secret: Path) -> StoreData:
    engine = open_store_database(data_dir, passphrase=passphrase,
                                 machine_store=_machine_store(machine_secret))
    with Session(engine) as session, session.begin():
        replica = load_replica(session)
    return StoreData(data_dir, engine, replica)


def enroll(
    data_dir: Path, server: str, token: str, *, passphrase: str, machine_secret: Path,
    name: str = "", progress: Callable[[int, bool], None] | None = None,
) -> tuple[StoreData, SyncReport]:
    """Trade the token for this PC's credential, create the encrypted folder, first sync.

    The server is asked first: when it cannot be reached nothing is created.
    """
    from sync.transport_http import enroll as enroll_device

    if (data_dir / "store.db").exists():
        raise AlreadyExists(f"{data_dir} already holds a store database")
    credential = enroll_device(server, token, name=name)
    engine = create_store_database(data_dir, passphrase, _machine_store(machine_secret))
    device_id = uuid.UUID(credential["device_id"])
    with Session(engine) as session, session.begin():
        session.add(t.ReplicaMeta(key=ROLE_KEY, value="client"))
        session.flush()
        replica = load_replica(session, device_id=device_id)
    store = StoreData(data_dir, engine, replica)
    store.set_meta(**{SERVER_KEY: server.rstrip("/"), STORE_ID_KEY: credential["store_id"],
                      STORE_CODE_KEY: credential["store"],
                      SECRET_KEY: credential["device_secret"]})
    return store, sync(store, progress=progress)


def sync(store: StoreData, *, server: str | None = None,
         progress: Callable[[int, bool], None] | None = None) -> SyncReport:
    from sync.transport_http import HttpTransport, ServerUnreachable

    url = server or store.meta(SERVER_KEY)
    secret = store.meta(SECRET_KEY)
    if not url or not secret:
        raise ConfigError("this data folder is not enrolled: run `minimarket store enroll`")
    if server:
        store.set_meta(**{SERVER_KEY: server.rstrip("/")})
    from sync.attachment_outbox import AttachmentUploader
    from sync.attachments import AttachmentStore

    try:
        with HttpTransport(url, store.replica.device_id, secret) as transport:
            uploader = AttachmentUploader(AttachmentStore(store.attachments_dir), transport)
            client = SyncClient(store.transaction, transport, store.replica.clock,
                                app_version=APP_VERSION, attachments=uploader)
            report = client.sync(progress)
            _fetch_model(store, transport)
            return report
    except ServerUnreachable as error:
        with Session(store.engine) as session:
            pending = outbox_counts(session)["pending"]
        raise ServerUnreachable(f"{error}; {pending} operations stay on this PC and go with"
                                " the next sync") from None


def _fetch_model(store: StoreData, transport: Any) -> None:
    """The demand model HQ released, for Pedido sugerido offline; never fails a sync."""
    from desktop.app.reorder import fetch_released_model
    from shared.domain.errors import MinimarketError
    from sync.transport_http import ServerUnreachable

    try:
        fetch_released_model(store, transport)
    except (MinimarketError, ServerUnreachable, OSError) as error:
        from shared.logging import get_logger

        get_logger(__name__).warning("store.model_download_failed", error=str(error))


def open_old_store(old_dir: Path, passphrase: str) -> StoreData:
    """A replaced PC's data folder, opened with the operator passphrase only."""
    from shared.db.store_database import open_store_database as open_database

    engine = open_database(old_dir, passphrase=passphrase, machine_store=None)
    with Session(engine) as session, session.begin():
        replica = load_replica(session)
    return StoreData(old_dir, engine, replica)


def salvage(store: StoreData, old_dir: Path, *, passphrase: str) -> SyncReport:
    """Push the unsent operations of a replaced PC's database, then sync this PC.

    The old folder (a disk taken out of the broken PC) opens with the operator
    passphrase. Its operations keep their ids and device, so anything that already
    reached HQ counts once. They go with the old PC's own credential while HQ has not
    revoked it, else through this PC's (HQ accepts a revoked PC's operations made before
    its revocation from another PC of the same store). The old folder records what was
    sent, so running this again sends nothing twice.
    """
    from shared.domain.errors import AuthError, ValidationError
    from sync.transport_http import HttpTransport

    old = open_old_store(old_dir, passphrase)
    try:
        if old.meta(STORE_ID_KEY) != store.meta(STORE_ID_KEY):
            raise ValidationError("the old database belongs to another store")
        if old.replica.device_id == store.replica.device_id:
            raise ValidationError("that is this PC's own data folder")
        url, secret = store.meta(SERVER_KEY), store.meta(SECRET_KEY)
        if not url or not secret:
            raise ConfigError("this data folder is not enrolled: run `minimarket store enroll`")
        report = SyncReport()
        old_secret = old.meta(SECRET_KEY)
        try:
            if not old_secret:
                raise AuthError("the old PC holds no credential")
            with HttpTransport(url, old.replica.device_id, old_secret) as transport:
                SyncClient(old.transaction, transport, old.replica.clock,
                           app_version=APP_VERSION).push_pending(report)
        except AuthError:  # revoked: forward through this PC
            with HttpTransport(url, store.replica.device_id, secret) as transport:
                SyncClient(old.transaction, transport, old.replica.clock,
                           app_version=APP_VERSION).push_pending(report)
    finally:
        old.engine.dispose()
    pulled = sync(store)
    report.pulled, report.cursor = pulled.pulled, pulled.cursor
    return report


def stock(store: StoreData) -> dict[str, Any]:
    with Session(store.engine) as session:
        found = session.get(t.Store, store.store_id)
        if found is None:  # not pulled yet: report by code
            return {"store": store.meta(STORE_CODE_KEY), "items": []}
        return stock_snapshot(session, found)


def status(store: StoreData) -> dict[str, Any]:
    """CONTRACTS.md ``store status --json``."""
    with Session(store.engine) as session:
        counts = outbox_counts(session)
        # Until central's review queue syncs down, a store's own conflicts are its
        # products driven below zero (kept, flagged).
        negative = session.scalar(
            select(func.count()).select_from(t.StockLevel).where(t.StockLevel.qty_milli < 0))
    last = store.meta(LAST_SYNC_KEY)
    return {
        "store": store.meta(STORE_CODE_KEY), "device_id": str(store.replica.device_id),
        "server": store.meta(SERVER_KEY), "pending_ops": counts["pending"],
        "refused_ops": counts["refused"],
        "last_sync": last.replace("+00:00", "Z") if last else None,
        "conflicts": int(negative or 0),
        "repairs": int(store.meta(REPAIRS_KEY) or 0),
        "resyncs": int(store.meta(RESYNCS_KEY) or 0),
        "clock_offset_ms": int(offset) if (offset := store.meta(CLOCK_OFFSET_KEY)) else None,
    }
