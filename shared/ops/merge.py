"""The merge function: pure, the same on every replica.

Mutable records merge per field, last writer wins in operation order; a delete is the
``deleted`` field, merged the same way. Ledger rows are appended once per operation.
Applying any set of operations in any order gives the same state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.ops.model import Operation, OpKind


def merge_fields(
    versions: Mapping[str, str], changes: Mapping[str, Any], version: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields of ``changes`` that win over what is stored, and the new versions.

    A field wins when the incoming operation is later than the one that last set it;
    the same operation applied twice changes nothing.
    """
    winners = {name: value for name, value in changes.items() if version > versions.get(name, "")}
    if not winners:
        return {}, dict(versions)
    return winners, {**versions, **dict.fromkeys(winners, version)}


@dataclass
class RecordState:
    values: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)


@dataclass
class ReplicaState:
    """A whole replica's data as plain values: the reference model of the merge."""

    records: dict[tuple[str, uuid.UUID], RecordState] = field(default_factory=dict)
    ledger: dict[uuid.UUID, Operation] = field(default_factory=dict)

    def apply(self, op: Operation) -> None:
        if op.kind is OpKind.APPEND:
            self.ledger.setdefault(op.op_id, op)
            return
        record = self.records.setdefault((op.entity, op.entity_id), RecordState())
        winners, record.versions = merge_fields(record.versions, op.payload, op.version)
        record.values.update(winners)

    def snapshot(self) -> tuple[dict[tuple[str, uuid.UUID], dict[str, Any]], frozenset[uuid.UUID]]:
        return (
            {key: dict(record.values) for key, record in self.records.items()},
            frozenset(self.ledger),
        )


def replay(ops: Iterable[Operation]) -> ReplicaState:
    state = ReplicaState()
    for op in ops:
        state.apply(op)
    return state
