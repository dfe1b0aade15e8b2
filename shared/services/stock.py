"""Stock queries shared by central and the store client.

Levels come from the ``stock_levels`` cache (itself rebuilt from the ledger). A product
merged into another keeps its ledger rows (they are never rewritten); the levels here
report them on the product it was merged into, by :func:`merged_member_level`.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, and_, or_, select, text
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.jsonout import dumps
from shared.domain.ledger import Count, Movement, OrderKey, StockPair, stock_levels
from shared.domain.numbers import milli_to_quantity

CHUNK = 500
_NO_KEY: OrderKey = (0, uuid.UUID(int=0), uuid.UUID(int=0))


def visible_products(store_id: uuid.UUID | None = None):  # type: ignore[no-untyped-def]
    """Products a store can see: the catalog, not archived (provisional ones included)."""
    return and_(
        t.Product.deleted.is_(False),
        or_(t.Product.archived.is_(None), t.Product.archived.is_(False)),
        t.Product.sku.is_not(None),
    )


# --- merged products ------------------------------------------------------------


@dataclass(frozen=True)
class Merge:
    """A product merged (maybe through a chain) into ``root`` by the operation ``since``."""

    member: uuid.UUID
    root: uuid.UUID
    since: OrderKey


def parse_stamp(stamp: str | None) -> OrderKey:
    """A field version stamp ``"{hlc:016x}.{device}.{op}"`` back to its order key."""
    if not stamp:
        return _NO_KEY
    hlc, device, op = stamp.split(".")
    return (int(hlc, 16), uuid.UUID(hex=device), uuid.UUID(hex=op))


def merged_products(session: Session) -> dict[uuid.UUID, Merge]:
    """Every merged product, by id, with the root it now lives on."""
    direct: dict[uuid.UUID, tuple[uuid.UUID, OrderKey]] = {}
    rows = session.execute(
        select(t.Product.id, t.Product.merged_into, t.Product.field_versions)
        .where(t.Product.merged_into.is_not(None), t.Product.deleted.is_(False))
    )
    for row in rows:
        versions = row.field_versions or {}
        direct[row.id] = (row.merged_into, parse_stamp(versions.get("merged_into")))
    merges: dict[uuid.UUID, Merge] = {}
    for member in direct:
        root, since, seen = member, _NO_KEY, {member}
        while root in direct:
            target, stamp = direct[root]
            if target in seen:  # circular: leave the member where it is
                root, since = member, _NO_KEY
                break
            seen.add(target)
            root, since = target, max(since, stamp)
        if root != member:
            merges[member] = Merge(member, root, since)
    return merges


def merged_member_level(
    pair: StockPair, movements: Iterable[Movement], counts: Iterable[Count],
    root_counts: Iterable[OrderKey], since: OrderKey,
) -> int:
    """What a merged product still adds to its root's level in one store.

    Before the merge the two were separate shelves, so each keeps its own level. A count
    of the root after the merge observed everything on the shelf, merged stock included,
    so for the member it reads as a count of zero: only its movements after that count
    still add. ``movements`` must already exclude repeated document confirmations.
    """
    store_id, product_id = pair
    virtual = [Count(store_id, product_id, key, 0) for key in root_counts if key > since]
    return stock_levels(movements, [*counts, *virtual]).get(pair, 0)


def document_winners(session: Session, keys: set[str]) -> dict[str, uuid.UUID]:
    """The operation of each document's first confirmation, over the whole ledger.

    Read from the confirmations, which include other stores' confirmations of a document
    this store also confirmed (known by key and order only: docs/sync-protocol.md).
    """
    winners: dict[str, OrderKey] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), CHUNK):
        rows = session.execute(
            select(t.InvoiceConfirmation.invoice_key, t.InvoiceConfirmation.hlc,
                   t.InvoiceConfirmation.device_id, t.InvoiceConfirmation.op_id)
            .where(t.InvoiceConfirmation.invoice_key.in_(ordered[start : start + CHUNK]))
        )
        for row in rows:
            key = (row.hlc, row.device_id, row.op_id)
            if row.invoice_key not in winners or key < winners[row.invoice_key]:
                winners[row.invoice_key] = key
    return {invoice: key[2] for invoice, key in winners.items()}


def _member_ledger(
    session: Session, store_id: uuid.UUID, product_id: uuid.UUID
) -> tuple[list[Movement], list[Count]]:
    moves = session.execute(
        select(t.StockMovement.hlc, t.StockMovement.device_id, t.StockMovement.op_id,
               t.StockMovement.qty_milli, t.StockMovement.invoice_key)
        .where(t.StockMovement.store_id == store_id, t.StockMovement.product_id == product_id)
    ).all()
    winners = document_winners(session, {m.invoice_key for m in moves if m.invoice_key})
    movements = [
        Movement(store_id, product_id, (m.hlc, m.device_id, m.op_id), m.qty_milli)
        for m in moves if m.invoice_key is None or winners.get(m.invoice_key) == m.op_id
    ]
    counts = [
        Count(store_id, product_id, (c.hlc, c.device_id, c.op_id), c.qty_milli)
        for c in session.execute(
            select(t.CountEntry.hlc, t.CountEntry.device_id, t.CountEntry.op_id,
                   t.CountEntry.qty_milli)
            .where(t.CountEntry.store_id == store_id, t.CountEntry.product_id == product_id)
        )
    ]
    return movements, counts


def _root_counts(
    session: Session, roots: set[uuid.UUID], stores: set[uuid.UUID], after_hlc: int
) -> dict[StockPair, list[OrderKey]]:
    found: dict[StockPair, list[OrderKey]] = defaultdict(list)
    rows = session.execute(
        select(t.CountEntry.store_id, t.CountEntry.product_id, t.CountEntry.hlc,
               t.CountEntry.device_id, t.CountEntry.op_id)
        .where(t.CountEntry.product_id.in_(sorted(roots)), t.CountEntry.hlc >= after_hlc)
        .where(t.CountEntry.store_id.in_(sorted(stores)))
    )
    for row in rows:
        found[(row.store_id, row.product_id)].append((row.hlc, row.device_id, row.op_id))
    return found


def _fold_merges(
    session: Session, levels: dict[StockPair, int], merges: dict[uuid.UUID, Merge]
) -> None:
    """Move each merged product's level onto its root, in place."""
    held = [(pair, merges[pair[1]]) for pair in levels if pair[1] in merges]
    if not held:
        return
    root_counts = _root_counts(
        session, {merge.root for _, merge in held}, {pair[0] for pair, _ in held},
        min(merge.since[0] for _, merge in held),
    )
    for pair, merge in held:
        level = levels.pop(pair)
        recounted = [k for k in root_counts.get((pair[0], merge.root), []) if k > merge.since]
        if recounted:
            movements, counts = _member_ledger(session, *pair)
            level = merged_member_level(pair, movements, counts, recounted, merge.since)
        root_pair = (pair[0], merge.root)
        levels[root_pair] = levels.get(root_pair, 0) + level


