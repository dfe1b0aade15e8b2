"""The server half of the protocol, over a Session: push, sequencing and pull.

Storage-facing and transport-free: central's sync agent and the edge node call these
inside their own transactions; the HTTP layer only moves messages.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.replica_meta import read_meta, write_meta
from shared.domain.errors import ClockDriftError, ValidationError
from shared.ops.apply import Prepared, apply_operations, known_op_ids, prepare
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation, OpKind
from shared.ops.recorder import DEVICE_ID_KEY
from sync.checksum import Checksum
from sync.protocol import DocumentClaim, PullResponse, PushResponse, RefusedOp
from sync.rules import (
    CHAIN_WIDE_COPIES,
    HQ_PRIVATE,
    PROVISIONAL_RECORDS,
    SHARED_RECORD_FIELDS,
    Refusal,
    RefusalCode,
    authorize_store_write,
)

#: PostgreSQL advisory lock key of the sequencer ("mm-seq").
SEQUENCER_LOCK = 0x6D6D2D736571
SEQUENCE_CHUNK = 5_000


@dataclass(frozen=True)
class Pusher:
    """The credential behind a push: a store's PC (its device id) or edge (None)."""

    store_id: uuid.UUID
    device_id: uuid.UUID | None
    credential_id: uuid.UUID | None = None  # the enrolled device holding the credential


@dataclass
class PushOutcome:
    accepted: list[uuid.UUID] = field(default_factory=list)
    applied: list[Operation] = field(default_factory=list)  # the accepted operations
    duplicates: list[uuid.UUID] = field(default_factory=list)
    refused: list[tuple[str, Refusal]] = field(default_factory=list)  # (op id text, why)


def push_response(outcome: PushOutcome, clock: HybridLogicalClock) -> PushResponse:
    """The protocol's answer to a push, the same over HTTP and in process."""
    return PushResponse(
        accepted=[str(op_id) for op_id in outcome.accepted],
        duplicates=[str(op_id) for op_id in outcome.duplicates],
        refused=[RefusedOp(op_id=op_id, code=refusal.code.value, reason=refusal.reason)
                 for op_id, refusal in outcome.refused],
        server_hlc=clock.now(), server_time_ms=time.time_ns() // 1_000_000,
    )


def _op_id_text(raw: Any) -> str:
    return str(raw.get("op_id", "")) if isinstance(raw, dict) else ""


def push(
    session: Session, pusher: Pusher, raw_ops: Sequence[Any], clock: HybridLogicalClock
) -> PushOutcome:
    """Check each operation on its own; apply the good ones; refuse the rest with a reason.

    A refused or malformed operation never blocks the ones behind it, and an operation
    already applied is acknowledged again without changing anything.
    """
    outcome = PushOutcome()
    parsed: list[Operation] = []
    for raw in raw_ops:
        try:
            parsed.append(Operation.from_wire(raw))
        except (KeyError, TypeError, ValueError) as error:
            outcome.refused.append((_op_id_text(raw), Refusal(
                RefusalCode.MALFORMED, f"not an operation: {type(error).__name__} {error}")))
    known = known_op_ids(session, [op.op_id for op in parsed])
    replaced = _replaced_devices(session, pusher, parsed)
    ready: dict[uuid.UUID, Prepared] = {}
    for op in parsed:
        if op.op_id in known or op.op_id in ready:
            outcome.duplicates.append(op.op_id)
            continue
        device = pusher.device_id
        revoked_at = replaced.get(op.device_id)
        if revoked_at is not None and (op.hlc >> 16) < revoked_at:
            device = None  # forwarded from a replaced PC: made before it was revoked
        refusal = authorize_store_write(op, pusher.store_id, device)
        if refusal is None and op.entity in PROVISIONAL_RECORDS:
            refusal = _provisional_owner(session, op, pusher.store_id)
        if refusal is None and op.entity in CHAIN_WIDE_COPIES:
            refusal = _shared_record_fields(session, op, pusher.store_id)
        if refusal is None:
            try:
                clock.observe(op.hlc)
                ready[op.op_id] = prepare(op)
            except ClockDriftError as error:
                refusal = Refusal(RefusalCode.CLOCK_AHEAD, str(error))
            except ValidationError as error:
                refusal = Refusal(RefusalCode.MALFORMED, str(error))
        if refusal is not None:
            outcome.refused.append((str(op.op_id), refusal))
    if ready:
        apply_operations(session, list(ready.values()), assume_new=True)
        outcome.accepted = list(ready)
        outcome.applied = [prepared.op for prepared in ready.values()]
    return outcome


