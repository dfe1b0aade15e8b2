"""Count sessions (*Conteo*): scan items, type what is on the shelf, review, commit.

A count is an observation "Q units at time t", t being when *that item* was counted
(ARCHITECTURE.md "Stock is a ledger"): the level becomes the latest count plus the
movements after it, in operation order. So :func:`count_item` appends the item's count
entry the moment it is typed — its place in the ledger is that moment, and a sale
rung up a minute later still takes stock away, while a sale a minute earlier is already
inside what was counted. Keeping the entries in a draft until the commit would give every
item the commit's time and lose (or double) the sales in between.

Consequences, by design:

- The count session record (open / committed / cancelled) groups entries for the
  review; it does not gate them. An entry moves the level as soon as it is recorded, on
  this PC at once and on every replica once synced.
- A recount of an item in the same session is a later observation and replaces the
  earlier one by the ledger rule; nothing is edited.
- :func:`cancel_count` closes the session as cancelled and records nothing else: the
  entries already recorded stay in effect (they are true observations, and the ledger is
  append-only). There is no sound way to undo one: an opposite adjustment computed here
  would miss sales from other PCs that sync later and sort before the count. To correct
  a wrong figure, count the item again. The screen should say so before cancelling.
- Work is never lost: after a crash or restart :func:`open_counts` finds the session and
  :func:`count_review` shows what was already counted.

Usage (``store.write`` runs a function in one transaction)::

    session_id = store.write(start_count, "Góndola 3")
    item = store.write(count_item, session_id, "7790001000019", Decimal(12))
    item.expected, item.difference                 # shown at once, beside the scan
    with Session(store.engine) as s:
        review = count_review(s, store.store_id, session_id)
    store.write(commit_count, session_id)
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desktop.app.quantities import quantity_milli
from shared.db import tables as t
from shared.domain.errors import Conflict, NotFound, ValidationError
from shared.domain.ids import new_id
from shared.domain.ledger import Count, Movement, OrderKey, stock_level
from shared.domain.numbers import milli_to_quantity
from shared.ops.recorder import Recorder
from shared.services.catalog import find_product
from shared.services.stock import document_winners, store_levels

CHUNK = 500


class CountStatus(StrEnum):
    OPEN = "open"
    COMMITTED = "committed"
    CANCELLED = "cancelled"


class UnknownCountSession(NotFound):
    pass


class CountClosed(Conflict):
    """The count session was already committed or cancelled."""


@dataclass(frozen=True)
class CountSessionInfo:
    session_id: uuid.UUID
    status: CountStatus
    started_at: datetime | None
    committed_at: datetime | None
    notes: str | None


@dataclass(frozen=True)
class CountedItem:
    """The answer to one scan: what was recorded and how it compares right now."""

    entry_id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    counted: int | Decimal
    expected: int | Decimal  # the level just before this count, as this PC knows it
    difference: int | Decimal  # counted - expected
    recount: bool  # the item had been counted before in this session
    counted_at: datetime


@dataclass(frozen=True)
class ReviewItem:
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    expected: int | Decimal  # the ledger's level when the item was (last) counted
    counted: int | Decimal
    difference: int | Decimal  # counted - expected: the correction this count made
    level_now: int | Decimal  # the count plus everything recorded after it
    counted_at: datetime
    times_counted: int  # in this session; the latest one is the one that stands


@dataclass(frozen=True)
class CountReview:
    session: CountSessionInfo
    items: list[ReviewItem] = field(default_factory=list)

    @property
    def with_difference(self) -> list[ReviewItem]:
        return [item for item in self.items if item.difference]


def _user(recorder: Recorder, user_id: uuid.UUID | None) -> None:
    if user_id is not None:
        recorder.user_id = user_id


def _info(row: t.CountSession) -> CountSessionInfo:
    try:
        status = CountStatus(row.status or CountStatus.OPEN)
    except ValueError:
        status = CountStatus.OPEN
    return CountSessionInfo(row.id, status, row.started_at, row.committed_at, row.notes)


def _session(session: Session, store_id: uuid.UUID, session_id: uuid.UUID) -> t.CountSession:
    row = session.get(t.CountSession, session_id)
    if row is None or row.deleted or row.store_id != store_id:
        raise UnknownCountSession(f"no count session {session_id} in this store")
    return row


def _open(session: Session, store_id: uuid.UUID, session_id: uuid.UUID) -> t.CountSession:
    row = _session(session, store_id, session_id)
    status = _info(row).status
    if status is not CountStatus.OPEN:
        raise CountClosed(f"the count session is already {status.value}")
    return row


def start_count(
    session: Session, recorder: Recorder, store_id: uuid.UUID, notes: str | None = None,
    *, user_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Open a count session; returns its id."""
    _user(recorder, user_id)
    session_id = new_id()
    recorder.upsert("count_session", session_id, {
        "store_id": store_id, "status": CountStatus.OPEN, "started_at": datetime.now(UTC),
        "notes": " ".join(notes.split()) if notes and notes.strip() else None,
    }, store_id=store_id, creates=True)
    return session_id


