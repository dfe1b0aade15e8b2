"""Pedido sugerido on the store PC: the released model, run here with no network.

HQ's activation writes a ``model_release`` record that syncs to the store. After each
sync, :func:`fetch_released_model` downloads the two files it names (the ONNX model and
its card) into the store folder's attachment store with the resumable client, and the
client checks each file's SHA-256 before it lands. :func:`suggestions` then reads the
model from that folder (checking the hashes again), builds the panel from this PC's own
ledger and computes the reorder suggestions (:mod:`shared.services.replenishment`):
nothing here needs the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.store import STORE_CODE_KEY, StoreData
from shared.db import tables as t
from shared.domain.errors import NotFound
from shared.logging import get_logger
from shared.services import demand_forecast as forecast
from shared.services.replenishment import (
    DEFAULT_COVER_DAYS,
    DEFAULT_SERVICE_LEVEL,
    ReorderLine,
    reorder_lines,
)
from shared.settings import business_day
from sync.attachments import AttachmentStore

MODEL_NAME = "demand"
log = get_logger(__name__)


class NoModelYet(NotFound):
    """HQ has not released a model, or its files have not reached this PC yet."""


@dataclass(frozen=True)
class SupplierGroup:
    supplier: str
    lines: list[ReorderLine]

    @property
    def to_order(self) -> int:
        return sum(1 for line in self.lines if line.needs_order)


@dataclass(frozen=True)
class Suggestions:
    model_version: int
    origin: date
    cover_days: int
    groups: list[SupplierGroup]

    @property
    def to_order(self) -> int:
        return sum(group.to_order for group in self.groups)


def released(session: Session, name: str = MODEL_NAME) -> t.ModelRelease | None:
    return session.scalars(select(t.ModelRelease).where(
        t.ModelRelease.name == name, t.ModelRelease.deleted.is_(False),
        t.ModelRelease.onnx_sha256.is_not(None)).order_by(t.ModelRelease.version.desc())
    ).first()


def fetch_released_model(store: StoreData, requester: Any) -> list[str]:
    """Download the released model's missing files; returns the hashes fetched.

    Best effort by design: a failure is logged and tried again at the next sync, and the
    model already here keeps working meanwhile.
    """
    from sync.attachments_client import AttachmentClient

    with Session(store.engine) as session:
        release = released(session)
        wanted = [] if release is None else [release.onnx_sha256, release.card_sha256]
    files = AttachmentStore(store.attachments_dir)
    client = AttachmentClient(requester)
    fetched = []
    for sha256 in wanted:
        if sha256 is None or files.has(sha256):
            continue
        # Resumable, and hashed before it is renamed into place: a file in the store
        # is always whole and verified.
        client.download(sha256, files.path(sha256))
        fetched.append(sha256)
    if fetched:
        log.info("store.model_downloaded", files=len(fetched))
    return fetched


def load_forecaster(store: StoreData) -> tuple[t.ModelRelease, forecast.Forecaster]:
    with Session(store.engine) as session:
        release = released(session)
        if release is not None:
            session.expunge(release)
    if release is None or not release.onnx_sha256 or not release.card_sha256:
        raise NoModelYet("HQ has not released a demand model yet")
    files = AttachmentStore(store.attachments_dir)
    if not (files.has(release.onnx_sha256) and files.has(release.card_sha256)):
        raise NoModelYet("the model's files have not been downloaded yet: sync first")
    onnx = forecast.verify(files.path(release.onnx_sha256).read_bytes(), release.onnx_sha256)
    card = forecast.verify(files.path(release.card_sha256).read_bytes(), release.card_sha256)
    return release, forecast.Forecaster(onnx, card)


def suggestions(store: StoreData, *, cover_days: int = DEFAULT_COVER_DAYS,
                service_level: float = DEFAULT_SERVICE_LEVEL,
                today: date | None = None) -> Suggestions:
    """This store's reorder suggestions by supplier, computed on this PC alone."""
    release, forecaster = load_forecaster(store)
    origin = (today or business_day(datetime.now(UTC))) - timedelta(days=1)
    code = store.meta(STORE_CODE_KEY) or ""
    with Session(store.engine) as session:
        lines = reorder_lines(session, store.store_id, code, forecaster, origin,
                              cover_days=cover_days, service_level=service_level)
    groups: dict[str, list[ReorderLine]] = {}
    for line in lines:
        groups.setdefault(line.supplier_name, []).append(line)
    ordered = sorted(groups.items(), key=lambda item: (
        -sum(1 for line in item[1] if line.needs_order), item[0].casefold()))
    return Suggestions(release.version or 0, origin, cover_days,
                       [SupplierGroup(name, group) for name, group in ordered])
