"""The stock-level cache, computed from the ledger in SQL.

The SQL below implements :mod:`shared.domain.ledger` (latest count plus later
movements; a document's first confirmation only) for whole tables at once. Tests
check that both agree on random ledgers; the cache can be rebuilt at any time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, Uuid, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from shared.db import tables as t

StockPair = tuple[uuid.UUID, uuid.UUID]

_LEVELS_SQL = """
WITH lc AS (
  SELECT store_id, product_id, qty_milli, hlc, device_id, op_id FROM (
    SELECT store_id, product_id, qty_milli, hlc, device_id, op_id,
           row_number() OVER (PARTITION BY store_id, product_id
                              ORDER BY hlc DESC, device_id DESC, op_id DESC) AS rn
    FROM count_entries c WHERE {count_filter}
  ) ranked WHERE rn = 1
),
first_docs AS (
  SELECT invoice_key, op_id FROM (
    SELECT invoice_key, op_id,
           row_number() OVER (PARTITION BY invoice_key ORDER BY hlc, device_id, op_id) AS rn
    FROM invoice_confirmations d WHERE {doc_filter}
  ) ranked WHERE rn = 1
)
SELECT store_id, product_id, SUM(q) AS qty_milli FROM (
  SELECT store_id, product_id, qty_milli AS q FROM lc
  UNION ALL
  SELECT m.store_id, m.product_id, m.qty_milli AS q
  FROM stock_movements m
  LEFT JOIN lc ON lc.store_id = m.store_id AND lc.product_id = m.product_id
  LEFT JOIN first_docs f ON f.invoice_key = m.invoice_key
  WHERE {movement_filter}
    AND (m.invoice_key IS NULL OR m.op_id = f.op_id)
    AND (lc.store_id IS NULL OR m.hlc > lc.hlc
         OR (m.hlc = lc.hlc AND (m.device_id > lc.device_id
             OR (m.device_id = lc.device_id AND m.op_id > lc.op_id))))
) entries
GROUP BY store_id, product_id
"""

_PAIR_FILTER = "{a}.store_id = :store_id AND {a}.product_id IN :product_ids"
_DOC_FILTER = (
    "d.invoice_key IN (SELECT x.invoice_key FROM stock_movements x WHERE x.invoice_key IS NOT NULL"
    " AND x.store_id = :store_id AND x.product_id IN :product_ids)"
)


def _levels_statement(filtered: bool):  # type: ignore[no-untyped-def]
    if not filtered:
        sql = _LEVELS_SQL.format(count_filter="1=1", doc_filter="1=1", movement_filter="1=1")
        return text(sql)
    sql = _LEVELS_SQL.format(
        count_filter=_PAIR_FILTER.format(a="c"),
        doc_filter=_DOC_FILTER,
        movement_filter=_PAIR_FILTER.format(a="m"),
    )
    return text(sql).bindparams(
        bindparam("store_id", type_=Uuid()),
        bindparam("product_ids", expanding=True, type_=Uuid()),
    )


def _typed(statement):  # type: ignore[no-untyped-def]
    return statement.columns(
        t.StockLevel.store_id, t.StockLevel.product_id, t.StockLevel.qty_milli
    )


def compute_levels(session: Session) -> dict[StockPair, int]:
    """Every level straight from the ledger (for checks and rebuilds)."""
    rows = session.execute(_typed(_levels_statement(False)))
    return {(row.store_id, row.product_id): int(row.qty_milli) for row in rows}


def pairs_for_documents(session: Session, invoice_keys: Iterable[str]) -> set[StockPair]:
    """Pairs holding movements of these documents: a late first confirmation moves them."""
    keys = sorted(set(invoice_keys))
    pairs: set[StockPair] = set()
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(t.StockMovement.store_id, t.StockMovement.product_id)
            .where(t.StockMovement.invoice_key.in_(keys[start : start + 500]))
            .distinct()
        )
        pairs |= {(row.store_id, row.product_id) for row in rows}
    return pairs


@dataclass
class Delta:
    """Plain movements (no document) a unit of work added to one pair: their sum and the
    earliest clock reading among them."""

    qty_milli: int = 0
    first_hlc: int = 2**63 - 1

    def add(self, qty_milli: int, hlc: int) -> None:
        self.qty_milli += qty_milli
        self.first_hlc = min(self.first_hlc, hlc)


def refresh_levels(
    session: Session, pairs: Iterable[StockPair], invoice_keys: Iterable[str] = (),
    deltas: Mapping[StockPair, Delta] | None = None,
) -> None:
    """Bring the cached level of ``pairs`` (and of every pair holding these documents) up
    to date with the ledger.

    A pair in ``deltas`` — only plain movements were added to it — whose latest count is
    older than all of them just adds their sum: the level is the latest count plus the
    movements after it, and these come after it. Any other pair (a count, a document, a
    movement that sorts before the latest count) is recomputed from its ledger.

    Cache rows are created once and then only updated, never deleted and re-inserted,
    so that on PostgreSQL a row lock can make concurrent refreshes of one pair take
    turns (see :func:`_lock_pairs`); the latest count is read after that lock.
    """
    document_pairs = pairs_for_documents(session, invoice_keys)
    wanted = sorted(set(pairs) | document_pairs)
    if not wanted:
        return
    existing = _ensure_rows(session, wanted)
    if session.connection().dialect.name == "postgresql":
        _lock_pairs(session, wanted)
    candidates = [pair for pair in wanted if deltas and pair in deltas
                  and pair in existing and pair not in document_pairs]
    latest = _latest_counts(session, candidates)
    incremental = {pair for pair in candidates
                   if latest.get(pair, -1) < deltas[pair].first_hlc}  # type: ignore[index]
    table = cast(Table, t.StockLevel.__table__)
    if incremental:
        add = (
            update(table)
            .where(table.c.store_id == bindparam("b_store"))
            .where(table.c.product_id == bindparam("b_product"))
            .values(qty_milli=table.c.qty_milli + bindparam("b_delta"), updated_at=func.now())
        )
        session.connection().execute(add, [
            {"b_store": store_id, "b_product": product_id,
             "b_delta": deltas[(store_id, product_id)].qty_milli}  # type: ignore[index]
            for store_id, product_id in sorted(incremental)
        ])
    by_store: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for store_id, product_id in wanted:
        if (store_id, product_id) not in incremental:
            by_store[store_id].append(product_id)
    statement = _typed(_levels_statement(True))
    write = (
        update(table)
        .where(table.c.store_id == bindparam("b_store"))
        .where(table.c.product_id == bindparam("b_product"))
        .values(qty_milli=bindparam("b_qty"), updated_at=func.now())
    )
    for store_id, product_ids in by_store.items():
        for start in range(0, len(product_ids), 500):
            part = product_ids[start : start + 500]
            levels = {row.product_id: int(row.qty_milli) for row in
                      session.execute(statement, {"store_id": store_id, "product_ids": part})}
            session.connection().execute(write, [
                {"b_store": store_id, "b_product": product_id,
                 "b_qty": levels.get(product_id, 0)}
                for product_id in part
            ])


def _latest_counts(session: Session, pairs: list[StockPair]) -> dict[StockPair, int]:
    """The clock reading of each pair's latest count (pairs never counted are absent)."""
    by_store: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for store_id, product_id in pairs:
        by_store[store_id].append(product_id)
    latest: dict[StockPair, int] = {}
    c = t.CountEntry
    for store_id, product_ids in by_store.items():
        for start in range(0, len(product_ids), 500):
            rows = session.execute(
                select(c.product_id, func.max(c.hlc))
                .where(c.store_id == store_id, c.product_id.in_(product_ids[start : start + 500]))
                .group_by(c.product_id)
            )
            latest.update({(store_id, product_id): int(hlc) for product_id, hlc in rows})
    return latest


