"""Physical counts: open a session, add items, commit.

Each item is its own operation, appended when it is entered: its order key is when it
was counted, so the level is "that count plus the movements after it" whatever the
order in which PCs sync. A count is an observation and takes effect as it is entered;
committing closes the session to further items (there is no undoing an observation:
a wrong count is corrected by counting again).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.deposito import views
from central.deposito.errors import NotFoundError, WrongState
from central.deposito.schemas import CountItem, CountOpen
from central.deposito.service.lookups import (
    check_scope,
    quantity_milli,
    resolve_product,
    store_codes,
    store_in_body,
)
from central.deposito.service.movements import level_of
from central.deposito.service.paging import Page, page_of
from shared.db import tables as t
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder
from shared.services.catalog import fold_text, folded

CountStatus = Literal["open", "committed"]


def _session_view(row: t.CountSession, codes: dict[uuid.UUID, str | None]) -> dict[str, Any]:
    return {
        "id": row.id, "store": codes.get(row.store_id) if row.store_id else None,
        "status": row.status, "started_at": row.started_at, "committed_at": row.committed_at,
        "notes": row.notes,
    }


def _count_session(
    session: Session, count_id: uuid.UUID, scope: uuid.UUID | None
) -> t.CountSession:
    # populate_existing: the Recorder writes with Core statements, so a session read
    # earlier in this transaction would otherwise answer from the stale identity map.
    found = session.get(t.CountSession, count_id, populate_existing=True)
    if found is None or found.deleted or found.store_id is None:
        raise NotFoundError(f"no count session {count_id}")
    check_scope(scope, found.store_id)
    return found


def open_count(
    session: Session, recorder: Recorder, body: CountOpen, *, scope: uuid.UUID | None
) -> dict[str, Any]:
    store = store_in_body(session, body.store)
    check_scope(scope, store.id)
    count_id = new_id()
    recorder.upsert("count_session", count_id, {
        "store_id": store.id, "status": "open", "started_at": datetime.now(UTC),
        "notes": body.notes,
    }, store_id=store.id)
    return count_detail(session, count_id, scope=scope)


def add_item(
    session: Session, recorder: Recorder, count_id: uuid.UUID, body: CountItem,
    *, scope: uuid.UUID | None,
) -> dict[str, Any]:
    count = _count_session(session, count_id, scope)
    if count.status != "open":
        raise WrongState(f"count session {count.id} is {count.status}")
    assert count.store_id is not None  # _count_session refuses a session without a store
    product, _ = resolve_product(session, body)
    milli = quantity_milli(product, body.quantity)
    op = recorder.append("count_entry", {
        "store_id": count.store_id, "product_id": product.id, "qty_milli": milli,
        "count_session_id": count.id, "counted_at": datetime.now(UTC),
    }, store_id=count.store_id)
    return {
        "id": op.entity_id, "count_id": count.id, "store_id": count.store_id,
        "product_id": product.id, "sku": product.sku, "quantity": views.quantity(milli),
        "level": views.quantity(level_of(session, count.store_id, product.id)),
    }


def commit_count(
    session: Session, recorder: Recorder, count_id: uuid.UUID, *, scope: uuid.UUID | None
) -> dict[str, Any]:
    count = _count_session(session, count_id, scope)
    if count.status != "open":
        raise WrongState(f"count session {count.id} is {count.status}")
    recorder.upsert("count_session", count.id, {
        "status": "committed", "committed_at": datetime.now(UTC),
    }, store_id=count.store_id)
    return count_detail(session, count.id, scope=scope)


def count_detail(
    session: Session, count_id: uuid.UUID, *, scope: uuid.UUID | None
) -> dict[str, Any]:
    count = _count_session(session, count_id, scope)
    body = _session_view(count, store_codes(session))
    rows = session.execute(
        select(t.CountEntry, t.Product.sku)
        .outerjoin(t.Product, t.Product.id == t.CountEntry.product_id)
        .where(t.CountEntry.count_session_id == count.id)
        .order_by(t.CountEntry.hlc, t.CountEntry.device_id, t.CountEntry.op_id)
    ).all()
    body["items"] = [
        {"id": entry.id, "product_id": entry.product_id, "sku": sku,
         "quantity": views.quantity(entry.qty_milli), "counted_at": entry.counted_at}
        for entry, sku in rows
    ]
    return body


def list_counts(
    session: Session, page: Page, *, store: t.Store | None, status: CountStatus | None,
    scope: uuid.UUID | None, q: str | None = None,
) -> dict[str, Any]:
    statement = select(t.CountSession).where(t.CountSession.deleted.is_(False))
    if store is not None:
        check_scope(scope, store.id)
        statement = statement.where(t.CountSession.store_id == store.id)
    elif scope is not None:
        statement = statement.where(t.CountSession.store_id == scope)
    if status is not None:
        statement = statement.where(t.CountSession.status == status)
    if q:
        statement = statement.where(
            folded(t.CountSession.notes).contains(fold_text(q.strip()), autoescape=True))
    statement = statement.order_by(t.CountSession.started_at.desc(), t.CountSession.id.desc())
    codes = store_codes(session)
    return page_of(session, statement, page, lambda row: _session_view(row, codes))
