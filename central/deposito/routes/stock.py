"""Stock: one store's snapshot (cached), levels across stores, critical stock, and a
product's ledger history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.deposito.service import stock
from central.deposito.web import (
    STOCK_TTL,
    Paging,
    Reader,
    Search,
    cached_text,
    central,
    json_response,
    read,
    stock_namespace,
)
from central.identity import find_store
from central.kit.auth import check_store
from central.kit.metrics import CRITICAL_STOCK
from shared.db import tables as t
from shared.security.tokens import Principal
from shared.services.stock import stock_snapshot_json

router = APIRouter(prefix="/api/deposito", tags=["deposito: stock"])
StoreCode = Annotated[str, Query(max_length=32, description="a store code")]
OptionalStore = Annotated[str | None, Query(max_length=32, description="a store code")]


def _store(session: Session, principal: Principal, code: str) -> t.Store:
    store = find_store(session, code)
    check_store(principal, store.id)
    return store


def _stores(session: Session, principal: Principal, code: str | None) -> list[t.Store]:
    """The named store, or every store the caller may see (its own when store-scoped)."""
    if code is not None:
        return [_store(session, principal, code)]
    statement = select(t.Store).where(t.Store.deleted.is_(False)).order_by(t.Store.code)
    if principal.store_id is not None:
        statement = statement.where(t.Store.id == principal.store_id)
    return list(session.scalars(statement))


@router.get("/stock", response_class=Response)
async def snapshot(request: Request, principal: Reader, store: StoreCode) -> Response:
    """Every visible product's level in one store (the ``stock --json`` shape); cached
    per store and dropped on every movement, count or transfer of that store."""

    def find(session: Session) -> tuple[uuid.UUID, str]:
        found = _store(session, principal, store)
        return found.id, found.code

    store_id, code = await read(request, find)
    database = central(request).database

    async def load() -> str:
        if database.backend == "postgresql":
            # Built by PostgreSQL and awaited: 5,000 items never block the event loop.
            return await database.read_async(
                lambda session: stock.snapshot_text(session, store_id, code))
        return await read(
            request, lambda session: stock_snapshot_json(session, session.get(t.Store, store_id)))

    return await cached_text(request, stock_namespace(store_id), "snapshot", load,
                             ttl=STOCK_TTL)


@router.get("/stock/levels", response_class=Response)
async def levels(
    request: Request, principal: Reader, page: Paging, q: Search = None,
    store: OptionalStore = None, category: Annotated[str | None, Query(max_length=120)] = None,
    supplier_id: uuid.UUID | None = None, below_minimum: bool = False,
) -> Response:
    """Per product, its level in each store (or in ``store``) and in total;
    ``below_minimum`` keeps products under their minimum in one of those stores."""

    def run(session: Session):  # type: ignore[no-untyped-def]
        stores = _stores(session, principal, store)
        return stock.levels_across_stores(
            session, page, stores, below_minimum=below_minimum, q=q, category=category,
            supplier_id=supplier_id,
        )

    return json_response(await read(request, run))


@router.get("/stock/critical", response_class=Response)
async def critical(
    request: Request, principal: Reader, page: Paging, store: StoreCode, q: Search = None
) -> Response:
    """Products below their minimum in one store, most short first. Sets the
    ``minimarket_critical_stock_products{store}`` gauge."""

    def run(session: Session):  # type: ignore[no-untyped-def]
        return stock.critical_stock(session, _store(session, principal, store), page, q=q)

    body, total = await read(request, run)
    CRITICAL_STOCK.labels(store).set(total)
    return json_response(body)


@router.get("/products/{product_id}/history", response_class=Response)
async def history(
    request: Request, principal: Reader, product_id: uuid.UUID, page: Paging,
    store: OptionalStore = None,
) -> Response:
    """A product's movements and counts in ledger order (hlc, device, operation), with
    those of products merged into it. Store-scoped callers see their own store."""

    def run(session: Session):  # type: ignore[no-untyped-def]
        found = None
        if store is not None:
            found = _store(session, principal, store)
        elif principal.store_id is not None:
            found = session.get(t.Store, principal.store_id)
        return stock.product_history(session, product_id, page, store=found)

    return json_response(await read(request, run))
