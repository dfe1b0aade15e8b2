"""What to relabel (``price_changes``) against the price rule applied on both dates.

The database picks the changed products in one ranked pass; the reference here is
:func:`prices_on` on ``since`` and on ``today`` for every product with an entry between
them, ordered by sku and id — on random price lists with store and chain-wide entries,
equal dates, ties broken by the operation order, prices set back to what they were,
products with no earlier price, merged and archived products, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.deposito.service.paging import Page
from central.deposito.service.prices import price_changes
from shared.db import tables as t
from shared.services.catalog import prices_on
from shared.services.stock import visible_products

TODAY = date(2026, 6, 30)
STORES = [uuid.UUID(int=1), uuid.UUID(int=2)]
PRODUCTS = [uuid.UUID(int=1000 + 37 * n) for n in range(40)]


def seed(session: Session, rng: random.Random) -> None:
    for n, store_id in enumerate(STORES):
        session.add(t.Store(id=store_id, code=f"S{n + 1}", name=f"Sucursal {n + 1}"))
    for n, product_id in enumerate(PRODUCTS):
        session.add(t.Product(
            id=product_id, sku=rng.choice([f"{n:03d}", f"A{n}", f"a{n}", f"Ñ{n}", None]),
            name=f"Producto {n}", archived=n % 13 == 0,
            merged_into=PRODUCTS[0] if n % 17 == 5 else None))
    for n in range(300):
        session.add(t.Price(
            id=uuid.uuid4(), op_id=uuid.UUID(int=rng.randint(1, 2**64)),
            hlc=rng.randint(1, 40), device_id=uuid.UUID(int=rng.randint(1, 3)),
            product_id=rng.choice(PRODUCTS),
            store_id=rng.choice([None, None, *STORES]),
            price_cents=rng.choice([1000, 1000, 1250, 1500]),
            effective_from=TODAY - timedelta(days=rng.randint(-3, 40))))


def expected(session: Session, store: t.Store, since: date) -> list[tuple[uuid.UUID, int | None,
                                                                      int]]:
    scope = (t.Price.store_id.is_(None)) | (t.Price.store_id == store.id)
    candidates = set(session.scalars(select(t.Price.product_id).where(
        t.Price.effective_from > since, t.Price.effective_from <= TODAY, scope)))
    old, new = prices_on(session, store.id, since), prices_on(session, store.id, TODAY)
    changed = {pid for pid in candidates if old.get(pid) != new.get(pid)}
    keys = sorted((row.sku or "", str(row.id), row.id) for row in session.execute(
        select(t.Product.id, t.Product.sku).where(visible_products(store.id)))
        if row.id in changed)
    return [(key[2], old.get(key[2]), new[key[2]]) for key in keys]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_price_changes_follow_the_price_rule_on_both_dates(make_engine, backend):
    engine = make_engine(backend)
    rng = random.Random(5)
    with Session(engine) as session, session.begin():
        seed(session, rng)
        session.flush()
        for store in session.scalars(select(t.Store)):
            for days in (0, 1, 7, 20, 45):
                since = TODAY - timedelta(days=days)
                want = expected(session, store, since)
                if days == 7:
                    assert want  # the drawn list has something to relabel
                for page in (Page(0, 50), Page(0, 7), Page(7, 7)):
                    body = price_changes(session, store, since, page, today=TODAY)
                    shown = [(item["product_id"],
                              None if item["old_price"] is None else int(item["old_price"] * 100),
                              int(item["new_price"] * 100)) for item in body["items"]]
                    assert (shown, body["total"]) == (page.slice(want), len(want))
