"""Products, barcodes, look-ups, promotion and merge of provisional products."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from central.deposito.schemas import BarcodeIn, ProductCreate, ProductMerge, ProductUpdate
from central.deposito.service import merging, products
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
    today,
    write,
)

router = APIRouter(prefix="/api/deposito", tags=["deposito: products"])


async def _detail(request: Request, product_id: uuid.UUID, status_code: int = 200) -> Response:
    body = await read(request, products.product_detail, product_id, today=today())
    return json_response(body, status_code)


@router.get("/products", response_class=Response)
async def list_products(
    request: Request, _principal: Reader, page: Paging, q: Search = None,
    provisional: bool | None = None, category: Annotated[str | None, Query(max_length=120)] = None,
    supplier_id: uuid.UUID | None = None, archived: ArchivedFilter = "no",
) -> Response:
    """The catalog, by sku; ``q`` matches every word in name, sku or a barcode, accents
    and case aside."""
    return await cached_json(request, CATALOG, query_key(request), lambda: read(
        request, products.list_products, page, q=q, provisional=provisional,
        category=category, supplier_id=supplier_id, archived=archived,
    ))


@router.post("/products", status_code=201, response_class=Response)
async def create_product(request: Request, principal: Writer, body: ProductCreate) -> Response:
    """A product with its barcodes and, optionally, a chain-wide price from today.
    A sku or barcode another product holds is a 409."""
    product_id = await write(request, principal, products.create_product, body, today=today())
    return await _detail(request, product_id, 201)


@router.get("/products/lookup", response_class=Response)
async def lookup(
    request: Request, _principal: Reader, code: Annotated[str, Query(min_length=1, max_length=64)]
) -> Response:
    """What a scanner read: a sku, a barcode, or a scale label (with its weight or price)."""
    return await cached_json(request, CATALOG, query_key(request),
                             lambda: read(request, products.lookup, code))


@router.get("/products/{product_id}", response_class=Response)
async def get_product(request: Request, _principal: Reader, product_id: uuid.UUID) -> Response:
    day = today()
    return await cached_json(
        request, CATALOG, f"{query_key(request)}@{day}",
        lambda: read(request, products.product_detail, product_id, today=day),
    )


@router.patch("/products/{product_id}", response_class=Response)
async def update_product(
    request: Request, principal: Writer, product_id: uuid.UUID, body: ProductUpdate
) -> Response:
    """Change the fields sent; ``null`` clears an optional one."""
    await write(request, principal, products.update_product, product_id, body)
    return await _detail(request, product_id)


@router.post("/products/{product_id}/archive", response_class=Response)
async def archive_product(request: Request, principal: Writer, product_id: uuid.UUID) -> Response:
    """Hide a product from the catalog and stock lists; its rows stay (never purged)."""
    await write(request, principal, products.set_archived, product_id, True)
    return await _detail(request, product_id)


@router.post("/products/{product_id}/restore", response_class=Response)
async def restore_product(request: Request, principal: Writer, product_id: uuid.UUID) -> Response:
    await write(request, principal, products.set_archived, product_id, False)
    return await _detail(request, product_id)


@router.post("/products/{product_id}/barcodes", status_code=201, response_class=Response)
async def add_barcode(
    request: Request, principal: Writer, product_id: uuid.UUID, body: BarcodeIn
) -> Response:
    """Register a barcode (201), or 200 when the product already has it; 409 when
    another product holds it."""
    created = await write(request, principal, products.add_barcode, product_id, body.code)
    return await _detail(request, product_id, 201 if created else 200)


@router.delete("/products/{product_id}/barcodes/{code}", response_class=Response)
async def remove_barcode(
    request: Request, principal: Writer, product_id: uuid.UUID, code: str
) -> Response:
    await write(request, principal, products.remove_barcode, product_id, code.strip())
    return await _detail(request, product_id)


@router.post("/products/{product_id}/promote", response_class=Response)
async def promote_product(
    request: Request, principal: Writer, product_id: uuid.UUID,
    body: Annotated[ProductUpdate | None, Body()] = None,
) -> Response:
    """A provisional product (made at a store's counter) joins the catalog, with the
    field corrections sent."""
    await write(request, principal, merging.promote_product, product_id, body or ProductUpdate())
    return await _detail(request, product_id)


@router.post("/products/{product_id}/merge", response_class=Response)
async def merge_product(
    request: Request, principal: Writer, product_id: uuid.UUID, body: ProductMerge
) -> Response:
    """Merge this provisional product into ``into``: it is archived with
    ``merged_into``, its barcodes move, its stock is reported on ``into``."""
    await write(request, principal, merging.merge_product, product_id, body.into)
    return await _detail(request, body.into)