def open_counts(session: Session, store_id: uuid.UUID) -> list[CountSessionInfo]:
    """This store's open count sessions, newest first (to resume one after a restart)."""
    rows = session.scalars(
        select(t.CountSession)
        .where(t.CountSession.store_id == store_id, t.CountSession.deleted.is_(False),
               or_(t.CountSession.status == CountStatus.OPEN, t.CountSession.status.is_(None)))
        .order_by(t.CountSession.id.desc())
    ).all()
    return [_info(row) for row in rows]


def count_item(
    session: Session, recorder: Recorder, store_id: uuid.UUID, session_id: uuid.UUID,
    code: str, quantity: Decimal | int | None, counted_at: datetime | None = None,
    *, user_id: uuid.UUID | None = None,
) -> CountedItem:
    """Record that ``quantity`` of the product scanned as ``code`` is on hand now.

    ``quantity`` None takes a scale label's weight. ``counted_at`` (when the person
    typed it, if the call runs later) is kept for display; the entry's place in the
    ledger is the moment it is recorded, so call this as each item is counted.
    """
    _open(session, store_id, session_id)
    _user(recorder, user_id)
    match = find_product(session, code)
    product = match.product
    milli = quantity_milli(product.sku, product.unit, quantity, match.weight)
    if milli < 0:
        raise ValidationError("a count cannot be negative")
    if counted_at is not None and counted_at.tzinfo is None:
        raise ValidationError("counted_at needs its time zone")
    moment = counted_at or datetime.now(UTC)
    before = store_levels(session, [store_id], [product.id]).get((store_id, product.id), 0)
    recount = session.scalars(select(t.CountEntry.id).where(
        t.CountEntry.count_session_id == session_id, t.CountEntry.product_id == product.id,
    ).limit(1)).first() is not None
    entry_id = new_id()
    recorder.append("count_entry", {
        "store_id": store_id, "product_id": product.id, "qty_milli": milli,
        "count_session_id": session_id, "counted_at": moment,
    }, row_id=entry_id, store_id=store_id)
    return CountedItem(entry_id, product.id, product.sku or "", product.name or "",
                       product.unit or "unidad", milli_to_quantity(milli),
                       milli_to_quantity(before), milli_to_quantity(milli - before),
                       recount, moment)


def count_review(session: Session, store_id: uuid.UUID, session_id: uuid.UUID) -> CountReview:
    """Per item counted: expected (at its count), counted, difference, level now.

    Expected is recomputed from the ledger as this replica holds it now, so a sale from
    another PC that synced later but happened before the count is included. It leaves
    out this session's own earlier counts of the item (a recount is compared with the
    ledger, not with the first count). Rows of products merged into the item are not
    included in expected.
    """
    info = _info(_session(session, store_id, session_id))
    entries = session.scalars(
        select(t.CountEntry)
        .where(t.CountEntry.count_session_id == session_id, t.CountEntry.store_id == store_id)
    ).all()
    latest: dict[uuid.UUID, t.CountEntry] = {}
    times: dict[uuid.UUID, int] = defaultdict(int)
    for entry in entries:
        times[entry.product_id] += 1
        known = latest.get(entry.product_id)
        if known is None or _key(entry) > _key(known):
            latest[entry.product_id] = entry
    if not latest:
        return CountReview(info)
    expected = expected_levels(session, store_id, {p: _key(e) for p, e in latest.items()},
                               exclude_session=session_id)
    levels = store_levels(session, [store_id], list(latest))
    products = {p.id: p for p in session.scalars(
        select(t.Product).where(t.Product.id.in_(list(latest))))}
    items = []
    for product_id, entry in latest.items():
        product = products.get(product_id)
        sku, name, unit = ((product.sku or "", product.name or "", product.unit or "unidad")
                           if product is not None else ("", "", "unidad"))
        before = expected.get(product_id, 0)
        items.append(ReviewItem(
            product_id, sku, name, unit, milli_to_quantity(before),
            milli_to_quantity(entry.qty_milli),
            milli_to_quantity(entry.qty_milli - before),
            milli_to_quantity(levels.get((store_id, product_id), 0)), entry.counted_at,
            times[product_id]))
    items.sort(key=lambda item: (item.sku, item.name))
    return CountReview(info, items)


