"""Price entries: set a price (a store's or chain-wide) from a date, history, current
prices, and the price changes a store must relabel since a date.

Prices are a ledger (docs/architecture.md): every entry is appended, none is edited.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select
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
from shared.services.catalog import price_on, product_search
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


def _changed_prices(store_id: uuid.UUID, since: date, today: date) -> Any:
    """A subquery of ``(product_id, old_cents, new_cents)``: the products with a price
    entry after ``since`` whose price on ``today`` differs from the one on ``since``
    (:func:`prices_on`'s rule on both dates, from one pass over their entries)."""
    price = t.Price
    scope = or_(price.store_id.is_(None), price.store_id == store_id)
    candidates = (select(price.product_id)
                  .where(price.effective_from > since, price.effective_from <= today, scope))
    ties = (case((price.store_id.is_(None), 0), else_=1).desc(), price.hlc.desc(),
            price.device_id.desc(), price.op_id.desc())
    known_then = case((price.effective_from <= since, 1), else_=0)
    ranked = select(
        price.product_id, price.price_cents, known_then.label("known_then"),
        func.row_number().over(partition_by=price.product_id,
                               order_by=(price.effective_from.desc(), *ties)).label("now"),
        func.row_number().over(partition_by=price.product_id,
                               order_by=(known_then.desc(), price.effective_from.desc(),
                                         *ties)).label("then"),
    ).where(price.effective_from <= today, scope, price.product_id.in_(candidates)).subquery()
    old = func.max(case((and_(ranked.c.then == 1, ranked.c.known_then == 1),
                         ranked.c.price_cents)))
    new = func.max(case((ranked.c.now == 1, ranked.c.price_cents)))
    return (select(ranked.c.product_id, old.label("old_cents"), new.label("new_cents"))
            .where(or_(ranked.c.now == 1, ranked.c.then == 1))
            .group_by(ranked.c.product_id)
            .having(old.is_distinct_from(new))
            .subquery())


def price_changes(
    session: Session, store: t.Store, since: date, page: Page, *, today: date,
    q: str | None = None,
) -> dict[str, Any]:
    """Products whose effective price in ``store`` on ``today`` differs from the one on
    ``since``: what to relabel. ``old_price`` is the price on ``since`` as known now.

    The database picks, counts and pages the changed products, by sku in code point
    order (whatever the database's collation) and id; only the page's are read whole."""
    if since > today:
        raise FieldError("since", f"{since} is after today ({today})")
    changes = _changed_prices(store.id, since, today)
    statement = (select(t.Product.id)
                 .join(changes, changes.c.product_id == t.Product.id)
                 .where(visible_products(store.id)))
    search = product_search(q)
    if search is not None:
        statement = statement.where(search)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    sku: Any = func.coalesce(t.Product.sku, "")
    if session.connection().dialect.name == "postgresql":
        sku = sku.collate("C")  # code point order, as SQLite's BINARY and Python's sort
    page_ids = list(session.scalars(statement.order_by(sku, t.Product.id)
                                    .offset(page.offset).limit(page.size)))
    prices = {row.product_id: row for row in session.execute(
        select(changes).where(changes.c.product_id.in_(page_ids)))} if page_ids else {}
    found = {p.id: p for p in session.scalars(select(t.Product).where(t.Product.id.in_(page_ids)))}
    shown = [found[product_id] for product_id in page_ids]
    codes = barcodes_of(session, [p.id for p in shown])
    items = [
        {"product_id": p.id, "sku": p.sku, "name": p.name, "barcodes": codes.get(p.id, []),
         "old_price": views.amount(prices[p.id].old_cents),
         "new_price": views.amount(prices[p.id].new_cents)}
        for p in shown
    ]
    body = page.body(items, int(total))
    body.update({"store": store.code, "since": since, "until": today})
    return body
