"""Catalog: products with their barcodes, suppliers, price lists, and the provisional
products stores made at the counter, to promote or merge (central.deposito's use cases)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from central.dashboard.pages import lookups
from central.dashboard.web import (
    PAGE_SIZE,
    DashboardRoute,
    done,
    field,
    page_number,
    poster,
    read,
    render,
    viewer,
    write,
)
from central.deposito.errors import FieldError
from central.deposito.schemas import ProductUpdate
from central.deposito.service import merging, prices, products, suppliers
from central.deposito.service.lookups import resolve_product
from central.deposito.service.paging import Page
from central.deposito.web import today
from central.identity import find_store

router = APIRouter(route_class=DashboardRoute, include_in_schema=False)
VIEWS = {"productos": "Productos", "provisorios": "Provisorios (de las sucursales)",
         "proveedores": "Proveedores", "precios": "Listas de precios"}


@router.get("/catalogo")
async def catalog_page(request: Request, vista: str = "productos", q: str | None = None,
                       store: str | None = None, since: date | None = None,
                       page: int | None = None) -> Response:
    who = await viewer(request, "catalog")
    view = vista if vista in VIEWS else "productos"
    number = page_number(page)
    chunk = Page(offset=(number - 1) * PAGE_SIZE, size=PAGE_SIZE)
    search = (q or "").strip()[:100] or None
    day = today()
    start = since or day - timedelta(days=7)

    def run(session: Session) -> dict[str, Any]:
        data: dict[str, Any] = {"stores": lookups.stores(session)}
        if view == "productos":
            data["listing"] = products.list_products(session, chunk, q=search)
        elif view == "provisorios":
            data["listing"] = products.list_products(session, chunk, q=search, provisional=True)
        elif view == "proveedores":
            data["listing"] = suppliers.list_suppliers(session, chunk, q=search)
        else:
            code = store or (data["stores"][0][0] if data["stores"] else None)
            data["store"] = code
            data["listing"] = prices.price_changes(
                session, find_store(session, code), start, chunk, today=day, q=search,
            ) if code else {"items": [], "total": 0}
        return data

    data = await read(request, run)
    return await render(request, who, "catalog.html", title="Catálogo", views=VIEWS,
                        view=view, q=q or "", since=start, page=number, size=PAGE_SIZE,
                        **data)


def _product_id(session: Session, ref: str) -> uuid.UUID:
    from central.deposito.schemas import ProductRef

    product, _ = resolve_product(session, ProductRef(product=ref), "into")
    return product.id


@router.post("/catalogo/productos/{product_id}/promover")
async def promote(request: Request, product_id: uuid.UUID) -> Response:
    who, form = await poster(request, "catalog")
    changes: dict[str, Any] = {}
    for name in ("sku", "name", "category"):
        if field(form, name):
            changes[name] = field(form, name)
    await write(request, who, merging.promote_product, product_id, ProductUpdate(**changes))
    return await done(request, who, "Producto promovido al catálogo: llega a todas las "
                                    "sucursales en la próxima sincronización.")


@router.post("/catalogo/productos/{product_id}/fusionar")
async def merge(request: Request, product_id: uuid.UUID) -> Response:
    who, form = await poster(request, "catalog")
    target = field(form, "into")
    if not target:
        raise FieldError("into", "indicá el SKU o código del producto existente")
    into = await read(request, _product_id, target)
    await write(request, who, merging.merge_product, product_id, into)
    return await done(request, who, f"Producto fusionado con {target}.")


@router.post("/catalogo/codigos")
async def add_barcode(request: Request) -> Response:
    who, form = await poster(request, "catalog")
    from central.deposito.schemas import BarcodeIn

    code = BarcodeIn(code=field(form, "code")).code
    product_id = await read(request, _product_id, field(form, "product"))
    created = await write(request, who, products.add_barcode, product_id, code)
    return await done(request, who, "Código agregado." if created else "El producto ya tenía "
                                                                       "ese código.")