def store_levels(
    session: Session, store_ids: Collection[uuid.UUID] | None = None,
    product_ids: Collection[uuid.UUID] | None = None,
) -> dict[StockPair, int]:
    """Levels in thousandths per (store, product), merged products folded into their root.

    ``None`` means every store or every product. Pairs with no ledger rows are absent
    (their level is zero).
    """
    merges = merged_products(session)
    wanted: list[uuid.UUID] | None = None
    if product_ids is not None:
        roots = set(product_ids)
        wanted = sorted(roots | {m.member for m in merges.values() if m.root in roots})
    statement = select(t.StockLevel.store_id, t.StockLevel.product_id, t.StockLevel.qty_milli)
    if store_ids is not None:
        statement = statement.where(t.StockLevel.store_id.in_(sorted(store_ids)))
    levels: dict[StockPair, int] = {}
    parts = [None] if wanted is None else [
        wanted[start : start + CHUNK] for start in range(0, len(wanted), CHUNK)
    ]
    for part in parts:
        chunk = statement if part is None else statement.where(t.StockLevel.product_id.in_(part))
        levels.update({(r.store_id, r.product_id): r.qty_milli for r in session.execute(chunk)})
    _fold_merges(session, levels, merges)
    return levels


# --- the views ------------------------------------------------------------------------


