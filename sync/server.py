"""The server half of the protocol, over a Session: push, sequencing and pull.

Storage-facing and transport-free: central's sync agent and the edge node call these
inside their own transactions; the HTTP layer only moves messages.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.errors import ClockDriftError, ValidationError
from shared.ops.apply import Prepared, apply_operations, known_op_ids, prepare
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation
from sync.protocol import PushResponse, RefusedOp
from sync.rules import HQ_PRIVATE, Refusal, RefusalCode, authorize_store_write

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
    ready: dict[uuid.UUID, Prepared] = {}
    for op in parsed:
        if op.op_id in known or op.op_id in ready:
            outcome.duplicates.append(op.op_id)
            continue
        refusal = authorize_store_write(op, pusher.store_id, pusher.device_id)
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
    return outcome


def sequence_pending(session: Session, limit: int = SEQUENCE_CHUNK) -> int:
    """Give committed, unsequenced operations the next sequence numbers; returns how many.

    Run in its own short transaction. Only committed rows are visible to it, and it runs
    under a lock, so numbers are handed out in commit-visibility order: an operation
    whose transaction commits late gets a number above every number already served, and
    a pull cursor can never skip it.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCER_LOCK})
    pending = session.scalars(
        select(t.OperationRow.op_id).where(t.OperationRow.seq.is_(None))
        .order_by(t.OperationRow.recorded_at, t.OperationRow.hlc, t.OperationRow.op_id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    base = session.scalar(select(func.coalesce(func.max(t.OperationRow.seq), 0))) or 0
    table = cast(Table, t.OperationRow.__table__)
    session.connection().execute(
        update(table).where(table.c.op_id == bindparam("b_op")).values(seq=bindparam("b_seq")),
        [{"b_op": op_id, "b_seq": base + n} for n, op_id in enumerate(pending, 1)],
    )
    return len(pending)


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
