"""Apply operations to a database, idempotently and in batches.

The same code runs for a replica's own writes and for operations received by sync:
the operation is logged, then merged into its table with :func:`merge_fields`. Work is
batched (one query per table and chunk, not per row) so an import or a first sync of
tens of thousands of operations stays fast.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.stock_levels import StockPair, refresh_levels
from shared.ops.merge import merge_fields
from shared.ops.model import Operation, OpKind
from shared.ops.registry import MOVEMENT_SPEC, BadPayload, EntitySpec, spec_for

CHUNK = 500
_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class ApplyResult:
    applied: list[uuid.UUID] = field(default_factory=list)
    duplicates: list[uuid.UUID] = field(default_factory=list)
    stock_pairs: set[StockPair] = field(default_factory=set)
    invoice_keys: set[str] = field(default_factory=set)


def known_op_ids(session: Session, op_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for part in chunks(op_ids):
        found.update(
            session.scalars(select(t.OperationRow.op_id).where(t.OperationRow.op_id.in_(part)))
        )
    return found


def validate(op: Operation) -> EntitySpec:
    """Check an operation before it is applied; raises a ValidationError with the reason."""
    spec = spec_for(op.entity, op.kind)
    if spec.kind is OpKind.UPSERT:
        spec.convert(dict(op.payload))
    else:
        _ledger_rows(spec, op)
    return spec


def apply_operations(
    session: Session, ops: Iterable[Operation], *, assume_new: bool = False
) -> ApplyResult:
    """Log and merge ``ops``. Operations already applied here are skipped (idempotent).

    ``assume_new`` skips the lookup for operations this replica has just made itself.
    Raises a ValidationError for a malformed operation before anything is written.
    """
    result = ApplyResult()
    unique: dict[uuid.UUID, Operation] = {}
    for op in ops:
        if op.op_id in unique:
            result.duplicates.append(op.op_id)
        else:
            unique[op.op_id] = op
    if not assume_new and unique:
        for op_id in known_op_ids(session, list(unique)):
            result.duplicates.append(op_id)
            del unique[op_id]
    fresh = sorted(unique.values(), key=lambda op: op.order_key)
    specs = {op.op_id: validate(op) for op in fresh}
    if not fresh:
        return result

    session.execute(insert(t.OperationRow), [_log_row(op) for op in fresh])
    by_entity: dict[str, list[Operation]] = defaultdict(list)
    for op in fresh:
        by_entity[op.entity].append(op)
    for entity_ops in by_entity.values():
        spec = specs[entity_ops[0].op_id]
        if spec.kind is OpKind.UPSERT:
            _merge_records(session, spec, entity_ops)
        else:
            _append_rows(session, spec, entity_ops, result)
    if result.stock_pairs:
        refresh_levels(session, result.stock_pairs, result.invoice_keys)
    result.applied = [op.op_id for op in fresh]
    return result


def _log_row(op: Operation) -> dict[str, Any]:
    return {
        "op_id": op.op_id, "hlc": op.hlc, "device_id": op.device_id, "user_id": op.user_id,
        "kind": op.kind.value, "entity": op.entity, "entity_id": op.entity_id,
        "store_id": op.store_id, "payload": dict(op.payload),
    }


def _merge_records(session: Session, spec: EntitySpec, ops: list[Operation]) -> None:
    table = spec.table
    ids = list({op.entity_id for op in ops})
    stored: dict[uuid.UUID, dict[str, str]] = {}
    for part in chunks(ids):
        rows = session.execute(
            select(table.c.id, table.c.field_versions).where(table.c.id.in_(part))
        )
        stored.update({row.id: dict(row.field_versions or {}) for row in rows})

    changed: dict[uuid.UUID, dict[str, Any]] = {}
    versions: dict[uuid.UUID, dict[str, str]] = {}
    for op in ops:  # already in operation order
        current = versions.get(op.entity_id, stored.get(op.entity_id, {}))
        winners, versions[op.entity_id] = merge_fields(current, op.payload, op.version)
        changed.setdefault(op.entity_id, {}).update(spec.convert(winners))

    new_rows = [
        {**dict.fromkeys(spec.fields), "deleted": False, **values, "id": row_id,
         "field_versions": versions[row_id]}
        for row_id, values in changed.items() if row_id not in stored
    ]
    if new_rows:
        session.execute(insert(table), new_rows)
    grouped: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row_id, values in changed.items():
        if row_id in stored and values:
            grouped[tuple(sorted(values))].append(
                {**{f"v_{k}": v for k, v in values.items()}, "v_id": row_id,
                 "v_field_versions": versions[row_id]}
            )
    for columns, params in grouped.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("v_id"))
            .values({c: bindparam(f"v_{c}") for c in (*columns, "field_versions")})
        )
        session.connection().execute(statement, params)


def _ledger_columns(op: Operation) -> dict[str, Any]:
    return {"op_id": op.op_id, "hlc": op.hlc, "device_id": op.device_id, "user_id": op.user_id}


def _movement_row(op: Operation, movement: Any) -> dict[str, Any]:
    if not isinstance(movement, dict) or "id" not in movement:
        raise BadPayload("invoice_confirmation.movements: each movement needs an id")
    payload = {k: v for k, v in movement.items() if k != "id"}
    payload.setdefault("invoice_key", op.payload.get("invoice_key"))
    payload.setdefault("document_id", op.payload.get("invoice_id"))
    payload.setdefault("store_id", op.payload.get("store_id"))
    row = MOVEMENT_SPEC.convert(payload)
    for required in ("store_id", "product_id", "kind", "qty_milli"):
        if row.get(required) is None:
            raise BadPayload(f"stock_movement.{required}: required")
    return {**row, "id": uuid.UUID(str(movement["id"])), **_ledger_columns(op)}


def _ledger_rows(spec: EntitySpec, op: Operation) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The row an append operation adds, and the movements a confirmation carries."""
    payload = dict(op.payload)
    movements: list[dict[str, Any]] = []
    if spec.name == "invoice_confirmation":
        raw = payload.pop("movements", [])
        if not isinstance(raw, list):
            raise BadPayload("invoice_confirmation.movements: expected a list")
        movements = [_movement_row(op, movement) for movement in raw]
    row = {**spec.convert(payload), "id": op.entity_id, **_ledger_columns(op)}
    missing = [
        c.name for c in spec.table.columns
        if not c.nullable and c.default is None and row.get(c.name) is None
    ]
    if missing:
        raise BadPayload(f"{spec.name}: missing {', '.join(missing)}")
    if spec.name == "stock_movement":
        movements = [row]
    return row, movements


def _append_rows(
    session: Session, spec: EntitySpec, ops: list[Operation], result: ApplyResult
) -> None:
    rows: list[dict[str, Any]] = []
    movements: list[dict[str, Any]] = []
    for op in ops:
        row, op_movements = _ledger_rows(spec, op)
        if spec.name != "stock_movement":
            rows.append(row)
        movements.extend(op_movements)
    if rows:
        session.execute(insert(spec.table), rows)
    if movements:
        session.execute(insert(t.StockMovement), movements)
    touched = movements + (rows if spec.name == "count_entry" else [])
    result.stock_pairs |= {(row["store_id"], row["product_id"]) for row in touched}
    result.invoice_keys |= {row["invoice_key"] for row in movements if row.get("invoice_key")}
