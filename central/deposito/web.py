"""What the deposito routes share: roles, paging, JSON responses, the cache, errors.

Responses are written with ``shared.domain.jsonout.dumps`` (amounts keep exactly two
decimals, never through float). Cached reads store that JSON text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from central.deposito.errors import FieldError
from central.deposito.service.paging import DEFAULT_SIZE, MAX_SIZE, Page
from central.kit.auth import require
from central.kit.invalidation import CATALOG, stock_namespace  # noqa: F401 - re-exported
from central.kit.metrics import CACHE_REQUESTS
from central.kit.state import CentralState
from shared.domain.enums import Role
from shared.domain.ids import new_id
from shared.domain.jsonout import dumps
from shared.security.tokens import Principal
from shared.settings import business_day

T = TypeVar("T")
# Writes through Database.write invalidate these namespaces after commit (central/kit/
# invalidation.py); the TTLs bound how stale a read can be after a write made outside
# this process's database handle (the CLI).
CATALOG_TTL = 60
STOCK_TTL = 60

#: Catalog and stock reads: every role (store-scoped ones see their own store only).
Reader = Annotated[Principal, Depends(
    require(Role.DEPOSITO, Role.NEGOCIO, Role.CAJERO, Role.DEVICE, Role.ML_SERVICE))]
#: Catalog writes: HQ's warehouse staff (and admin).
Writer = Annotated[Principal, Depends(require(Role.DEPOSITO))]
#: Stock writes: warehouse staff, and cashiers and devices on their own store.
StoreActor = Annotated[Principal, Depends(require(Role.DEPOSITO, Role.CAJERO, Role.DEVICE))]


def paging(
    page: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    size: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None,
    offset: Annotated[int | None, Query(ge=0, le=100_000_000)] = None,
) -> Page:
    """``?page=&size=`` or ``?limit=&offset=`` (not both)."""
    if (limit is not None or offset is not None) and (page is not None or size is not None):
        raise RequestValidationError([{
            "loc": ("query", "offset"), "type": "value_error",
            "msg": "use page and size, or limit and offset, not both",
        }])
    if limit is not None or offset is not None:
        return Page(offset=offset or 0, size=limit or DEFAULT_SIZE)
    per_page = size or DEFAULT_SIZE
    return Page(offset=((page or 1) - 1) * per_page, size=per_page)


Paging = Annotated[Page, Depends(paging)]
Search = Annotated[str | None, Query(max_length=100, description="words over name, sku, barcode")]


def today() -> date:
    return business_day(datetime.now(UTC))


def central(request: Request) -> CentralState:
    state: CentralState = request.app.state.central
    return state


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(dumps(body), status_code=status_code, media_type="application/json")


@contextmanager
def field_errors() -> Iterator[None]:
    """A use case's FieldError as the same 422 shape pydantic's errors get."""
    try:
        yield
    except FieldError as error:
        loc = ("body", *error.field.split("."))
        raise RequestValidationError(
            [{"loc": loc, "msg": error.message, "type": "value_error"}]
        ) from None


async def read(request: Request, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with field_errors():
        return await central(request).database.read(function, *args, **kwargs)


async def write(
    request: Request, principal: Principal, function: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """``function(session, recorder, ...)`` in one transaction, committed on return."""
    with field_errors():
        return await central(request).database.write(
            principal.user_id, function, *args, **kwargs
        )





async def cached_json(
    request: Request, namespace: str, key: str, load: Callable[[], Awaitable[Any]],
    ttl: int = CATALOG_TTL,
) -> Response:
    """A JSON response from the cache, or from ``load`` (then cached)."""

    async def load_text() -> str:
        return dumps(await load())

    return await cached_text(request, namespace, key, load_text, ttl)


async def cached_text(
    request: Request, namespace: str, key: str, load: Callable[[], Awaitable[str]],
    ttl: int = CATALOG_TTL,
) -> Response:
    """A JSON response from the cache, or from ``load`` (JSON text, then cached).

    A write that commits while ``load`` runs bumps the namespace; the guard key written
    before loading then belongs to the old version, so the stale body is not stored.
    Misses of one key in this process share one load, unless a write committed since
    it started (its rows might predate the write; the caller may have made it).
    """
    state = central(request)
    text = await state.cache.get(namespace, key)
    if isinstance(text, str):
        CACHE_REQUESTS.labels("hit").inc()
        return Response(text, media_type="application/json")
    CACHE_REQUESTS.labels("miss").inc()
    flight = state.loading.get((namespace, key))
    if flight is not None and flight[0] == state.generation:
        try:
            return Response(await asyncio.shield(flight[1]), media_type="application/json")
        except asyncio.CancelledError:
            if not flight[1].cancelled():
                raise  # this request was cancelled, not the load it waited for
            body = await _load_and_store(state, namespace, key, load, ttl)
            return Response(body, media_type="application/json")
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    state.loading[(namespace, key)] = (state.generation, future)
    try:
        body = await _load_and_store(state, namespace, key, load, ttl)
    except asyncio.CancelledError:
        future.cancel()
        raise
    except Exception as error:
        future.set_exception(error)
        future.exception()  # marked retrieved: nobody may be waiting
        raise
    finally:
        if state.loading.get((namespace, key), (0, None))[1] is future:
            del state.loading[(namespace, key)]
    future.set_result(body)
    return Response(body, media_type="application/json")


async def _load_and_store(
    state: CentralState, namespace: str, key: str, load: Callable[[], Awaitable[str]],
    ttl: int,
) -> str:
    guard = new_id().hex
    await state.cache.set(namespace, f"guard:{key}", guard, ttl=30)
    body = await load()
    if await state.cache.get(namespace, f"guard:{key}") == guard:
        await state.cache.set(namespace, key, body, ttl=ttl)
    return body


def query_key(request: Request) -> str:
    """The path and its query parameters in a stable order: one cache key per page."""
    params = sorted(request.query_params.multi_items())
    return request.url.path + "?" + "&".join(f"{k}={v}" for k, v in params)
