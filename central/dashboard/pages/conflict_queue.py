"""The conflicts page's queue, one page at a time, with the database doing the listing.

``central.sync.decisions.review_queue`` builds every conflict with its fingerprint (a
count of the ledger rows of every negative pair): right for the API and for deciding,
but a chain with tens of thousands of negative levels would render them all. Here the
conflicts are listed and counted in SQL (documents confirmed more than once, then
negative levels by store and sku, the order ``current_conflicts`` gives) and only the
conflicts that have a decision — few — are built by ``central.sync`` to compare their
fingerprint: a decision that still holds makes its conflict resolved; one that no
longer does leaves it open, marked as changed.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from central.sync.conflicts import Conflict, ConflictKind, ConflictRef
from central.sync.conflicts import duplicate_documents as _duplicates_of
from central.sync.conflicts import negative_stock as _negative_of
from central.sync.decisions import decision_views
from shared.db import tables as t
from shared.domain.numbers import milli_to_quantity


def _decided(session: Session, store_id: uuid.UUID | None) -> tuple[list[Conflict],
                                                                     dict[str, Any]]:
    """The conflicts that have a decision, as they stand now, and their decision views."""
    found: list[Conflict] = []
    ids = session.scalars(select(t.ConflictDecision.conflict_id).distinct())
    for conflict_id in ids:
        try:
            ref = ConflictRef.parse(conflict_id)
        except ValueError:
            continue
        if ref.kind is ConflictKind.DUPLICATE_DOCUMENT:
            found += _duplicates_of(session, ref.invoice_key)
        elif store_id is None or ref.store_id == store_id:
            assert ref.store_id is not None and ref.product_id is not None
            found += _negative_of(session, (ref.store_id, ref.product_id))
    return found, decision_views(session, found)


def _duplicate_keys(store_id: uuid.UUID | None) -> Select[Any]:
    c = t.InvoiceConfirmation
    query = select(c.invoice_key).group_by(c.invoice_key).having(func.count() > 1)
    if store_id is not None:
        query = query.having(func.count().filter(c.store_id == store_id) > 0)
    return query


def _negative_pairs(store_id: uuid.UUID | None) -> Select[Any]:
    level = t.StockLevel
    query = (select(level.store_id, level.product_id, t.Store.code, t.Product.sku,
                    t.Product.name, level.qty_milli)
             .join(t.Store, t.Store.id == level.store_id)
             .join(t.Product, t.Product.id == level.product_id)
             .where(level.qty_milli < 0))
    return query if store_id is None else query.where(level.store_id == store_id)


def conflict_page(session: Session, *, store_id: uuid.UUID | None, open_only: bool | None,
                  offset: int, size: int) -> dict[str, Any]:
    """``{"items", "total"}`` as ``review_queue`` gives them, for one page."""
    decided, views = _decided(session, store_id)
    held = [c for c in decided if c.ref.id in views and not views[c.ref.id]["stale"]]
    if store_id is not None:
        code = session.scalar(select(t.Store.code).where(t.Store.id == store_id))
        held = [c for c in held if code in c.stores]
    if open_only is False:  # resolved: few, built by central.sync
        items = [{**c.body, "open": False, "decision": views[c.ref.id]}
                 for c in held[offset:offset + size]]
        return {"items": items, "total": len(held)}
    keys, pairs = _duplicate_keys(store_id), _negative_pairs(store_id)
    if open_only:
        held_keys = [c.ref.invoice_key for c in held if c.ref.invoice_key is not None]
        held_pairs = [(c.ref.store_id, c.ref.product_id) for c in held
                      if c.ref.kind is ConflictKind.NEGATIVE_STOCK]
        if held_keys:
            keys = keys.having(t.InvoiceConfirmation.invoice_key.not_in(held_keys))
        if held_pairs:
            pairs = pairs.where(tuple_(t.StockLevel.store_id, t.StockLevel.product_id)
                                .not_in(held_pairs))
    documents = session.scalar(select(func.count()).select_from(keys.subquery())) or 0
    negatives = session.scalar(select(func.count()).select_from(pairs.subquery())) or 0
    items: list[dict[str, Any]] = []
    if offset < documents:
        page_keys = session.scalars(keys.order_by(t.InvoiceConfirmation.invoice_key)
                                    .offset(offset).limit(size)).all()
        for key in page_keys:
            items += [_with_decision(c.body, views) for c in _duplicates_of(session, key)]
    left = size - len(items)
    if left > 0:
        rows = session.execute(pairs.order_by(t.Store.code, t.Product.sku,
                                              t.StockLevel.product_id)
                               .offset(max(offset - documents, 0)).limit(left))
        for store, product, code, sku, name, qty in rows:
            ref = ConflictRef(ConflictKind.NEGATIVE_STOCK, store_id=store, product_id=product)
            items.append(_with_decision(
                {"id": ref.id, "kind": ref.kind.value, "store": code, "store_id": store,
                 "product_id": product, "sku": sku, "name": name,
                 "quantity": milli_to_quantity(qty)}, views))
    return {"items": items, "total": int(documents + negatives)}


def _with_decision(body: dict[str, Any], views: dict[str, Any]) -> dict[str, Any]:
    decision = views.get(body["id"])
    return {**body, "open": decision is None or bool(decision["stale"]), "decision": decision}

