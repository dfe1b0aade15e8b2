"""Apply operations to a database, idempotently and in batches.

The same code runs for a replica's own writes and for operations received by sync:
the operation is logged, then merged into its table with :func:`merge_fields`. Work is
batched (one query per table and chunk, not per row) so an import or a first sync of
tens of thousands of operations stays fast.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.bulk import bulk_insert
from shared.db.stock_levels import Delta, StockPair, refresh_levels
from shared.ops.merge import merge_fields
from shared.ops.model import Operation, OpKind
from shared.ops.registry import MOVEMENT_SPEC, BadPayload, EntitySpec, spec_for

CHUNK = 500
_T = TypeVar("_T")
# Core tables: bulk inserts through them skip the ORM's per-row bookkeeping.
_OPERATIONS = cast(Table, t.OperationRow.__table__)
_MOVEMENTS = cast(Table, t.StockMovement.__table__)


def chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class ApplyResult:
    applied: list[uuid.UUID] = field(default_factory=list)
    duplicates: list[uuid.UUID] = field(default_factory=list)
    stock_pairs: set[StockPair] = field(default_factory=set)
    invoice_keys: set[str] = field(default_factory=set)
    #: plain movements per pair; a pair also counted or holding a document is not here
    deltas: dict[StockPair, Delta] = field(default_factory=dict)
    blocked: set[StockPair] = field(default_factory=set)
    #: leave the stock cache alone (a first sync rebuilds it once at the end)
    levels_skipped: bool = False


def known_op_ids(session: Session, op_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for part in chunks(op_ids):
        found.update(
            session.scalars(select(t.OperationRow.op_id).where(t.OperationRow.op_id.in_(part)))
        )
    return found


@dataclass(frozen=True, slots=True)
class Prepared:
    """An operation checked and converted to column values, ready to write."""

    op: Operation
    spec: EntitySpec
    values: dict[str, Any]  # upsert: the fields to merge; append: the ledger row
    movements: list[dict[str, Any]]  # stock movement rows the operation appends
    creates: bool = False  # an upsert of an id this replica has just made: nothing to look up


def prepare(op: Operation, *, creates: bool = False) -> Prepared:
    """Check and convert an operation; raises a ValidationError naming the bad field."""
    spec = spec_for(op.entity, op.kind)
    if spec.kind is OpKind.UPSERT:
        return Prepared(op, spec, spec.convert(dict(op.payload)), [], creates)
    row, movements = _ledger_rows(spec, op)
    return Prepared(op, spec, row, movements)


def validate(op: Operation) -> EntitySpec:
    return prepare(op).spec


def apply_operations(
    session: Session, ops: Iterable[Operation | Prepared], *, assume_new: bool = False,
    refresh: bool = True,
) -> ApplyResult:
    """Log and merge ``ops``. Operations already applied here are skipped (idempotent).

    ``assume_new`` skips the lookup for operations this replica has just made itself.
    Every operation is checked before anything is written: a malformed one raises a
    ValidationError and the batch writes nothing.
    """
    result = ApplyResult()
    unique: dict[uuid.UUID, Operation | Prepared] = {}
    for item in ops:
        op_id = item.op.op_id if isinstance(item, Prepared) else item.op_id
        if op_id in unique:
            result.duplicates.append(op_id)
        else:
            unique[op_id] = item
    if not assume_new and unique:
        for op_id in known_op_ids(session, list(unique)):
            result.duplicates.append(op_id)
            del unique[op_id]
    fresh = [item if isinstance(item, Prepared) else prepare(item) for item in unique.values()]
    if not fresh:
        return result
    fresh.sort(key=lambda prepared: prepared.op.order_key)

    bulk_insert(session, _OPERATIONS, [_log_row(prepared.op) for prepared in fresh])
    by_entity: dict[str, list[Prepared]] = defaultdict(list)
    for prepared in fresh:
        by_entity[prepared.spec.name].append(prepared)
    for entity_ops in by_entity.values():
        if entity_ops[0].spec.kind is OpKind.UPSERT:
            _merge_records(session, entity_ops[0].spec, entity_ops)
        else:
            _append_rows(session, entity_ops[0].spec, entity_ops, result)
    if result.stock_pairs and refresh:
        refresh_levels(session, result.stock_pairs, result.invoice_keys, result.deltas)
    result.levels_skipped = bool(result.stock_pairs) and not refresh
    result.applied = [prepared.op.op_id for prepared in fresh]
    return result


def _log_row(op: Operation) -> dict[str, Any]:
    return {
        "op_id": op.op_id, "hlc": op.hlc, "device_id": op.device_id, "user_id": op.user_id,
        "kind": op.kind.value, "entity": op.entity, "entity_id": op.entity_id,
        "store_id": op.store_id, "payload": dict(op.payload),
    }


def _merge_records(session: Session, spec: EntitySpec, ops: list[Prepared]) -> None:
    table = spec.table
    ids = list({prepared.op.entity_id for prepared in ops if not prepared.creates})
    stored: dict[uuid.UUID, dict[str, str]] = {}
    for part in chunks(ids):
        rows = session.execute(
            select(table.c.id, table.c.field_versions).where(table.c.id.in_(part))
        )
        stored.update({row.id: dict(row.field_versions or {}) for row in rows})

    changed: dict[uuid.UUID, dict[str, Any]] = {}
    versions: dict[uuid.UUID, dict[str, str]] = {}
    for prepared in ops:  # already in operation order
        entity_id = prepared.op.entity_id
        current = versions.get(entity_id, stored.get(entity_id, {}))
        winners, versions[entity_id] = merge_fields(current, prepared.values, prepared.op.version)
        changed.setdefault(entity_id, {}).update(winners)

    blank = {**dict.fromkeys(spec.fields), "deleted": False}
    new_rows = [
        {**blank, **values, "id": row_id, "field_versions": versions[row_id]}
        for row_id, values in changed.items() if row_id not in stored
    ]
    bulk_insert(session, table, new_rows)
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
    full = {**row, "id": uuid.UUID(str(movement["id"])), **_ledger_columns(op)}
    return MOVEMENT_SPEC.complete(full)


@functools.cache
def _required_columns(table: Table) -> tuple[str, ...]:
    """The columns a ledger row must fill itself: not nullable and without a default.

    Worked out once per table; every operation a sync applies is checked against it.
    """
    return tuple(c.name for c in table.columns if not c.nullable and c.default is None)


def _ledger_rows(
    spec: EntitySpec, op: Operation
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The row an append operation adds, and the movements a confirmation carries."""
    payload = dict(op.payload)
    movements: list[dict[str, Any]] = []
    if spec.name == "invoice_confirmation":
        raw = payload.pop("movements", [])
        if not isinstance(raw, list):
            raise BadPayload("invoice_confirmation.movements: expected a list")
        movements = [_movement_row(op, movement) for movement in raw]
    row = {**spec.convert(payload), "id": op.entity_id, **_ledger_columns(op)}
    missing = [name for name in _required_columns(spec.table) if row.get(name) is None]
    if missing:
        raise BadPayload(f"{spec.name}: missing {', '.join(missing)}")
    spec.complete(row)
    if spec.name == "stock_movement":
        if row.get("invoice_key") is not None:
            raise BadPayload("stock_movement.invoice_key: set only by an invoice confirmation")
        movements = [row]
    return row, movements


def _append_rows(
    session: Session, spec: EntitySpec, ops: list[Prepared], result: ApplyResult
) -> None:
    rows = [prepared.values for prepared in ops if spec.name != "stock_movement"]
    movements = [movement for prepared in ops for movement in prepared.movements]
    bulk_insert(session, spec.table, rows)
    bulk_insert(session, _MOVEMENTS, movements)
    counted = rows if spec.name == "count_entry" else []
    touched = movements + counted
    result.stock_pairs |= {(row["store_id"], row["product_id"]) for row in touched}
    blocked = {(row["store_id"], row["product_id"]) for row in counted} | {
        (row["store_id"], row["product_id"]) for row in movements if row.get("invoice_key")}
    for row in movements:
        pair = (row["store_id"], row["product_id"])
        if pair in blocked or pair in result.blocked:
            result.deltas.pop(pair, None)
        else:
            result.deltas.setdefault(pair, Delta()).add(row["qty_milli"], row["hlc"])
    result.blocked |= blocked
    for pair in blocked:
        result.deltas.pop(pair, None)
    result.invoice_keys |= {row["invoice_key"] for row in movements if row.get("invoice_key")}
