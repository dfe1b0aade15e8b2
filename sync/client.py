"""The client half of the protocol: push the outbox, pull the scope, keep the cursor.

Storage-facing and transport-free: a store PC (and an edge toward central) gives it a
way to open transactions on its own database and a :class:`Transport`. Nothing leaves
the outbox until the server has answered for it: accepted and duplicate operations are
marked sent, refused ones stay with their reason for a person to see.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.engine import BULK_CACHE_KIB, STORE_CACHE_KIB, set_page_cache
from shared.db.replica_meta import read_meta, write_meta
from shared.db.stock_levels import pairs_for_documents, rebuild_levels, refresh_levels
from shared.domain.errors import MinimarketError
from shared.logging import get_logger
from shared.ops.apply import apply_operations
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation
from sync.checksum import Checksum
from sync.protocol import (
    MAX_PULL_OPS,
    MAX_PUSH_OPS,
    DocumentClaim,
    Heartbeat,
    PullResponse,
    PushRequest,
    PushResponse,
)

if TYPE_CHECKING:  # a store command imports the HTTP client only when it syncs
    from sync.attachment_outbox import AttachmentUploader

CURSOR_KEY = "sync_cursor"
CHECKSUM_KEY = "sync_checksum"
SERVER_ID_KEY = "sync_server_id"
LEVELS_STALE_KEY = "stock_cache_stale"
REPAIRS_KEY = "sync_repairs"
RESYNCS_KEY = "sync_resyncs"
CLOCK_OFFSET_KEY = "clock_offset_ms"
LAST_SYNC_KEY = "sync_last"
#: Server readings are trusted: a PC whose clock is behind moves forward to them.
TRUST_SERVER_CLOCK_MS = 10 * 365 * 24 * 3600 * 1000
MAX_PUSH_BYTES = 900_000

log = get_logger(__name__)


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
    repairs: int = 0
    resyncs: int = 0
    refusals: list[tuple[str, str, str]] = field(default_factory=list)  # op id, code, reason
    attachments_uploaded: int = 0
    attachments_pending: int = 0  # still queued for the next sync (sync/attachment_outbox.py)


def _count(session: Session, key: str) -> None:
    write_meta(session, key, str(int(read_meta(session, key) or 0) + 1))


def _apply_claims(session: Session, claims: list[DocumentClaim]) -> None:
    """Record other stores' confirmations (key and order only) and re-rank their documents."""
    if not claims:
        return
    known = set(session.scalars(select(t.InvoiceConfirmation.op_id).where(
        t.InvoiceConfirmation.op_id.in_([uuid.UUID(c.op_id) for c in claims]))))
    fresh = [c for c in claims if uuid.UUID(c.op_id) not in known]
    for claim in fresh:
        session.add(t.InvoiceConfirmation(
            id=uuid.UUID(claim.id), op_id=uuid.UUID(claim.op_id), hlc=claim.hlc,
            device_id=uuid.UUID(claim.device_id), user_id=None, invoice_id=uuid.UUID(int=0),
            invoice_key=claim.invoice_key, store_id=uuid.UUID(claim.store_id)))
    if fresh:
        session.flush()
        keys = {claim.invoice_key for claim in fresh}
        refresh_levels(session, pairs_for_documents(session, keys), keys)


def reset_replica(session: Session) -> int:
    """Empty the replicated data for a full re-sync; keep what has not reached the server.

    The operations still pending or refused are applied again on the empty tables (the
    merge is order-independent, so the re-pulled scope lands around them exactly as it
    would have), their outbox entries kept as they were. Returns how many were kept.
    """
    from shared.ops.registry import ENTITIES

    kept = session.execute(
        select(t.OperationRow, t.OutboxEntry)
        .join(t.OutboxEntry, t.OutboxEntry.op_id == t.OperationRow.op_id)
        .where(t.OutboxEntry.status != "accepted")
    ).all()
    ops = [Operation.from_wire(_wire(row)) for row, _ in kept]
    outbox = [{"op_id": entry.op_id, "status": entry.status, "code": entry.code,
               "reason": entry.reason, "attempts": entry.attempts,
               "updated_at": entry.updated_at} for _, entry in kept]
    session.expunge_all()
    for spec in {spec.table.name: spec for spec in ENTITIES.values()}.values():
        session.execute(spec.table.delete())
    for model in (t.StockLevel, t.OutboxEntry, t.OperationRow):
        session.execute(delete(model))
    apply_operations(session, ops)
    if outbox:
        session.execute(insert(t.OutboxEntry), outbox)
    write_meta(session, CURSOR_KEY, "0")
    write_meta(session, CHECKSUM_KEY, Checksum().text())
    _count(session, RESYNCS_KEY)
    return len(ops)


def pending_operations(session: Session, limit: int = MAX_PUSH_OPS) -> list[Operation]:
    """The oldest operations waiting in the outbox, in operation order."""
    return load_operations(session, pending_order(session)[:limit])


