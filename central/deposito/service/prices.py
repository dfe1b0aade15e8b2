"""Price entries: set a price (a store's or chain-wide) from a date, history, current
prices, and the price changes a store must relabel since a date.

Prices are a ledger (docs/architecture.md): every entry is appended, none is edited.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from central.deposito import views
from central.deposito.errors import FieldError, WrongState
from central.deposito.schemas import PriceCreate
from central.deposito.service.lookups import (
    barcodes_of,
    product_by_id,
    store_codes,
    store_in_body,
)
from central.deposito.service.paging import Page, page_of
from shared.db import tables as t
from shared.domain.numbers import to_cents
from shared.ops.recorder import Recorder
from shared.services.catalog import price_on, prices_on, product_search
from shared.services.stock import visible_products


def set_price(
    session: Session, recorder: Recorder, product_id: uuid.UUID, body: PriceCreate,
    *, today: date,
) -> dict[str, Any]:
    product = product_by_id(session, product_id)
    if product.merged_into is not None:
        raise WrongState(f"product {product.id} was merged into {product.merged_into}")
    store = None if body.store is None else store_in_body(session, body.store)
    store_id = None if store is None else store.id
    effective_from = body.effective_from or today
    op = recorder.append("price", {
        "product_id": product.id, "store_id": store_id, "price_cents": to_cents(body.price),
        "effective_from": effective_from,
    }, store_id=store_id)
    return {"id": op.entity_id, "product_id": product.id, "store": body.store,
            "price": views.amount(to_cents(body.price)), "effective_from": effective_from,
            "current": views.amount(price_on(session, product.id, store_id, today))}


def price_history(
    session: Session, product_id: uuid.UUID, page: Page, *, only_store: uuid.UUID | None = None,
    scoped_to: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Every entry of a product, newest effective date first (then the later operation).

    ``only_store`` keeps one store's entries and the chain-wide ones; ``scoped_to`` (a
    store-scoped caller) does the same for the caller's store.
    """
    product = product_by_id(session, product_id)
    statement = select(t.Price).where(t.Price.product_id == product.id)
    for store_id in {only_store, scoped_to} - {None}:
        statement = statement.where(or_(t.Price.store_id.is_(None), t.Price.store_id == store_id))
    statement = statement.order_by(t.Price.effective_from.desc(), t.Price.hlc.desc(),
                                   t.Price.device_id.desc(), t.Price.op_id.desc())
    codes = store_codes(session)
    return page_of(session, statement, page, lambda row: views.price(row, codes))


def current_prices(
    session: Session, product_id: uuid.UUID, stores: list[t.Store], *, day: date,
    chain: bool = True,
) -> dict[str, Any]:
    """The price on ``day``: chain-wide and in each of ``stores`` (through price_on)."""
    product = product_by_id(session, product_id)
    body: dict[str, Any] = {"product_id": product.id, "sku": product.sku, "on": day}
    if chain:
        body["chain"] = views.amount(price_on(session, product.id, None, day))
    body["stores"] = [
        {"store": store.code, "price": views.amount(price_on(session, product.id, store.id, day))}
        for store in stores
    ]
    return body


def price_changes(
    session: Session, store: t.Store, since: date, page: Page, *, today: date,
    q: str | None = None,
) -> dict[str, Any]:
    """Products whose effective price in ``store`` on ``today`` differs from the one on
    ``since``: what to relabel. ``old_price`` is the price on ``since`` as known now."""
    if since > today:
        raise FieldError("since", f"{since} is after today ({today})")
    candidates = set(session.scalars(
        select(t.Price.product_id).where(
            t.Price.effective_from > since, t.Price.effective_from <= today,
            or_(t.Price.store_id.is_(None), t.Price.store_id == store.id),
        ).distinct()
    ))
    # Past a few hundred candidates one pass over the price list beats chunks of ids.
    wanted = None if len(candidates) > 500 else candidates
    old = prices_on(session, store.id, since, wanted)
    new = prices_on(session, store.id, today, wanted)
    changed = sorted(pid for pid in candidates if old.get(pid) != new.get(pid))
    statement = select(t.Product.id, t.Product.sku).where(visible_products(store.id))
    search = product_search(q)
    if search is not None:
        statement = statement.where(search)
    keys: list[tuple[str, str, uuid.UUID]] = []
    for start in range(0, len(changed), 500):
        part = changed[start : start + 500]
        keys.extend((row.sku or "", str(row.id), row.id)
                    for row in session.execute(statement.where(t.Product.id.in_(part))))
    keys.sort()
    page_ids = [key[2] for key in page.slice(keys)]
    found = {p.id: p for p in session.scalars(select(t.Product).where(t.Product.id.in_(page_ids)))}
    shown = [found[product_id] for product_id in page_ids]
    codes = barcodes_of(session, [p.id for p in shown])
    items = [
        {"product_id": p.id, "sku": p.sku, "name": p.name, "barcodes": codes.get(p.id, []),
         "old_price": views.amount(old.get(p.id)), "new_price": views.amount(new.get(p.id))}
        for p in shown
    ]
    body = page.body(items, len(keys))
    body.update({"store": store.code, "since": since, "until": today})
    return body
