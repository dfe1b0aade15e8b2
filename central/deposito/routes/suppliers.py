"""Suppliers (CUIT checked with its check digit), promotion and merge of provisional ones."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from central.deposito.schemas import SupplierCreate, SupplierMerge, SupplierUpdate
from central.deposito.service import merging, suppliers
from central.deposito.service.products import ArchivedFilter
from central.deposito.web import (
    CATALOG,
    Paging,
    Reader,
    Search,
    Writer,
    cached_json,
    json_response,
    query_key,
    read,
    write,
)

router = APIRouter(prefix="/api/deposito", tags=["deposito: suppliers"])


async def _detail(request: Request, supplier_id: uuid.UUID, status_code: int = 200) -> Response:
    body = await read(request, suppliers.supplier_detail, supplier_id)
    return json_response(body, status_code)


@router.get("/suppliers", response_class=Response)
async def list_suppliers(
    request: Request, _principal: Reader, page: Paging, q: Search = None,
    provisional: bool | None = None, archived: ArchivedFilter = "no",
) -> Response:
    """Suppliers by name; ``q`` matches name words (accents aside) or CUIT digits."""
    return await cached_json(request, CATALOG, query_key(request), lambda: read(
        request, suppliers.list_suppliers, page, q=q, provisional=provisional, archived=archived,
    ))


@router.post("/suppliers", status_code=201, response_class=Response)
async def create_supplier(request: Request, principal: Writer, body: SupplierCreate) -> Response:
    """A supplier; a CUIT with a wrong check digit is a 422, one already held a 409."""
    supplier_id = await write(request, principal, suppliers.create_supplier, body)
    return await _detail(request, supplier_id, 201)


@router.get("/suppliers/{supplier_id}", response_class=Response)
async def get_supplier(request: Request, _principal: Reader, supplier_id: uuid.UUID) -> Response:
    return await cached_json(request, CATALOG, query_key(request),
                             lambda: read(request, suppliers.supplier_detail, supplier_id))


@router.patch("/suppliers/{supplier_id}", response_class=Response)
async def update_supplier(
    request: Request, principal: Writer, supplier_id: uuid.UUID, body: SupplierUpdate
) -> Response:
    await write(request, principal, suppliers.update_supplier, supplier_id, body)
    return await _detail(request, supplier_id)


@router.post("/suppliers/{supplier_id}/archive", response_class=Response)
async def archive_supplier(
    request: Request, principal: Writer, supplier_id: uuid.UUID
) -> Response:
    await write(request, principal, suppliers.set_archived, supplier_id, True)
    return await _detail(request, supplier_id)


@router.post("/suppliers/{supplier_id}/restore", response_class=Response)
async def restore_supplier(
    request: Request, principal: Writer, supplier_id: uuid.UUID
) -> Response:
    await write(request, principal, suppliers.set_archived, supplier_id, False)
    return await _detail(request, supplier_id)


@router.post("/suppliers/{supplier_id}/promote", response_class=Response)
async def promote_supplier(
    request: Request, principal: Writer, supplier_id: uuid.UUID,
    body: Annotated[SupplierUpdate | None, Body()] = None,
) -> Response:
    await write(request, principal, merging.promote_supplier, supplier_id,
                body or SupplierUpdate())
    return await _detail(request, supplier_id)


@router.post("/suppliers/{supplier_id}/merge", response_class=Response)
async def merge_supplier(
    request: Request, principal: Writer, supplier_id: uuid.UUID, body: SupplierMerge
) -> Response:
    """Merge this provisional supplier into ``into``: archived with ``merged_into``; its
    products and supplier codes move to ``into``."""
    await write(request, principal, merging.merge_supplier, supplier_id, body.into)
    return await _detail(request, body.into)
