"""Stock across stores, critical stock, a product's ledger history, and transfers."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select
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
from central.deposito.schemas import TransferIn
from central.deposito.service import movements, stock
from central.deposito.service.paging import Page
from central.identity import find_store
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.numbers import milli_to_quantity

router = APIRouter(route_class=DashboardRoute, include_in_schema=False)
KIND_LABELS = {
    "intake": "Ingreso", "sale": "Venta", "customer_return": "Devolución de cliente",
    "supplier_return": "Devolución a proveedor", "adjustment": "Ajuste",
    "transfer_out": "Transferencia enviada", "transfer_in": "Transferencia recibida",
    "waste": "Merma", None: "Conteo",
}


def _page(number: int) -> Page:
    return Page(offset=(number - 1) * PAGE_SIZE, size=PAGE_SIZE)


@router.get("/stock")
async def stock_page(
    request: Request, q: str | None = None, category: str | None = None,
    supplier: str | None = None, store: str | None = None, below: str | None = None,
    page: int | None = None,
) -> Response:
    who = await viewer(request, "stock")
    number = page_number(page)
    try:
        supplier_id = uuid.UUID(supplier) if supplier else None
    except ValueError:
        supplier_id = None

    def run(session: Session) -> dict[str, Any]:
        chosen = [find_store(session, store)] if store else lookups.store_rows(session)
        return {
            "levels": stock.levels_across_stores(
                session, _page(number), chosen, below_minimum=bool(below),
                q=(q or "").strip()[:100] or None, category=category or None,
                supplier_id=supplier_id),
            **lookups.filters(session),
        }

    data = await read(request, run)
    return await render(request, who, "stock.html", title="Stock", **data,
                        q=q or "", category=category or "", supplier=supplier or "",
                        store=store or "", below=bool(below), page=number, size=PAGE_SIZE)


@router.get("/stock/critico")
async def critical_page(request: Request, store: str | None = None, q: str | None = None,
                        page: int | None = None) -> Response:
    who = await viewer(request, "stock")
    number = page_number(page)

    def run(session: Session) -> dict[str, Any]:
        stores = lookups.store_rows(session)
        chosen = find_store(session, store) if store else (stores[0] if stores else None)
        body = None
        if chosen is not None:
            body, _total = stock.critical_stock(session, chosen, _page(number),
                                                q=(q or "").strip()[:100] or None)
        return {"stores": lookups.stores(session), "critical": body,
                "store": chosen.code if chosen else ""}

    data = await read(request, run)
    return await render(request, who, "critical.html", title="Stock crítico", **data,
                        q=q or "", page=number, size=PAGE_SIZE)


@router.get("/stock/producto/{product_id}")
async def history_page(request: Request, product_id: uuid.UUID, store: str | None = None,
                       page: int | None = None) -> Response:
    who = await viewer(request, "stock")
    number = page_number(page)

    def run(session: Session) -> dict[str, Any]:
        chosen = find_store(session, store) if store else None
        history = stock.product_history(session, product_id, _page(number), store=chosen)
        product = session.get(t.Product, product_id)
        # plain values: ORM rows expire when the read transaction ends
        return {"history": history, "product": {"name": product.name} if product else None,
                "stores": lookups.stores(session)}

    data = await read(request, run)
    return await render(request, who, "history.html", title="Historial del producto", **data,
                        store=store or "", page=number, size=PAGE_SIZE, kinds=KIND_LABELS)


# --- transfers ------------------------------------------------------------------------------


def recent_transfers(session: Session, number: int) -> dict[str, Any]:
    """Transfers, newest first: one row per line (its outgoing leg)."""
    m = t.StockMovement
    query = select(m.transfer_id, m.store_id, m.product_id, m.qty_milli, m.occurred_at,
                   m.reference).where(m.kind == int(MovementKind.TRANSFER_OUT),
                                      m.transfer_id.is_not(None))  # its partial index
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(m.occurred_at.desc(), m.id.desc())
                           .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    codes = dict(session.execute(select(t.Store.id, t.Store.code)).all())
    ids = {row.transfer_id for row in rows if row.transfer_id}
    targets = dict(session.execute(
        select(m.transfer_id, m.store_id).where(
            m.transfer_id.in_(ids), m.transfer_id.is_not(None),
            m.kind == int(MovementKind.TRANSFER_IN))
    ).all()) if ids else {}
    products = dict(session.execute(
        select(t.Product.id, t.Product.name).where(
            t.Product.id.in_({row.product_id for row in rows}))
    ).all()) if rows else {}
    items = [{"from": codes.get(row.store_id), "to": codes.get(targets.get(row.transfer_id)),
              "product": products.get(row.product_id), "product_id": row.product_id,
              "quantity": milli_to_quantity(-row.qty_milli), "at": row.occurred_at,
              "reference": row.reference} for row in rows]
    return {"items": items, "total": int(total)}


@router.get("/transferencias")
async def transfers_page(request: Request, page: int | None = None) -> Response:
    who = await viewer(request, "transfers")
    number = page_number(page)

    def run(session: Session) -> dict[str, Any]:
        return {"transfers": recent_transfers(session, number),
                "stores": lookups.stores(session)}

    data = await read(request, run)
    return await render(request, who, "transfers.html", title="Transferencias", **data,
                        page=number, size=PAGE_SIZE)


@router.post("/transferencias")
async def transfer_post(request: Request) -> Response:
    who, form = await poster(request, "transfers")
    try:
        quantity = Decimal(field(form, "quantity").replace(",", "."))
    except InvalidOperation:
        raise FieldError("quantity", "no es un número") from None
    body = TransferIn(
        from_store=field(form, "from_store"), to_store=field(form, "to_store"),
        lines=[{"product": field(form, "product"), "quantity": quantity}],
        reference=field(form, "reference") or None,
    )
    result = await write(request, who, movements.transfer, body, scope=None)
    return await done(request, who, f"Transferencia registrada: {result['from_store']} → "
                                    f"{result['to_store']}.", "/transferencias")