def _provisional_owner(session: Session, op: Operation,
                       store_id: uuid.UUID) -> Refusal | None:
    """A store edits only the provisional records it created, and only while provisional.

    The rules see the operation alone; the record's state is here: a catalog record, one
    HQ has promoted, or another store's provisional one is refused.
    """
    from shared.ops.registry import ENTITIES

    table = ENTITIES[op.entity].table
    provisional = session.execute(
        select(table.c.provisional).where(table.c.id == op.entity_id)).first()
    if provisional is None:
        return None  # a new record (or one created earlier in this batch)
    if not provisional[0]:
        return Refusal(RefusalCode.FORBIDDEN_ENTITY,
                       f"only HQ edits this {op.entity}: it is in the catalog")
    ops = t.OperationRow
    creator = session.execute(
        select(ops.store_id).where(ops.entity == op.entity, ops.entity_id == op.entity_id)
        .order_by(ops.hlc, ops.device_id, ops.op_id).limit(1)).first()
    if creator is not None and creator[0] != store_id:
        return Refusal(RefusalCode.WRONG_STORE, f"a provisional {op.entity} of another store")
    return None


def _shared_record_fields(session: Session, op: Operation,
                          store_id: uuid.UUID) -> Refusal | None:
    """Another store's (or HQ's) shared record: a store may only point it at another
    product (last writer wins, and the log keeps who), never repurpose or delete it."""
    ops = t.OperationRow
    creator = session.execute(  # a chain-wide copy shares its original's clock reading
        select(ops.store_id).where(ops.entity == op.entity, ops.entity_id == op.entity_id)
        .order_by(ops.hlc, ops.store_id.is_(None), ops.device_id, ops.op_id).limit(1)).first()
    if creator is None or creator[0] == store_id:
        return None
    touched = sorted(set(op.payload) - SHARED_RECORD_FIELDS)
    if touched:
        allowed = ", ".join(sorted(SHARED_RECORD_FIELDS))
        return Refusal(RefusalCode.WRONG_STORE, f"another store's {op.entity}: only"
                       f" {allowed} may change, not {', '.join(touched)}")
    return None


#: Names the chain-wide copy of a store's operation (the same copy every time).
_COPY_NAMESPACE = uuid.UUID("0190c0de-0000-7000-8000-00000000c0b1")


def copy_chain_wide(session: Session, applied: Sequence[Operation],
                    device_id: uuid.UUID) -> list[Operation]:
    """Copy the accepted store operations on CHAIN_WIDE_COPIES entities chain-wide.

    Central (the root server, ``device_id`` its replica) calls this in the push's
    transaction. Each copy carries the original's payload, clock reading and user, so
    per-field last-writer-wins gives the same result on every replica as if each had
    received the original; its op id is derived from the original's, so copying twice
    changes nothing. A change to a mapping another store made is also written to
    ``audit_events`` (``supplier_code.remapped``): never silent.
    """
    copies = [
        Operation(op_id=uuid.uuid5(_COPY_NAMESPACE, str(op.op_id)), hlc=op.hlc,
                  device_id=device_id, user_id=op.user_id, kind=op.kind, entity=op.entity,
                  entity_id=op.entity_id, store_id=None, payload=dict(op.payload))
        for op in applied if op.entity in CHAIN_WIDE_COPIES and op.store_id is not None
    ]
    if not copies:
        return []
    originals = {op.entity_id: op for op in applied
                 if op.entity in CHAIN_WIDE_COPIES and op.store_id is not None}
    _audit_remaps(session, list(originals.values()))
    apply_operations(session, [prepare(copy) for copy in copies])
    return copies