def pending_order(session: Session) -> list[uuid.UUID]:
    """Every operation waiting in the outbox, oldest first (one sort for a whole push)."""
    return list(session.scalars(
        select(t.OperationRow.op_id)
        .join(t.OutboxEntry, t.OutboxEntry.op_id == t.OperationRow.op_id)
        .where(t.OutboxEntry.status == "pending")
        .order_by(t.OperationRow.hlc, t.OperationRow.device_id, t.OperationRow.op_id)
    ))


def load_operations(session: Session, op_ids: list[uuid.UUID]) -> list[Operation]:
    """These operations from the log, in the order given."""
    rows: dict[uuid.UUID, t.OperationRow] = {}
    for start in range(0, len(op_ids), 500):
        rows.update((row.op_id, row) for row in session.scalars(
            select(t.OperationRow).where(t.OperationRow.op_id.in_(op_ids[start : start + 500]))))
    return [Operation.from_wire(_wire(rows[op_id])) for op_id in op_ids if op_id in rows]


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


def _batches(ops: list[Operation]) -> Iterator[list[dict[str, Any]]]:
    """Wire forms of ``ops`` in batches under the size limit, each encoded once."""
    import json

    batch: list[dict[str, Any]] = []
    size = 0
    for op in ops:
        wire = op.to_wire()
        weight = len(json.dumps(wire))
        if batch and size + weight > MAX_PUSH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(wire)
        size += weight
    if batch:
        yield batch


