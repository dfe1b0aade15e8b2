"""HQ's cache of document costs (``document_costs``), kept up to date from the ledger.

One row per counting invoice confirmation and product: the sums of that product's intake
lines with a cost in that document (the weighted cost is computed from them on reading,
with the exact integer arithmetic of :func:`shared.domain.invoices.weighted_unit_cost`),
the confirmation's order, invoice and time, and ``latest`` on each product's newest row.

The ledger stays the authority (:mod:`central.negocio.costs` keeps its derivation for
checks). Confirmations reach central by its own use cases and by sync pushes, and which
one of a document key counts can change when an earlier one arrives late; so rather
than hooking every write path, every cost read first calls :func:`refresh`:
confirmations not yet in ``costed_confirmations`` name the document keys to redo, and
only those keys are recomputed (with the ledger's own rule: the first confirmation in
(hlc, device_id, op_id) order). With nothing new, that check is two counts. Each
refresh that changed something writes a new random :func:`version`, which lets callers
memoise reports derived from the costs.

On PostgreSQL concurrent refreshes take turns on an advisory transaction lock and look
again once they hold it; SQLite has a single writer.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Table, delete, exists, false, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.replica_meta import read_meta, write_meta
from shared.domain.enums import MovementKind

M, C = t.StockMovement, t.InvoiceConfirmation
D, Seen = t.DocumentCostRow, t.CostedConfirmation
VERSION_KEY = "document_costs_version"
#: pg_advisory_xact_lock key of the refresh (any constant unique to this cache)
LOCK_KEY = 0x6D6D_636F_7374  # "mmcost"
CHUNK = 500
#: How long a memoised report may outlive a change the cost version does not see: a
#: product's category, a supplier's name, an invoice's date or supplier edited later.
MEMO_SECONDS = 60.0
MEMO_ENTRIES = 64
T = TypeVar("T")
_memo: dict[tuple[Hashable, ...], tuple[float, Any]] = {}
_COLUMNS = ("op_id", "product_id", "invoice_key", "invoice_id", "hlc", "device_id",
            "confirmed_at", "qty_milli", "value_milli_cents", "latest")


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _unseen_keys(session: Session) -> list[str]:
    """Document keys with a confirmation the cache has not weighed yet.

    Confirmations are ledger rows, never edited or removed, and every weighed one is
    recorded in the refresh's own transaction: equal counts mean nothing is new (two
    counts cost less than the anti-join that names the new ones)."""
    everything = select(func.count()).select_from(C).scalar_subquery()
    weighed = select(func.count()).select_from(Seen).scalar_subquery()
    if not session.scalar(select(everything - weighed)):
        return []
    return sorted(session.scalars(
        select(C.invoice_key).where(~exists().where(Seen.id == C.id)).distinct()))


def _costs_of(keys: Sequence[str] | None) -> Any:
    """Rows of ``document_costs`` for these document keys (all when None): each counting
    confirmation's intake lines with a cost, summed per product."""
    ranked = select(
        C.op_id, C.invoice_key, C.invoice_id, C.hlc, C.device_id, C.confirmed_at,
        func.row_number().over(partition_by=C.invoice_key,
                               order_by=(C.hlc, C.device_id, C.op_id)).label("rn"),
    )
    if keys is not None:
        ranked = ranked.where(C.invoice_key.in_(keys))
    firsts = ranked.subquery()
    return (
        select(M.op_id, M.product_id, firsts.c.invoice_key, firsts.c.invoice_id,
               firsts.c.hlc, firsts.c.device_id, firsts.c.confirmed_at,
               func.sum(M.qty_milli), func.sum(M.qty_milli * M.unit_cost_cents), false())
        .join(firsts, firsts.c.op_id == M.op_id)
        .where(firsts.c.rn == 1, M.kind == int(MovementKind.INTAKE),
               M.unit_cost_cents.is_not(None), M.invoice_key.is_not(None), M.qty_milli > 0)
        .group_by(M.op_id, M.product_id, firsts.c.invoice_key, firsts.c.invoice_id,
                  firsts.c.hlc, firsts.c.device_id, firsts.c.confirmed_at)
    )