def stock_snapshot(session: Session, store: t.Store) -> dict[str, Any]:
    """CONTRACTS.md ``stock --json``: every visible product, zero and negative included,
    sorted by sku as a string."""
    levels = store_levels(session, [store.id])
    rows = session.execute(select(t.Product.id, t.Product.sku).where(visible_products(store.id)))
    items: dict[str, int] = {}
    for product_id, sku in rows:
        if sku is not None:  # visible_products excludes it; this tells the type checker
            items[sku] = items.get(sku, 0) + levels.get((store.id, product_id), 0)
    return {
        "store": store.code,
        "items": [{"sku": sku, "quantity": milli_to_quantity(items[sku])} for sku in sorted(items)],
    }


def below_minimum(session: Session, store: t.Store) -> list[dict[str, Any]]:
    """Products whose level in ``store`` is under their minimum, most short first."""
    levels = store_levels(session, [store.id])
    rows = session.execute(
        select(t.Product.id, t.Product.sku, t.Product.name, t.Product.min_stock_milli)
        .where(visible_products(store.id), t.Product.min_stock_milli.is_not(None))
    ).all()
    short = []
    for row in rows:
        level = levels.get((store.id, row.id), 0)
        if level < row.min_stock_milli:
            short.append((level - row.min_stock_milli, row.sku or "", row, level))
    short.sort(key=lambda item: (item[0], item[1]))
    return [
        {"sku": row.sku, "name": row.name, "quantity": milli_to_quantity(level),
         "minimum": milli_to_quantity(row.min_stock_milli)}
        for _, _, row, level in short
    ]


# --- the snapshot built by PostgreSQL -------------------------------------------------

#: The body :func:`stock_snapshot` gives, written by PostgreSQL as ``jsonout.dumps``
#: writes it (``", "`` and ``": "`` separators, integers for whole units, three
#: decimals otherwise, skus in code point order: UTF-8 byte order under "C"), so a
#: store's 5,000 items never pass through Python objects. ``:overrides`` is a JSON
#: object ``{product id: level}`` that replaces the cached level of merged products
#: and their roots (:func:`merged_overrides`).
SNAPSHOT_SQL: TextClause = text("""
WITH levels AS (
    SELECT p.sku, sum(COALESCE(o.value::bigint, l.qty_milli, 0))::bigint AS milli
    FROM products AS p
    LEFT JOIN stock_levels AS l ON l.store_id = :store_id AND l.product_id = p.id
    LEFT JOIN json_each_text(CAST(:overrides AS json)) AS o ON o.key::uuid = p.id
    WHERE p.deleted IS false AND (p.archived IS NULL OR p.archived IS false)
      AND p.sku IS NOT NULL
    GROUP BY p.sku
)
SELECT '{"store": ' || to_json(CAST(:code AS text))::text || ', "items": ['
    || COALESCE(string_agg(
        '{"sku": ' || to_json(sku)::text || ', "quantity": '
        || CASE WHEN milli % 1000 = 0 THEN (milli / 1000)::text
                ELSE round(milli::numeric / 1000, 3)::text END
        || '}', ', ' ORDER BY sku COLLATE "C"), '')
    || ']}'
FROM levels
""")


def merged_overrides(session: Session, store_id: uuid.UUID) -> str:
    """The ``:overrides`` of :data:`SNAPSHOT_SQL`: ``{}`` unless products were merged.

    A member's level moves onto its root (:func:`store_levels`), so members read 0 and
    roots their folded level; only those few pairs are computed here, in Python.
    """
    merges = merged_products(session)
    if not merges:
        return "{}"
    roots = {merge.root for merge in merges.values()}
    levels = store_levels(session, [store_id], roots)
    overrides = {str(member): 0 for member in merges}
    overrides.update({str(root): levels.get((store_id, root), 0) for root in roots})
    return json.dumps(overrides)


def stock_snapshot_json(session: Session, store: t.Store) -> str:
    """:func:`stock_snapshot` as the JSON text ``jsonout.dumps`` would write; built by
    the database on PostgreSQL, in Python elsewhere."""
    if session.get_bind().dialect.name != "postgresql":
        return dumps(stock_snapshot(session, store))
    params = {"store_id": store.id, "code": store.code,
              "overrides": merged_overrides(session, store.id)}
    return str(session.execute(SNAPSHOT_SQL, params).scalar_one())