class SyncClient:
    def __init__(self, transaction: Transaction, transport: Transport, clock: HybridLogicalClock,
                 *, app_version: str = "", attachments: AttachmentUploader | None = None) -> None:
        """``attachments`` uploads the files this replica's operations name, after each
        push (none when the replica makes no such operations)."""
        self.transaction = transaction
        self.transport = transport
        self.clock = clock
        self.app_version = app_version
        self.attachments = attachments

    def push_pending(self, report: SyncReport) -> None:
        """Push the outbox in batches until it is empty (refused ones stay, marked).

        Up to the transport's ``max_in_flight`` batches (1 when it does not say) are in
        flight at once: the next batch is read and encoded while the server applies the
        previous one. Each answer is recorded
        as it comes, in order; the server treats every operation on its own, so batches
        need not arrive in order. If a batch fails, the answers already received are
        recorded and the error is raised: what was not answered stays pending.
        """
        previous: set[uuid.UUID] | None = None
        while True:
            with self.transaction() as session:
                order = pending_order(session)
                counts = outbox_counts(session)
            if not order:
                return
            pending = set(order)
            if pending == previous:  # a server that answers for none of them must not hang us
                raise SyncStalled(f"the server answered for none of {len(pending)} operations")
            previous = pending
            in_flight = max(int(getattr(self.transport, "max_in_flight", 1)), 1)
            with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="sync-push") as pool:
                flight: deque[tuple[Future[PushResponse], int]] = deque()
                try:
                    for batch in self._outbox_batches(order):
                        request, sent_ms = self._request(batch, counts)
                        counts["pending"] = max(counts["pending"] - len(batch), 0)
                        flight.append((pool.submit(self.transport.push, request), sent_ms))
                        if len(flight) >= in_flight:
                            future, sent_ms = flight.popleft()
                            self._record(future.result(), sent_ms, report)
                    while flight:
                        future, sent_ms = flight.popleft()
                        self._record(future.result(), sent_ms, report)
                finally:
                    for future, sent_ms in flight:  # after an error: keep what was answered
                        if not future.cancel() and future.exception() is None:
                            self._record(future.result(), sent_ms, report)

    def _outbox_batches(self, order: list[uuid.UUID]) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, len(order), MAX_PUSH_OPS):
            with self.transaction() as session:
                ops = load_operations(session, order[start : start + MAX_PUSH_OPS])
            yield from _batches(ops)

    def _request(self, batch: list[dict[str, Any]],
                 counts: dict[str, int]) -> tuple[PushRequest, int]:
        with self.transaction() as session:
            offset = read_meta(session, CLOCK_OFFSET_KEY)
            repairs, resyncs = (int(read_meta(session, key) or 0)
                                for key in (REPAIRS_KEY, RESYNCS_KEY))
        heartbeat = Heartbeat(pending=counts["pending"], refused=counts["refused"],
                              app_version=self.app_version,
                              wall_ms=time.time_ns() // 1_000_000,
                              clock_offset_ms=int(offset) if offset else None,
                              repairs=repairs, resyncs=resyncs)
        # Built from operations read from our own log: nothing to validate again.
        request = PushRequest.model_construct(batch_id=uuid.uuid4().hex, ops=batch,
                                              heartbeat=heartbeat)
        return request, time.time_ns() // 1_000_000

    def _record(self, response: PushResponse, sent_ms: int, report: SyncReport) -> None:
        now = datetime.now(UTC)
        # The server read its clock about halfway through the round trip.
        local_ms = (sent_ms + time.time_ns() // 1_000_000) // 2
        with self.transaction() as session:
            write_meta(session, CLOCK_OFFSET_KEY, str(response.server_time_ms - local_ms))
            sent = [uuid.UUID(op_id) for op_id in response.accepted + response.duplicates]
            for start in range(0, len(sent), 500):
                session.execute(update(t.OutboxEntry)
                                .where(t.OutboxEntry.op_id.in_(sent[start : start + 500]))
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
        """Pull pages after the cursor until the server says there is no more.

        The cursor and the running checksum move in the same transaction as each page's
        operations, so an interrupted pull resumes where it stopped. At the end the
        checksum is compared with the server's: a mismatch is logged, counted and repaired
        by pulling the scope again from the start. A cursor below the server's tombstone
        horizon means this replica was away too long: it re-syncs fully.
        """
        repaired = False
        while True:
            page = self._pull_pages(report, progress)
            with self.transaction() as session:
                _apply_claims(session, page.documents)
                local = Checksum.parse(read_meta(session, CHECKSUM_KEY))
            if page.checksum is None or Checksum.parse(page.checksum) == local:
                report.cursor = page.cursor
                return
            log.warning("sync.checksum_mismatch", cursor=page.cursor, local=local.text(),
                        server=page.checksum, repaired_before=repaired)
            if repaired:
                raise SyncStalled("the replica still differs from the server after a repair"
                                  f" (cursor {page.cursor}: {local.text()} vs {page.checksum})")
            with self.transaction() as session:
                _count(session, REPAIRS_KEY)
                write_meta(session, CURSOR_KEY, "0")
                write_meta(session, CHECKSUM_KEY, Checksum().text())
            report.repairs += 1
            repaired = True

    def _pull_pages(self, report: SyncReport,
                    progress: Callable[[int, bool], None] | None) -> PullResponse:
        with self.transaction() as session:
            cursor = int(read_meta(session, CURSOR_KEY) or 0)
            checksum = Checksum.parse(read_meta(session, CHECKSUM_KEY))
            server_id = read_meta(session, SERVER_ID_KEY)
            stale = bool(read_meta(session, LEVELS_STALE_KEY))
        while True:
            page = self.transport.pull(cursor, MAX_PULL_OPS)
            if page.server_id is not None and page.server_id != server_id:
                with self.transaction() as session:
                    write_meta(session, SERVER_ID_KEY, page.server_id)
                if server_id is not None and cursor > 0:
                    # Another server (central instead of the edge, or back): its numbering
                    # differs, so pull its scope from the start; op ids make it idempotent.
                    log.info("sync.server_changed", previous=server_id, server=page.server_id)
                    with self.transaction() as session:
                        write_meta(session, CURSOR_KEY, "0")
                        write_meta(session, CHECKSUM_KEY, Checksum().text())
                    server_id, cursor, checksum = page.server_id, 0, Checksum()
                    continue
                server_id = page.server_id
            if 0 < cursor < page.horizon:
                log.warning("sync.full_resync", cursor=cursor, horizon=page.horizon)
                with self.transaction() as session:
                    reset_replica(session)
                report.resyncs += 1
                cursor, checksum = 0, Checksum()
                continue
            if cursor == 0 and page.compacted:
                checksum = Checksum.parse(page.compacted)
            ops = [Operation.from_wire(raw) for raw in page.ops]
            checksum = checksum.add(op.op_id for op in ops)
            # From zero (a first sync, a repair, a re-sync) the stock cache is rebuilt once
            # at the end rather than refreshed page by page; an interrupted pull keeps the
            # mark and the rebuild still happens when it completes.
            stale = stale or cursor == 0
            with self.transaction() as session:
                if stale:
                    set_page_cache(session, BULK_CACHE_KIB)
                if ops:
                    apply_operations(session, ops, refresh=not stale)
                if stale:
                    write_meta(session, LEVELS_STALE_KEY, "1")
                write_meta(session, CURSOR_KEY, str(page.cursor))
                write_meta(session, CHECKSUM_KEY, checksum.text())
            for op in ops:
                self._observe(op.hlc)
            report.pulled += len(ops)
            cursor = page.cursor
            if progress is not None:
                progress(len(ops), page.more)
            if not page.more:
                if stale:
                    with self.transaction() as session:
                        rebuild_levels(session)
                        write_meta(session, LEVELS_STALE_KEY, "")
                        set_page_cache(session, STORE_CACHE_KIB)
                return page

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
        if self.attachments is not None:  # never blocks the pull: what fails stays queued
            uploads = self.attachments.upload_pending(self.transaction)
            report.attachments_uploaded = len(uploads.uploaded)
            report.attachments_pending = len(uploads.pending)
        self.pull_all(report, progress)
        with self.transaction() as session:
            write_meta(session, LAST_SYNC_KEY, datetime.now(UTC).isoformat())
        return report