def _ensure_rows(session: Session, pairs: list[StockPair]) -> set[StockPair]:
    """Create the missing cache rows; returns the pairs that already had one."""
    existing: set[StockPair] = set()
    by_store: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for store_id, product_id in pairs:
        by_store[store_id].append(product_id)
    level = t.StockLevel
    for store_id, product_ids in by_store.items():
        for start in range(0, len(product_ids), 500):
            existing.update((store_id, product_id) for product_id in session.scalars(
                select(level.product_id).where(
                    level.store_id == store_id,
                    level.product_id.in_(product_ids[start : start + 500]))))
    missing = [pair for pair in pairs if pair not in existing]
    if missing:
        insert_missing = text(
            "INSERT INTO stock_levels (store_id, product_id, qty_milli, updated_at) "
            "VALUES (:store_id, :product_id, 0, CURRENT_TIMESTAMP) ON CONFLICT DO NOTHING"
        ).bindparams(bindparam("store_id", type_=level.store_id.type),
                     bindparam("product_id", type_=level.product_id.type))
        session.execute(insert_missing, [{"store_id": s, "product_id": p} for s, p in missing])
    return existing


def _lock_pairs(session: Session, pairs: list[StockPair]) -> None:
    """Make concurrent refreshes of one pair take turns (PostgreSQL, READ COMMITTED).

    Two transactions recording sales of one product would each compute the level
    without the other's uncommitted movement, and the last to write would lose one.
    Locking the pair's cache row first makes the second wait for the first to commit;
    its level query, a new statement, then sees that movement. Pairs are locked in one
    order, so two refreshes cannot deadlock each other.
    """
    from sqlalchemy import tuple_

    for start in range(0, len(pairs), 500):
        part = pairs[start : start + 500]
        session.execute(
            select(t.StockLevel.store_id)
            .where(tuple_(t.StockLevel.store_id, t.StockLevel.product_id).in_(part))
            .order_by(t.StockLevel.store_id, t.StockLevel.product_id)
            .with_for_update()
        ).all()


def rebuild_levels(session: Session) -> int:
    """Throw the cache away and recompute it from the whole ledger; returns its size.

    On PostgreSQL the old rows go with TRUNCATE (a DELETE would leave every row dead
    until vacuumed, slowing each later rebuild); readers wait until the commit.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(text("TRUNCATE stock_levels"))
    else:
        session.execute(delete(t.StockLevel))
    select_sql = _LEVELS_SQL.format(count_filter="1=1", doc_filter="1=1", movement_filter="1=1")
    insert_sql = (
        "INSERT INTO stock_levels (store_id, product_id, qty_milli, updated_at) "
        "SELECT store_id, product_id, qty_milli, CURRENT_TIMESTAMP FROM (%s) levels"
    )
    session.execute(text(insert_sql % select_sql))  # constant SQL, no user input
    return int(session.scalar(select(func.count()).select_from(t.StockLevel)) or 0)


def cached_levels(session: Session) -> dict[StockPair, int]:
    rows = session.execute(
        select(t.StockLevel.store_id, t.StockLevel.product_id, t.StockLevel.qty_milli)
    )
    return {(row.store_id, row.product_id): row.qty_milli for row in rows}