def _audit_remaps(session: Session, ops: Sequence[Operation]) -> None:
    from shared.domain.ids import new_id

    log = t.OperationRow
    for op in ops:
        if "product_id" not in op.payload:
            continue
        others = sorted({str(store) for store in session.scalars(
            select(log.store_id).where(
                log.entity == op.entity, log.entity_id == op.entity_id,
                log.store_id.is_not(None), log.store_id != op.store_id,
                log.op_id != op.op_id).distinct())})
        if not others:
            continue
        session.add(t.AuditEvent(
            id=new_id(), at=datetime.now(UTC), user_id=op.user_id, device_id=op.device_id,
            store_id=op.store_id, action="supplier_code.remapped", entity=op.entity,
            entity_id=op.entity_id,
            details={"product_id": op.payload.get("product_id"), "op_id": str(op.op_id),
                     "other_stores": others}))


def _replaced_devices(session: Session, pusher: Pusher,
                      ops: Sequence[Operation]) -> dict[uuid.UUID, int]:
    """Revoked PCs of the pusher's store among the ops' devices, with when (ms) they were
    revoked: a PC that replaced one may forward the operations it made before that."""
    foreign = {op.device_id for op in ops if pusher.device_id and op.device_id != pusher.device_id}
    if not foreign:
        return {}
    rows = session.execute(
        select(t.Device.id, t.Device.revoked_at).where(
            t.Device.id.in_(sorted(foreign)), t.Device.store_id == pusher.store_id,
            t.Device.revoked_at.is_not(None))
    ).all()
    return {row.id: _epoch_ms(row.revoked_at) for row in rows}


