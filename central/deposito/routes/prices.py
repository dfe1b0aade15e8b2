"""Price entries, price history, current prices, and price changes for relabelling."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from central.deposito.schemas import PriceCreate
from central.deposito.service import prices
from central.deposito.web import (
    Paging,
    Reader,
    Search,
    Writer,
    json_response,
    read,
    today,
    write,
)
from central.identity import find_store
from central.kit.auth import check_store
from shared.db import tables as t

router = APIRouter(prefix="/api/deposito", tags=["deposito: prices"])
StoreQuery = Annotated[str | None, Query(max_length=32, description="a store code")]


@router.post("/products/{product_id}/prices", status_code=201, response_class=Response)
async def set_price(
    request: Request, principal: Writer, product_id: uuid.UUID, body: PriceCreate
) -> Response:
    """Append a shelf price for one store (``store``) or chain-wide, from a date on."""
    entry = await write(request, principal, prices.set_price, product_id, body, today=today())
    return json_response(entry, 201)


@router.get("/products/{product_id}/prices", response_class=Response)
async def price_history(
    request: Request, principal: Reader, product_id: uuid.UUID, page: Paging,
    store: StoreQuery = None,
) -> Response:
    """Every price entry of a product, newest effective date first."""

    def run(session):  # type: ignore[no-untyped-def]
        only = None
        if store is not None:
            only = find_store(session, store).id
            check_store(principal, only)
        return prices.price_history(session, product_id, page, only_store=only,
                                    scoped_to=principal.store_id)

    return json_response(await read(request, run))


@router.get("/products/{product_id}/prices/current", response_class=Response)
async def current_price(
    request: Request, principal: Reader, product_id: uuid.UUID, store: StoreQuery = None,
    on: date | None = None,
) -> Response:
    """The price on ``on`` (today by default): in ``store``, or chain-wide and in every
    store. Store-scoped callers see their own store."""

    def run(session):  # type: ignore[no-untyped-def]
        if store is not None:
            found = [find_store(session, store)]
            check_store(principal, found[0].id)
        elif principal.store_id is not None:
            found = [session.get(t.Store, principal.store_id)]
        else:
            found = list(session.scalars(
                select(t.Store).where(t.Store.deleted.is_(False)).order_by(t.Store.code)))
        return prices.current_prices(session, product_id, [s for s in found if s is not None],
                                     day=on or today())

    return json_response(await read(request, run))


@router.get("/price-changes", response_class=Response)
async def price_changes(
    request: Request, principal: Reader, page: Paging,
    store: Annotated[str, Query(max_length=32)], since: date, q: Search = None,
) -> Response:
    """Products whose price in ``store`` today differs from its price on ``since``, with
    the old and new price: the shelf labels to reprint."""

    def run(session):  # type: ignore[no-untyped-def]
        found = find_store(session, store)
        check_store(principal, found.id)
        return prices.price_changes(session, found, since, page, today=today(), q=q)

    return json_response(await read(request, run))
