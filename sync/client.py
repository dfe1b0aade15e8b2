"""The client half of the protocol: push the outbox, pull the scope, keep the cursor.

Storage-facing and transport-free: a store PC (and an edge toward central) gives it a
way to open transactions on its own database and a :class:`Transport`. Nothing leaves
the outbox until the server has answered for it: accepted and duplicate operations are
marked sent, refused ones stay with their reason for a person to see.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.errors import MinimarketError
from shared.ops.apply import apply_operations
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation
from sync.protocol import (
    MAX_PULL_OPS,
    MAX_PUSH_OPS,
    Heartbeat,
    PullResponse,
    PushRequest,
    PushResponse,
)

CURSOR_KEY = "sync_cursor"
LAST_SYNC_KEY = "sync_last"
#: Server readings are trusted: a PC whose clock is behind moves forward to them.
TRUST_SERVER_CLOCK_MS = 10 * 365 * 24 * 3600 * 1000
MAX_PUSH_BYTES = 900_000


class SyncStalled(MinimarketError):
    status_code = 502


class Transport(Protocol):
    def push(self, request: PushRequest) -> PushResponse: ...
    def pull(self, after: int, limit: int) -> PullResponse: ...


Transaction = Callable[[], AbstractContextManager[Session]]


@dataclass
class SyncReport:
    pushed: int = 0
    duplicates: int = 0
    refused: int = 0
    pulled: int = 0
    cursor: int = 0
    refusals: list[tuple[str, str, str]] = field(default_factory=list)  # op id, code, reason


def _meta(session: Session, key: str) -> str | None:
    row = session.get(t.ReplicaMeta, key)
    return row.value if row is not None else None


def _set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(t.ReplicaMeta, key)
    if row is None:
        session.add(t.ReplicaMeta(key=key, value=value))
    else:
        row.value = value


def pending_operations(session: Session, limit: int = MAX_PUSH_OPS) -> list[Operation]:
    """The oldest operations waiting in the outbox, in operation order."""
    rows = session.execute(
        select(t.OperationRow)
        .join(t.OutboxEntry, t.OutboxEntry.op_id == t.OperationRow.op_id)
        .where(t.OutboxEntry.status == "pending")
        .order_by(t.OperationRow.hlc, t.OperationRow.device_id, t.OperationRow.op_id)
        .limit(limit)
    ).scalars().all()
    return [Operation.from_wire(_wire(row)) for row in rows]


def _wire(row: t.OperationRow) -> dict[str, object]:
    return {"op_id": str(row.op_id), "hlc": row.hlc, "device_id": str(row.device_id),
            "user_id": str(row.user_id) if row.user_id else None, "kind": row.kind,
            "entity": row.entity, "entity_id": str(row.entity_id),
            "store_id": str(row.store_id) if row.store_id else None, "payload": row.payload}


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(t.OutboxEntry.status, func.count()).group_by(t.OutboxEntry.status)
    ).all()
    counts = {"pending": 0, "accepted": 0, "refused": 0}
    counts.update({status: int(n) for status, n in rows})
    return counts


def _batches(ops: list[Operation]) -> Iterator[list[Operation]]:
    import json

    batch: list[Operation] = []
    size = 0
    for op in ops:
        weight = len(json.dumps(op.to_wire()))
        if batch and size + weight > MAX_PUSH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(op)
        size += weight
    if batch:
        yield batch


class SyncClient:
    def __init__(self, transaction: Transaction, transport: Transport, clock: HybridLogicalClock,
                 *, app_version: str = "") -> None:
        self.transaction = transaction
        self.transport = transport
        self.clock = clock
        self.app_version = app_version

    def push_pending(self, report: SyncReport) -> None:
        """Push the outbox in batches until it is empty (refused ones stay, marked)."""
        previous: set[uuid.UUID] | None = None
        while True:
            with self.transaction() as session:
                ops = pending_operations(session)
                counts = outbox_counts(session)
            if not ops:
                return
            pending = {op.op_id for op in ops}
            if pending == previous:  # a server that answers for none of them must not hang us
                raise SyncStalled(f"the server answered for none of {len(pending)} operations")
            previous = pending
            for batch in _batches(ops):
                self._push_batch(batch, counts, report)

    def _push_batch(self, batch: list[Operation], counts: dict[str, int],
                    report: SyncReport) -> None:
        heartbeat = Heartbeat(pending=counts["pending"], refused=counts["refused"],
                              app_version=self.app_version,
                              wall_ms=time.time_ns() // 1_000_000)
        request = PushRequest(batch_id=uuid.uuid4().hex, ops=[op.to_wire() for op in batch],
                              heartbeat=heartbeat)
        response = self.transport.push(request)
        now = datetime.now(UTC)
        with self.transaction() as session:
            sent = [uuid.UUID(op_id) for op_id in response.accepted + response.duplicates]
            if sent:
                session.execute(update(t.OutboxEntry).where(t.OutboxEntry.op_id.in_(sent))
                                .values(status="accepted", updated_at=now))
            for refused in response.refused:
                try:
                    op_id = uuid.UUID(refused.op_id)
                except ValueError:
                    continue
                session.execute(update(t.OutboxEntry).where(t.OutboxEntry.op_id == op_id)
                                .values(status="refused", code=refused.code,
                                        reason=refused.reason, updated_at=now))
                report.refusals.append((refused.op_id, refused.code, refused.reason))
        if response.server_hlc:
            self._observe(response.server_hlc)
        report.pushed += len(response.accepted)
        report.duplicates += len(response.duplicates)
        report.refused += len(response.refused)

    def pull_all(self, report: SyncReport,
                 progress: Callable[[int, bool], None] | None = None) -> None:
        """Pull pages after the cursor until the server says there is no more."""
        with self.transaction() as session:
            cursor = int(_meta(session, CURSOR_KEY) or 0)
        while True:
            page = self.transport.pull(cursor, MAX_PULL_OPS)
            ops = [Operation.from_wire(raw) for raw in page.ops]
            with self.transaction() as session:
                if ops:
                    apply_operations(session, ops)
                _set_meta(session, CURSOR_KEY, str(page.cursor))
            for op in ops:
                self._observe(op.hlc)
            report.pulled += len(ops)
            cursor = page.cursor
            if progress is not None:
                progress(len(ops), page.more)
            if not page.more:
                break
        report.cursor = cursor

    def _observe(self, reading: int) -> None:
        limit = self.clock.max_forward_ms
        self.clock.max_forward_ms = TRUST_SERVER_CLOCK_MS
        try:
            self.clock.observe(reading)
        finally:
            self.clock.max_forward_ms = limit

    def sync(self, progress: Callable[[int, bool], None] | None = None) -> SyncReport:
        """Push everything pending, then pull everything new: one complete exchange."""
        report = SyncReport()
        self.push_pending(report)
        self.pull_all(report, progress)
        with self.transaction() as session:
            _set_meta(session, LAST_SYNC_KEY, datetime.now(UTC).isoformat())
        return report
