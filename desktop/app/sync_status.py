"""What the sync screen shows, read from this PC's outbox: no Qt, no network.

The outbox keeps one entry per operation this PC made until the server accepted it;
a refused entry stays with the server's code and reason until a person has seen it
(ARCHITECTURE.md: a refused operation is never dropped in silence).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.store import StoreData, status
from shared.db import tables as t


@dataclass(frozen=True)
class OutboxItem:
    op_id: uuid.UUID
    status: str  # pending | refused
    entity: str  # "stock_movement", "product", …
    kind: str  # "append" | "upsert"
    code: str | None  # the server's refusal code (sync.rules.RefusalCode), refused only
    reason: str | None  # the server's words, refused only
    attempts: int
    recorded_at: datetime | None  # when the operation was made on this PC
    updated_at: datetime | None  # when the outbox entry last changed


@dataclass(frozen=True)
class SyncOverview:
    store: str | None
    server: str | None
    pending: int
    refused: int
    conflicts: int
    last_sync: datetime | None
    refused_items: list[OutboxItem] = field(default_factory=list)
    pending_items: list[OutboxItem] = field(default_factory=list)


def outbox_items(store: StoreData, status_name: str, *, limit: int = 200) -> list[OutboxItem]:
    """Outbox entries with one status, newest first, joined to their operations."""
    with Session(store.engine) as session:
        rows = session.execute(
            select(t.OutboxEntry, t.OperationRow.entity, t.OperationRow.kind,
                   t.OperationRow.recorded_at)
            .join(t.OperationRow, t.OperationRow.op_id == t.OutboxEntry.op_id, isouter=True)
            .where(t.OutboxEntry.status == status_name)
            .order_by(t.OperationRow.hlc.desc(), t.OutboxEntry.op_id.desc())
            .limit(limit)
        ).all()
    return [OutboxItem(entry.op_id, entry.status, entity or "", kind or "", entry.code,
                       entry.reason, entry.attempts, recorded_at, entry.updated_at)
            for entry, entity, kind, recorded_at in rows]


def sync_overview(store: StoreData, *, limit: int = 200) -> SyncOverview:
    """Counts, last sync and the refused and pending operations (``limit`` of each)."""
    counts = status(store)
    last = counts["last_sync"]
    return SyncOverview(
        store=counts["store"], server=counts["server"], pending=counts["pending_ops"],
        refused=counts["refused_ops"], conflicts=counts["conflicts"],
        last_sync=datetime.fromisoformat(last.replace("Z", "+00:00")) if last else None,
        refused_items=outbox_items(store, "refused", limit=limit),
        pending_items=outbox_items(store, "pending", limit=limit),
    )
