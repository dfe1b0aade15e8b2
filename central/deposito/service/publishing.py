"""Which stores a catalog record has reached, and sending it whole where it has not.

An operation's ``store_id`` is its scope (docs/sync-protocol.md "Scope"): null reaches
every store, a store's id that store alone. A provisional product or supplier made at a
store's counter, and its barcodes, are written in that store's scope, so no other store
receives them. Promoting one re-emits every field chain-wide (a product with its live
barcodes), so a store that never saw it gets it whole; other changes to such a record
keep to the scopes it has reached, since one field sent chain-wide would give every
other store a half-record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.ops.recorder import Recorder
from shared.ops.registry import ENTITIES

#: A set of scopes: store ids, or ``{None}`` for every store.
Scopes = frozenset[uuid.UUID | None]
CHAIN_WIDE: Scopes = frozenset({None})


@dataclass(frozen=True)
class Emit:
    """One upsert to record: ``changes`` to ``entity_id`` in one ``scope``."""

    entity: str
    entity_id: uuid.UUID
    changes: dict[str, Any]
    scope: uuid.UUID | None


def record_fields(entity: str, row: Any) -> dict[str, Any]:
    """Every replicated field of a record as it stands: what a whole re-emit carries."""
    return {name: getattr(row, name) for name in ENTITIES[entity].fields}


def union(*scopes: Scopes) -> Scopes:
    """Scopes that reach wherever any of ``scopes`` reaches."""
    joined = frozenset().union(*scopes)
    return CHAIN_WIDE if None in joined else joined


def scopes_of(session: Session, entity: str, entity_id: uuid.UUID) -> Scopes:
    """Where the operations on a record went: chain-wide as soon as one did (or when
    none is logged here), else the stores that received them."""
    ops = t.OperationRow
    found = frozenset(session.scalars(
        select(ops.store_id).where(ops.entity == entity, ops.entity_id == entity_id).distinct()
    ))
    return CHAIN_WIDE if not found or None in found else found


def whole_everywhere(session: Session, entity: str, row: Any) -> bool:
    """Whether chain-wide operations have carried every field the record has set, so
    every store holds it whole."""
    ops = t.OperationRow
    carried: set[str] = set()
    for payload in session.scalars(select(ops.payload).where(
            ops.entity == entity, ops.entity_id == row.id, ops.store_id.is_(None))):
        carried.update(payload)
    needed = {name for name, value in record_fields(entity, row).items()
              if value is not None and not (name == "deleted" and value is False)}
    return needed <= carried


def whole(
    session: Session, entity: str, row: Any, where: Scopes,
    overrides: dict[str, Any] | None = None,
) -> list[Emit]:
    """Re-emit a record with every field in each scope of ``where``; a product with
    its live barcodes, and with its supplier wherever that has not reached."""
    fields = {**record_fields(entity, row), **(overrides or {})}
    emits = [Emit(entity, row.id, fields, scope) for scope in _ordered(where)]
    if entity == "product":
        barcodes = session.scalars(
            select(t.Barcode).where(t.Barcode.product_id == row.id, t.Barcode.deleted.is_(False))
            .order_by(t.Barcode.id)
        ).all()
        emits += [Emit("barcode", barcode.id, record_fields("barcode", barcode), scope)
                  for barcode in barcodes for scope in _ordered(where)]
        supplier_id = fields["supplier_id"]
        supplier = session.get(t.Supplier, supplier_id) if supplier_id is not None else None
        if supplier is not None and not supplier.deleted:
            emits += reach(session, "supplier", supplier, where)
    return emits


def reach(session: Session, entity: str, row: Any, where: Scopes) -> list[Emit]:
    """What makes a record known, whole, in every scope of ``where`` (nothing when it
    already is), so a reference to it there never dangles."""
    if whole_everywhere(session, entity, row):
        return []
    if where != CHAIN_WIDE:
        have = scopes_of(session, entity, row.id)
        if have != CHAIN_WIDE:  # else only parts of it went chain-wide: send it whole
            where = where - have
    return whole(session, entity, row, where) if where else []


def spread(entity: str, entity_id: uuid.UUID, changes: dict[str, Any],
           where: Scopes) -> list[Emit]:
    """The same change in each scope of ``where``."""
    return [Emit(entity, entity_id, changes, scope) for scope in _ordered(where)]


def record(recorder: Recorder, emits: Iterable[Emit]) -> None:
    """Record ``emits`` in order, applied together."""
    with recorder.batch():
        for emit in emits:
            recorder.upsert(emit.entity, emit.entity_id, emit.changes, store_id=emit.scope)


def _ordered(where: Scopes) -> list[uuid.UUID | None]:
    return sorted(where, key=lambda scope: (scope is not None, str(scope)))