def _epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def sequence_pending(session: Session, limit: int = SEQUENCE_CHUNK) -> int:
    """Give committed, unsequenced operations the next sequence numbers; returns how many.

    Run in its own short transaction. Only committed rows are visible to it, and it runs
    under a lock, so numbers are handed out in commit-visibility order: an operation
    whose transaction commits late gets a number above every number already served, and
    a pull cursor can never skip it. The scopes' running checksums move in the same
    transaction.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCER_LOCK})
    table = cast(Table, t.OperationRow.__table__)
    # Numbers are never reused, not even those of operations compaction purged.
    base = max(int(session.scalar(select(func.coalesce(func.max(table.c.seq), 0))) or 0),
               tombstone_horizon(session))
    # One statement numbers the oldest pending rows in the database (no row per
    # parameter set travels back and forth); both PostgreSQL and SQLite >= 3.35 run it.
    order = (table.c.recorded_at, table.c.hlc, table.c.op_id)
    oldest = (select(*order).where(table.c.seq.is_(None)).order_by(*order).limit(limit)
              .subquery())
    numbered = select(oldest.c.op_id, func.row_number().over(
        order_by=(oldest.c.recorded_at, oldest.c.hlc, oldest.c.op_id)).label("n")).subquery()
    pending = session.execute(
        update(table).where(table.c.op_id == numbered.c.op_id)
        .values(seq=bindparam("b_base", base, type_=table.c.seq.type) + numbered.c.n)
        .returning(table.c.op_id, table.c.store_id, table.c.entity)
    ).all()
    if not pending:
        return 0
    by_part: dict[str, list[uuid.UUID]] = defaultdict(list)
    for row in pending:
        part = _part_of(row.store_id, row.entity)
        if part is not None:
            by_part[part].append(row.op_id)
    last = base + len(pending)
    for part, op_ids in by_part.items():
        _, value = _part_checksum(session, part, upto=base)
        write_meta(session, part, f"{last}:{value.add(op_ids).text()}")
    return len(pending)


# -- checksums (docs/sync-protocol.md "Checksums and repair") -----------------------------

#: ":v2" since the inflation index joined the shared scope: a running value kept under the
#: old name left the index's earlier operations out, so it is counted afresh from the log.
GLOBAL_PART = "checksum:global:v2"


def _part_of(store_id: uuid.UUID | None, entity: str) -> str | None:
    """The checksum part an operation counts in: its store's, the shared catalog's, none."""
    if store_id is not None:
        return f"checksum:{store_id}"
    return None if entity in HQ_PRIVATE else GLOBAL_PART


def _part_filter(part: str):  # type: ignore[no-untyped-def]
    ops = t.OperationRow
    if part == GLOBAL_PART:
        return and_(ops.store_id.is_(None), ops.entity.not_in(sorted(HQ_PRIVATE)))
    return ops.store_id == uuid.UUID(part.removeprefix("checksum:"))


def _scan(session: Session, part: str, after: int, upto: int) -> Checksum:
    ops = t.OperationRow
    ids = session.scalars(
        select(ops.op_id).where(ops.seq > after, ops.seq <= upto, _part_filter(part))
        .execution_options(yield_per=10_000)
    )
    return Checksum().add(ids)


def _part_checksum(session: Session, part: str, upto: int) -> tuple[int, Checksum]:
    """A part's checksum over ``seq <= upto``, from its running value (kept by the sequencer).

    The running value covers ``seq <= L``; the operations in ``(upto, L]`` are taken
    back out (few: those sequenced since the caller's pull). A part with no running value
    yet (a database sequenced before checksums existed) is counted once from the log.
    """
    stored = read_meta(session, part)
    if stored is None:
        return upto, _scan(session, part, 0, upto)
    seq_text, _, value = stored.partition(":")
    seq, running = int(seq_text), Checksum.parse(value)
    if upto >= seq:
        return upto, running.plus(_scan(session, part, seq, upto))
    return upto, running.minus(_scan(session, part, upto, seq))


def scope_checksum(session: Session, store_id: uuid.UUID, at: int) -> Checksum:
    """The checksum of a store's scope at a pull cursor: what its replicas must hold."""
    _, shared = _part_checksum(session, GLOBAL_PART, at)
    _, own = _part_checksum(session, f"checksum:{store_id}", at)
    return shared.plus(own)


def _store_scope(store_id: uuid.UUID):  # type: ignore[no-untyped-def]
    ops = t.OperationRow
    return or_(
        ops.store_id == store_id,
        and_(ops.store_id.is_(None), ops.entity.not_in(sorted(HQ_PRIVATE))),
    )


@dataclass
class PullPage:
    ops: list[dict[str, Any]]
    cursor: int
    more: bool


def pull(session: Session, store_id: uuid.UUID, after: int, limit: int) -> PullPage:
    """Operations in a store's scope with a sequence number above ``after``, in order."""
    ops = t.OperationRow
    rows = session.execute(
        select(ops).where(ops.seq > after, _store_scope(store_id))
        .order_by(ops.seq).limit(limit + 1)
    ).scalars().all()
    page = rows[:limit]
    wire = [
        {"op_id": str(r.op_id), "hlc": r.hlc, "device_id": str(r.device_id),
         "user_id": str(r.user_id) if r.user_id else None, "kind": r.kind, "entity": r.entity,
         "entity_id": str(r.entity_id), "store_id": str(r.store_id) if r.store_id else None,
         "payload": r.payload}
        for r in page
    ]
    cursor = page[-1].seq if page else after
    return PullPage(wire, int(cursor or after), more=len(rows) > limit)


def document_claims(session: Session, store_id: uuid.UUID) -> list[DocumentClaim]:
    """Other stores' confirmations of documents ``store_id`` confirmed, as key and order.

    With them a store's replicas apply the duplicate rule exactly as central does (the
    first confirmation chain-wide counts) without seeing another store's movements.
    """
    c = t.InvoiceConfirmation
    own_keys = select(c.invoice_key).where(c.store_id == store_id).scalar_subquery()
    rows = session.execute(
        select(c.id, c.op_id, c.hlc, c.device_id, c.store_id, c.invoice_key)
        .where(c.store_id != store_id, c.invoice_key.in_(own_keys))
        .order_by(c.invoice_key, c.hlc, c.device_id, c.op_id)
    ).all()
    return [DocumentClaim(id=str(r.id), op_id=str(r.op_id), hlc=r.hlc, device_id=str(r.device_id),
                          store_id=str(r.store_id), invoice_key=r.invoice_key) for r in rows]


def pull_response(session: Session, store_id: uuid.UUID, after: int, limit: int,
                  clock: HybridLogicalClock) -> PullResponse:
    """One pull page as the protocol answers it (both transports): the last page also
    carries the scope's checksum at the cursor and the other stores' document claims."""
    page = pull(session, store_id, after, limit)
    response = PullResponse(ops=page.ops, cursor=page.cursor, more=page.more,
                            server_hlc=clock.now(), horizon=tombstone_horizon(session),
                            server_id=read_meta(session, DEVICE_ID_KEY))
    if after == 0:
        response.compacted = compacted_checksum(session, store_id).text()
    if not page.more:
        response.checksum = scope_checksum(session, store_id, page.cursor).text()
        response.documents = document_claims(session, store_id)
    return response


# -- tombstones (docs/sync-protocol.md "Tombstones and long absences") -------------------

HORIZON_KEY = "sync_horizon"
TOMBSTONE_DAYS = 90
#: Records that are archived, never purged: the ledger refers to them.
NEVER_PURGED = frozenset({"product", "supplier", "store", "user"})


def tombstone_horizon(session: Session) -> int:
    """The highest sequence number a compaction removed: a cursor below it must re-sync."""
    return int(read_meta(session, HORIZON_KEY) or 0)


@dataclass
class Compaction:
    records: int = 0
    operations: int = 0
    horizon: int = 0


def compact_tombstones(session: Session, *, older_than_days: int = TOMBSTONE_DAYS,
                       now_ms: int | None = None) -> Compaction:
    """Purge records deleted more than ``older_than_days`` ago, with their operations.

    Refuses a window under 90 days. The scopes' running checksums are brought up to date
    first (they count every operation ever served, so purging does not change them), and
    the horizon moves to the highest sequence number purged.
    """
    from shared.ops.registry import ENTITIES

    if older_than_days < TOMBSTONE_DAYS:
        raise ValidationError(f"tombstones are kept at least {TOMBSTONE_DAYS} days")
    now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    cutoff = (now_ms - older_than_days * 86_400_000) << 16
    ops = t.OperationRow
    while sequence_pending(session):
        pass
    top = int(session.scalar(select(func.coalesce(func.max(ops.seq), 0))) or 0)
    parts = {_part_of(store, entity) for store, entity in
             session.execute(select(ops.store_id, ops.entity).distinct())}
    for part in sorted(p for p in parts if p is not None):
        _, value = _part_checksum(session, part, top)
        write_meta(session, part, f"{top}:{value.text()}")
    report = Compaction(horizon=tombstone_horizon(session))
    purged: dict[str, Checksum] = {}
    for name, spec in ENTITIES.items():
        if spec.kind is not OpKind.UPSERT or name in NEVER_PURGED:
            continue
        table = spec.table
        expired = session.execute(
            select(ops.entity_id, func.max(ops.hlc).label("hlc"), func.max(ops.seq).label("seq"),
                   func.count(ops.seq).label("sequenced"), func.count().label("total"))
            .where(ops.entity == name,
                   ops.entity_id.in_(select(table.c.id).where(table.c.deleted.is_(True))))
            .group_by(ops.entity_id)
        ).all()
        ids = [row.entity_id for row in expired
               if row.hlc < cutoff and row.sequenced == row.total]
        log_table = cast(Table, ops.__table__)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for store, entity, op_id in session.execute(
                select(ops.store_id, ops.entity, ops.op_id)
                .where(ops.entity == name, ops.entity_id.in_(chunk))
            ):
                part_name = _part_of(store, entity)
                if part_name is not None:
                    purged[part_name] = purged.get(part_name, Checksum()).add([op_id])
            deleted = session.execute(
                log_table.delete().where(log_table.c.entity == name,
                                         log_table.c.entity_id.in_(chunk)))
            report.operations += cast(CursorResult[Any], deleted).rowcount
            session.execute(table.delete().where(table.c.id.in_(chunk)))
        report.records += len(ids)
        if ids:
            report.horizon = max(report.horizon, *(int(r.seq) for r in expired
                                                   if r.entity_id in set(ids)))
    for part_name, value in purged.items():
        key = _compacted_key(part_name)
        write_meta(session, key, Checksum.parse(read_meta(session, key)).plus(value).text())
    write_meta(session, HORIZON_KEY, str(report.horizon))
    return report


def _compacted_key(part: str) -> str:
    return "compacted:" + part.removeprefix("checksum:")


def compacted_checksum(session: Session, store_id: uuid.UUID) -> Checksum:
    """What compaction purged from a store's scope: a pull from zero starts its count here."""
    return Checksum.parse(read_meta(session, _compacted_key(GLOBAL_PART))).plus(
        Checksum.parse(read_meta(session, _compacted_key(f"checksum:{store_id}"))))
