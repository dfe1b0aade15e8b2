"""Record a replica's own writes as operations, applied in the caller's transaction.

Every write path (central's endpoints and CLI, the store client) goes through a
:class:`Recorder`: it stamps the operation with this replica's clock, device and
user, logs it and merges it in the same transaction as the rest of the use case.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.ids import new_id
from shared.ops.apply import ApplyResult, Prepared, apply_operations, prepare
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation, OpKind

DEVICE_ID_KEY = "device_id"
ROLE_KEY = "sync_role"  # "client" on a store PC or an edge; absent on central


@dataclass
class Replica:
    """Who this database is: its device id, its clock, and whether it keeps an outbox."""

    device_id: uuid.UUID
    clock: HybridLogicalClock
    #: a sync client (store PC, edge toward central) queues its own operations to push
    keeps_outbox: bool = False


def load_replica(session: Session, *, device_id: uuid.UUID | None = None) -> Replica:
    """This database's identity, created on first use; the clock resumes past its log."""
    stored = session.get(t.ReplicaMeta, DEVICE_ID_KEY)
    if stored is None:
        stored = t.ReplicaMeta(key=DEVICE_ID_KEY, value=str(device_id or new_id()))
        session.add(stored)
        session.flush()
    elif device_id is not None and stored.value != str(device_id):
        stored.value = str(device_id)
    last = session.scalar(select(func.max(t.OperationRow.hlc))) or 0
    role = session.get(t.ReplicaMeta, ROLE_KEY)
    return Replica(uuid.UUID(stored.value), HybridLogicalClock(last=int(last)),
                   keeps_outbox=role is not None and role.value == "client")


_PLAIN = (str, int, bool, type(None))


def json_value(value: Any) -> Any:
    """A payload value in its wire form. Money and quantities must already be integers."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Mapping):
        return {str(key): item if type(item) in _PLAIN else json_value(item)
                for key, item in value.items()}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an operation payload")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return json_value(value.value)
    if isinstance(value, Decimal | float):
        raise TypeError("store money in cents and quantities in thousandths (integers)")
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, bool | int | str):  # subclasses (IntEnum was handled above)
        return value
    raise TypeError(f"cannot put {type(value).__name__} in an operation payload")


class Recorder:
    """Makes operations for one actor (device + user) and applies them."""

    def __init__(self, session: Session, replica: Replica, user_id: uuid.UUID | None = None):
        self.session = session
        self.replica = replica
        self.user_id = user_id
        self._pending: list[Prepared] | None = None
        self.last_result = ApplyResult()
        self.made: list[Operation] = []  # every operation of this unit of work, in order

    def _make(
        self, kind: OpKind, entity: str, entity_id: uuid.UUID, payload: Mapping[str, Any],
        store_id: uuid.UUID | None, creates: bool = False,
    ) -> Operation:
        op = Operation(
            op_id=new_id(), hlc=self.replica.clock.now(), device_id=self.replica.device_id,
            user_id=self.user_id, kind=kind, entity=entity, entity_id=entity_id,
            store_id=store_id, payload=json_value(payload),
        )
        prepared = prepare(op, creates=creates)  # a bad write fails at the call that made it
        self.made.append(op)
        if self._pending is not None:
            self._pending.append(prepared)
        else:
            self.last_result = apply_operations(self.session, [prepared], assume_new=True)
            self._queue([op])
        return op

    def upsert(
        self, entity: str, entity_id: uuid.UUID, changes: Mapping[str, Any],
        *, store_id: uuid.UUID | None = None, creates: bool = False,
    ) -> Operation:
        """Set fields of a mutable record (creating it if new).

        ``creates`` promises that ``entity_id`` was just made with ``new_id()`` here, so
        no stored row can exist: the write skips looking for one.
        """
        return self._make(OpKind.UPSERT, entity, entity_id, changes, store_id, creates)

    def delete(
        self, entity: str, entity_id: uuid.UUID, *, store_id: uuid.UUID | None = None
    ) -> Operation:
        return self._make(OpKind.UPSERT, entity, entity_id, {"deleted": True}, store_id)

    def append(
        self, entity: str, row: Mapping[str, Any], *, row_id: uuid.UUID | None = None,
        store_id: uuid.UUID | None = None,
    ) -> Operation:
        """Append a ledger row; its id is made here unless given."""
        return self._make(OpKind.APPEND, entity, row_id or new_id(), row, store_id)

    def _queue(self, ops: list[Operation]) -> None:
        """On a sync client, the same transaction puts its own operations in the outbox."""
        if self.replica.keeps_outbox and ops:
            from shared.db.bulk import bulk_insert

            bulk_insert(self.session, cast(Table, t.OutboxEntry.__table__),
                        [{"op_id": op.op_id, "status": "pending", "code": None, "reason": None,
                          "attempts": 0, "updated_at": datetime.now(UTC)} for op in ops])

    @contextmanager
    def batch(self) -> Iterator[list[Prepared]]:
        """Collect operations and apply them together on exit (bulk writes, imports)."""
        if self._pending is not None:
            yield self._pending
            return
        self._pending = []
        try:
            yield self._pending
            pending, self._pending = self._pending, None
            self.last_result = apply_operations(self.session, pending, assume_new=True)
            self._queue([prepared.op for prepared in pending])
        finally:
            self._pending = None
