"""What every negocio endpoint shares: roles, store scope, look-ups, JSON and errors.

Roles: writes need ``negocio`` (or ``admin``); reads also admit ``deposito``. A caller
scoped to a store (a store-scoped user) sees and writes only that store's documents, and
cannot change chain-wide data (pricing rules, prices, the inflation index).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.identity import find_store
from central.kit.auth import check_store, require
from shared.db import tables as t
from shared.domain.cuit import normalize_cuit
from shared.domain.enums import Role
from shared.domain.errors import Forbidden, InvalidCuit, MinimarketError, ValidationError
from shared.domain.invoices import document_label
from shared.domain.jsonout import dumps
from shared.domain.numbers import cents_to_amount
from shared.security.tokens import Principal
from shared.services.catalog import find_product, resolve_merged
from shared.services.invoices import InvalidDocument
from shared.settings import business_day

T = TypeVar("T")

Reader = Annotated[Principal, Depends(require(Role.NEGOCIO, Role.DEPOSITO))]
Writer = Annotated[Principal, Depends(require(Role.NEGOCIO))]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]


class FieldError(ValidationError):
    """A request value that is well-formed but wrong (an unknown product, say)."""

    def __init__(self, field: str, message: str) -> None:
        self.problems = [(field, message)]
        super().__init__(f"{field}: {message}")


def request_error(field: str, message: str) -> RequestValidationError:
    """For an endpoint's own checks: the same 422 shape as pydantic's."""
    return _as_request_error([(field, message)])


def _as_request_error(problems: Sequence[tuple[str, str]]) -> RequestValidationError:
    return RequestValidationError([
        {"loc": tuple(field.split(".")), "msg": message, "type": "value_error"}
        for field, message in problems
    ])


async def read(request: Request, function: Callable[..., T], *args: Any) -> T:
    try:
        return await request.app.state.central.database.read(function, *args)
    except (FieldError, InvalidDocument) as error:
        raise _as_request_error(error.problems) from None


async def write(
    request: Request, principal: Principal, function: Callable[..., T], *args: Any
) -> T:
    """``function(session, recorder, *args)`` in one transaction, as the caller."""
    database = request.app.state.central.database
    try:
        return await database.write(principal.user_id, function, *args)
    except (FieldError, InvalidDocument) as error:
        raise _as_request_error(error.problems) from None


def json_response(data: Any, status_code: int = 200) -> Response:
    """JSON with amounts written exactly (two decimals from cents, never a float)."""
    return Response(dumps(data), status_code=status_code, media_type="application/json")


def amount(cents: int | None) -> Any:
    return None if cents is None else cents_to_amount(cents)


def page_of(items: list[Any], total: int, page: int, size: int, **extra: Any) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "size": size, **extra}


def today() -> date:
    """The business day in Buenos Aires."""
    return business_day(datetime.now(UTC))


def require_chain_wide(principal: Principal) -> None:
    if principal.store_id is not None:
        raise Forbidden("chain-wide changes need a credential that is not scoped to a store")


def store_for(session: Session, principal: Principal, code: str, *, field: str | None) -> t.Store:
    """The store named by ``code``, checked against the caller's scope.

    In a request body (``field`` given) an unknown store is a 422 naming the field; in
    a query it is a 404, as for the deposito agent's stock.
    """
    try:
        store = find_store(session, code)
    except MinimarketError as error:
        if field is None:
            raise
        raise FieldError(field, str(error)) from None
    check_store(principal, store.id)
    return store


def store_filter(session: Session, principal: Principal, code: str | None) -> uuid.UUID | None:
    """A list's store filter: the caller's own store when scoped, else the one asked for."""
    if code:
        return store_for(session, principal, code, field=None).id
    return principal.store_id


def supplier_names(
    session: Session, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str | None]:
    wanted = {supplier_id for supplier_id in ids if supplier_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(t.Supplier.id, t.Supplier.name).where(t.Supplier.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def store_codes(session: Session) -> dict[uuid.UUID, str | None]:
    return dict(session.execute(select(t.Store.id, t.Store.code)).all())


def find_supplier(session: Session, ref: str) -> t.Supplier | None:
    """A supplier by id or by CUIT (written any usual way); a merged one leads to its target."""
    text = ref.strip()
    supplier: t.Supplier | None
    try:
        supplier = session.get(t.Supplier, uuid.UUID(text))
    except ValueError:
        try:
            cuit = normalize_cuit(text)
        except InvalidCuit:
            return None
        supplier = session.scalars(
            select(t.Supplier).where(t.Supplier.cuit == cuit, t.Supplier.deleted.is_(False))
            .order_by(t.Supplier.id)
        ).first()
    seen: set[uuid.UUID] = set()
    while supplier is not None and supplier.merged_into is not None and supplier.id not in seen:
        seen.add(supplier.id)
        supplier = session.get(t.Supplier, supplier.merged_into)
    return None if supplier is None or supplier.deleted else supplier


def supplier_for(session: Session, ref: str, *, field: str) -> t.Supplier:
    supplier = find_supplier(session, ref)
    if supplier is None:
        raise FieldError(field, f"no supplier with id or CUIT {ref!r}")
    return supplier


def product_for(session: Session, ref: str, *, field: str) -> t.Product:
    """A product by id, SKU or barcode; an unknown one is a 422 naming ``field``."""
    text = ref.strip()
    try:
        product = session.get(t.Product, uuid.UUID(text))
    except ValueError:
        try:
            return find_product(session, text).product
        except MinimarketError as error:
            raise FieldError(field, str(error)) from None
    if product is None or product.deleted:
        raise FieldError(field, f"no product with id {text}")
    return resolve_merged(session, product)


def document_of(invoice: t.SupplierInvoice | None) -> str | None:
    """``"Factura A 00003-00001234"``, or None while the record lacks a part."""
    if invoice is None:
        return None
    code, point_of_sale, number = invoice.afip_code, invoice.point_of_sale, invoice.number
    if code is None or point_of_sale is None or number is None:
        return None
    return document_label(code, point_of_sale, number)


def product_summary(product: t.Product | None) -> dict[str, Any] | None:
    if product is None:
        return None
    return {"id": product.id, "sku": product.sku, "name": product.name}
