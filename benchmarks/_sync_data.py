"""What the sync benchmark moves: one store's catalog at central, and its stock movements.

The catalog is store ``S01`` (id ``md5('store-0')``) and N products written at central
through the :class:`~shared.ops.recorder.Recorder` with ``_central_data``'s payloads
(sku, name, an EAN-13 or a scale look-up code, a chain-wide price): real operations,
so a PC's pull scope holds them.

Movements carry the payload ``desktop.app.stock_actions.move`` records (store, product,
kind, signed quantity, unit cost, reason, reference, when). On a store PC a Recorder
makes them in transactions of ``CHUNK`` operations, into its outbox exactly as a
till's sales go; at central they stand for what a store PC pushed earlier (a PC's
device id and clock, not central's) and are written in bulk. The mix: 85 % sales of
1-3 units (100-1,500 g of a weighed product), 10 % intakes with a unit cost, 2 %
customer returns and 3 % adjustments, each of the last two with a reason.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from _central_data import is_weighed, md5_uuid, write_products
from sqlalchemy import Engine, Table, func, or_, select
from sqlalchemy.orm import Session

from central import identity
from shared.db import tables as t
from shared.db.bulk import bulk_insert
from shared.db.stock_levels import rebuild_levels
from shared.domain.enums import MovementKind
from shared.domain.ids import new_id
from shared.ops.apply import prepare
from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation, OpKind
from shared.ops.recorder import Recorder, Replica, json_value, load_replica
from shared.settings import business_day
from sync.rules import HQ_PRIVATE
from sync.server import sequence_pending

STORE_CODE = "S01"
STORE_ID = md5_uuid("store-0")
CHUNK = 10_000
ADJUSTMENT_REASONS = ("rotura", "vencido", "error de carga", "faltante")
_OPERATIONS = cast(Table, t.OperationRow.__table__)
_MOVEMENTS = cast(Table, t.StockMovement.__table__)

Transaction = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Catalog:
    store_id: uuid.UUID
    products: int

    def product(self, p: int) -> uuid.UUID:
        return md5_uuid(f"product-{p}")


def write_catalog(engine: Engine, products: int, *, seed: int) -> Catalog:
    """Store ``S01`` and ``products`` products at central, in one transaction."""
    rng = random.Random(seed)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        recorder.upsert("store", STORE_ID, {"code": STORE_CODE, "name": "Sucursal 1"},
                        store_id=STORE_ID)
        with recorder.batch():
            write_products(recorder, products, rng, business_day(datetime.now(UTC)))
    return Catalog(STORE_ID, products)


def enrollment_token(engine: Engine) -> str:
    with Session(engine) as session, session.begin():
        return identity.create_enrollment_token(session, STORE_CODE, ttl_hours=2)


def movement_payload(rng: random.Random, catalog: Catalog, now: datetime) -> dict[str, Any]:
    """One movement as ``stock_actions.move`` records it (quantities in thousandths)."""
    p = rng.randrange(catalog.products)
    weighed = is_weighed(p)
    roll = rng.random()
    cost: int | None = None
    reason: str | None = None
    if roll < 0.85:
        kind = MovementKind.SALE
        milli = -(rng.randrange(100, 1_500) if weighed else 1000 * rng.randint(1, 3))
    elif roll < 0.95:
        kind = MovementKind.INTAKE
        milli = rng.randrange(1_000, 10_000) if weighed else 1000 * rng.randint(6, 48)
        cost = rng.randrange(100_00, 8_000_00)
    elif roll < 0.97:
        kind, milli, reason = MovementKind.CUSTOMER_RETURN, 1000, "cambio de producto"
    else:
        kind = MovementKind.ADJUSTMENT
        milli = rng.choice((-1, 1)) * (rng.randrange(50, 500) if weighed
                                       else 1000 * rng.randint(1, 5))
        reason = rng.choice(ADJUSTMENT_REASONS)
    return {"store_id": catalog.store_id, "product_id": catalog.product(p), "kind": kind,
            "qty_milli": milli, "unit_cost_cents": cost, "reason": reason, "reference": None,
            "occurred_at": now}


def record_movements(
    transaction: Transaction, replica: Replica, catalog: Catalog, count: int, *, seed: int,
    progress: Callable[[int], None] | None = None,
) -> None:
    """``count`` movements through a Recorder of ``replica``, ``CHUNK`` per transaction."""
    rng = random.Random(seed)
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        now = datetime.now(UTC)
        with transaction() as session:
            recorder = Recorder(session, replica)
            with recorder.batch():
                for _ in range(size):
                    recorder.append("stock_movement", movement_payload(rng, catalog, now),
                                    store_id=catalog.store_id)
        done += size
        if progress is not None:
            progress(done)


def write_pushed_movements(engine: Engine, catalog: Catalog, count: int, *, seed: int,
                           progress: Callable[[int], None] | None = None) -> None:
    """``count`` movements at central as if a store PC had pushed them earlier.

    Each operation is made by a PC's Recorder clock and checked and converted by
    ``prepare`` as the sync server does; its log row and movement row are written with
    ``bulk_insert`` (COPY) and the stock cache is rebuilt once at the end, instead of
    refreshed per batch: the same rows, much faster.
    """
    rng = random.Random(seed)
    pc = Replica(new_id(), HybridLogicalClock())
    done = 0
    while done < count:
        size = min(5 * CHUNK, count - done)
        now = datetime.now(UTC)
        prepared = [prepare(Operation(
            op_id=new_id(), hlc=pc.clock.now(), device_id=pc.device_id, user_id=None,
            kind=OpKind.APPEND, entity="stock_movement", entity_id=new_id(),
            store_id=catalog.store_id, payload=json_value(movement_payload(rng, catalog, now)),
        )) for _ in range(size)]
        with Session(engine) as session, session.begin():
            bulk_insert(session, _OPERATIONS, [_log_row(item.op) for item in prepared])
            bulk_insert(session, _MOVEMENTS, [row for item in prepared for row in item.movements])
        done += size
        if progress is not None:
            progress(done)
    with Session(engine) as session, session.begin():
        rebuild_levels(session)


def _log_row(op: Operation) -> dict[str, Any]:
    """An operation's row in the log, as ``apply_operations`` writes it."""
    return {"op_id": op.op_id, "hlc": op.hlc, "device_id": op.device_id, "user_id": op.user_id,
            "kind": op.kind.value, "entity": op.entity, "entity_id": op.entity_id,
            "store_id": op.store_id, "payload": dict(op.payload)}


def sequence_all(engine: Engine) -> int:
    """Hand out sequence numbers to every operation without one, as pulls do first."""
    total = 0
    while True:
        with Session(engine) as session, session.begin():
            done = sequence_pending(session)
        if not done:
            return total
        total += done


def scope_count(session: Session, store_id: uuid.UUID) -> int:
    """Operations in a store's pull scope (docs/sync-protocol.md "Scope")."""
    ops = t.OperationRow
    return int(session.scalar(
        select(func.count()).select_from(ops).where(or_(
            ops.store_id == store_id,
            ops.store_id.is_(None) & ops.entity.not_in(sorted(HQ_PRIVATE)),
        ))
    ) or 0)