def _products_of(session: Session, keys: Sequence[str]) -> set[uuid.UUID]:
    return set(session.scalars(select(D.product_id).where(D.invoice_key.in_(keys)).distinct()))


def _mark_latest(session: Session, products: Iterable[uuid.UUID] | None) -> None:
    """Set ``latest`` on each product's newest row (of these products; all when None)."""
    wanted = None if products is None else sorted(products)
    parts: Iterable[Sequence[uuid.UUID] | None] = [None] if wanted is None else _chunks(wanted)
    for part in parts:
        ranked = select(D.op_id, D.product_id, func.row_number().over(
            partition_by=D.product_id,
            order_by=(D.hlc.desc(), D.device_id.desc(), D.op_id.desc())).label("rn"))
        clear = update(D).where(D.latest)
        if part is not None:
            ranked = ranked.where(D.product_id.in_(part))
            clear = clear.where(D.product_id.in_(part))
        newest = ranked.subquery()
        session.execute(clear.values(latest=False))
        session.execute(
            update(D).where(tuple_(D.op_id, D.product_id).in_(
                select(newest.c.op_id, newest.c.product_id).where(newest.c.rn == 1)))
            .values(latest=True))


def _redo(session: Session, keys: Sequence[str] | None) -> None:
    """Recompute the rows of these document keys (every key when None)."""
    table = cast(Table, D.__table__)
    seen = cast(Table, Seen.__table__)
    if keys is None:
        session.execute(delete(D))
        session.execute(delete(Seen))
        session.execute(insert(table).from_select(_COLUMNS, _costs_of(None)))
        session.execute(insert(seen).from_select(("id", "invoice_key"),
                                                 select(C.id, C.invoice_key)))
        _mark_latest(session, None)
        return
    touched: set[uuid.UUID] = set()
    for part in _chunks(keys):
        touched |= _products_of(session, part)
        session.execute(delete(D).where(D.invoice_key.in_(part)))
        session.execute(insert(table).from_select(_COLUMNS, _costs_of(part)))
        touched |= _products_of(session, part)
        session.execute(insert(seen).from_select(
            ("id", "invoice_key"),
            select(C.id, C.invoice_key).where(C.invoice_key.in_(part),
                                              ~exists().where(Seen.id == C.id))))
    _mark_latest(session, touched)


def refresh(session: Session) -> bool:
    """Bring the cache up to date with the ledger; True when something was recomputed.

    Runs in the caller's transaction (a read's, usually: central commits it at the end).
    """
    keys = _unseen_keys(session)
    if not keys:
        return False
    if session.connection().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        keys = _unseen_keys(session)  # a concurrent refresh may have done them meanwhile
        if not keys:
            return False
    empty = session.scalar(select(Seen.id).limit(1)) is None
    _redo(session, None if empty else keys)
    write_meta(session, VERSION_KEY, str(uuid.uuid4()))
    return True


def rebuild(session: Session) -> None:
    """Recompute the whole cache from the ledger (benchmarks, repairs)."""
    if session.connection().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
    _redo(session, None)
    write_meta(session, VERSION_KEY, str(uuid.uuid4()))


def version(session: Session) -> str | None:
    """Changes whenever a refresh changed the cache; None while it never held anything.

    Random, so that two databases (or a database rebuilt) never share one."""
    return read_meta(session, VERSION_KEY)


def memoised(session: Session, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()``, remembered in this process per cost :func:`version` and ``key``.

    For reports derived from the costs (inflation signals, the cost gap): a new
    confirmation changes the version, so they are recomputed at once; ``key`` must hold
    every other input that has to show at once (the day, the index values). What neither
    covers shows within :data:`MEMO_SECONDS`. Callers get a copy they may change.
    """
    refresh(session)
    current = version(session)
    if current is None:  # no cost ever cached: nothing slow to remember
        return compute()
    full = (current, *key)
    now = time.monotonic()
    found = _memo.get(full)
    if found is not None and found[0] > now:
        return cast(T, copy.deepcopy(found[1]))
    value = compute()
    if len(_memo) >= MEMO_ENTRIES:
        for stale in [k for k, (until, _) in _memo.items() if until <= now] or [next(iter(_memo))]:
            del _memo[stale]
    _memo[full] = (now + MEMO_SECONDS, copy.deepcopy(value))
    return value