def _key(row: t.CountEntry | t.StockMovement) -> OrderKey:
    return (row.hlc, row.device_id, row.op_id)


def expected_levels(
    session: Session, store_id: uuid.UUID, at: dict[uuid.UUID, OrderKey],
    *, exclude_session: uuid.UUID | None = None,
) -> dict[uuid.UUID, int]:
    """Each product's level (thousandths) just before the order key given for it.

    The ledger rule of shared/domain/ledger.py over the rows recorded before that key:
    the latest earlier count, plus the movements after it that count (a document's first
    confirmation only). Counts of ``exclude_session`` are left out.
    """
    ids = sorted(at)
    counts: dict[uuid.UUID, list[Count]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        query = select(t.CountEntry).where(t.CountEntry.store_id == store_id,
                                           t.CountEntry.product_id.in_(ids[start:start + CHUNK]))
        if exclude_session is not None:
            query = query.where(or_(t.CountEntry.count_session_id.is_(None),
                                    t.CountEntry.count_session_id != exclude_session))
        for row in session.scalars(query):
            if _key(row) < at[row.product_id]:
                counts[row.product_id].append(
                    Count(store_id, row.product_id, _key(row), row.qty_milli))
    baselines = {p: max(c.order_key for c in found) for p, found in counts.items()}
    lowest = min((baselines.get(p, (0,))[0] for p in ids), default=0)
    moves: dict[uuid.UUID, list[t.StockMovement]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        for move in session.scalars(select(t.StockMovement).where(
                t.StockMovement.store_id == store_id, t.StockMovement.hlc >= lowest,
                t.StockMovement.product_id.in_(ids[start:start + CHUNK]))):
            if _key(move) < at[move.product_id]:
                moves[move.product_id].append(move)
    winners = document_winners(session, {m.invoice_key for found in moves.values()
                                         for m in found if m.invoice_key})
    result: dict[uuid.UUID, int] = {}
    for product_id in ids:
        movements = [Movement(store_id, product_id, _key(m), m.qty_milli)
                     for m in moves[product_id]
                     if m.invoice_key is None or winners.get(m.invoice_key) == m.op_id]
        result[product_id] = stock_level(movements, counts[product_id],
                                         pair=(store_id, product_id))
    return result


def commit_count(
    session: Session, recorder: Recorder, store_id: uuid.UUID, session_id: uuid.UUID,
    *, user_id: uuid.UUID | None = None,
) -> CountReview:
    """Close the session as committed; returns the final review.

    The entries already moved stock when they were recorded: committing marks the
    session done (and reviewed) for the store and HQ.
    """
    _open(session, store_id, session_id)
    if session.scalars(select(t.CountEntry.id).where(
            t.CountEntry.count_session_id == session_id).limit(1)).first() is None:
        raise ValidationError("nothing was counted: cancel the count instead")
    _user(recorder, user_id)
    recorder.upsert("count_session", session_id, {
        "status": CountStatus.COMMITTED, "committed_at": datetime.now(UTC),
    }, store_id=store_id)
    return count_review(session, store_id, session_id)


def cancel_count(
    session: Session, recorder: Recorder, store_id: uuid.UUID, session_id: uuid.UUID,
    *, user_id: uuid.UUID | None = None,
) -> CountReview:
    """Close the session as cancelled; entries already recorded stay in effect.

    Returns the review of what stays (see the module documentation for why).
    """
    _open(session, store_id, session_id)
    _user(recorder, user_id)
    recorder.upsert("count_session", session_id, {"status": CountStatus.CANCELLED},
                    store_id=store_id)
    return count_review(session, store_id, session_id)
