"""HTTP: supplier invoices and credit notes, and each product's cost from them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from central.kit.metrics import PRODUCTS_RECEIVED
from central.negocio import invoice_views, invoices
from central.negocio.common import (
    FieldError,
    PageNo,
    PageSize,
    Reader,
    Writer,
    amount,
    json_response,
    product_for,
    read,
    write,
)
from central.negocio.costs import cost_report
from central.negocio.schemas import InvoiceIn, LineMatchIn
from shared.domain.enums import DocumentKind, InvoiceStatus
from shared.domain.errors import NotFound
from shared.domain.numbers import milli_to_quantity
from shared.security.tokens import Principal

router = APIRouter(prefix="/api/negocio", tags=["negocio: invoices"])
InvoiceId = Annotated[uuid.UUID, Path()]


async def _detail(request: Request, principal: Principal, invoice_id: uuid.UUID) -> Any:
    return await read(request, invoice_views.invoice_detail, principal, invoice_id)


@router.post("/invoices", status_code=201)
async def create_invoice(request: Request, principal: Writer, body: InvoiceIn) -> Response:
    """Enter a supplier invoice, credit or debit note from structured data (a draft)."""
    invoice_id = await write(request, principal, invoices.create_invoice, principal, body)
    return json_response(await _detail(request, principal, invoice_id), 201)


@router.get("/invoices")
async def list_invoices(
    request: Request, principal: Reader,
    supplier: Annotated[str | None, Query(max_length=64, description="Id or CUIT")] = None,
    store: Annotated[str | None, Query(max_length=32)] = None,
    status: InvoiceStatus | None = None,
    kind: DocumentKind | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Supplier, CUIT or number")] = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Response:
    """Documents, newest first; a store-scoped caller sees its own store's."""
    def run(session: Session) -> dict[str, Any]:
        return invoice_views.list_invoices(
            session, principal, supplier=supplier, store=store, status=status, kind=kind,
            date_from=date_from, date_to=date_to, search=q, page=page, size=size)

    return json_response(await read(request, run))


@router.get("/invoices/{invoice_id}")
async def show_invoice(request: Request, principal: Reader, invoice_id: InvoiceId) -> Response:
    """The document with its lines, matches, reconciliation warnings and confirmation."""
    return json_response(await _detail(request, principal, invoice_id))


@router.put("/invoices/{invoice_id}")
async def replace_invoice(
    request: Request, principal: Writer, invoice_id: InvoiceId, body: InvoiceIn
) -> Response:
    """Correct a draft (header and lines); a confirmed document is immutable (409)."""
    await write(request, principal, invoices.replace_invoice, principal, invoice_id, body)
    return json_response(await _detail(request, principal, invoice_id))


@router.patch("/invoices/{invoice_id}/lines/{line_no}")
async def match_line(
    request: Request, principal: Writer, invoice_id: InvoiceId,
    line_no: Annotated[int, Path(ge=1, le=500)], body: LineMatchIn,
) -> Response:
    """Match one line of a draft to a product (id, SKU or barcode), or unmatch it."""
    await write(request, principal, invoices.match_line, principal, invoice_id, line_no, body)
    return json_response(await _detail(request, principal, invoice_id))


@router.delete("/invoices/{invoice_id}", status_code=204)
async def delete_invoice(request: Request, principal: Writer, invoice_id: InvoiceId) -> Response:
    """Discard a draft; a confirmed document stays (409)."""
    await write(request, principal, invoices.delete_invoice, principal, invoice_id)
    return Response(status_code=204)


@router.post("/invoices/{invoice_id}/confirm")
async def confirm_invoice(request: Request, principal: Writer, invoice_id: InvoiceId) -> Response:
    """Confirm: stock movements, last costs and supplier codes in one transaction.

    409 when this document (CUIT, type code, point of sale, number) is already
    confirmed; 422 listing the lines that are not matched to a product.
    """
    result, store_code = await write(request, principal, invoices.confirm, principal, invoice_id)
    if result.units_received_milli > 0:
        PRODUCTS_RECEIVED.labels(store_code or str(result.store_id)).inc(
            result.units_received_milli / 1000)
    return json_response({
        "confirmation_id": result.confirmation_id, "invoice_id": result.invoice_id,
        "invoice_key": result.invoice_key, "store": store_code,
        "kind": result.document.kind, "confirmed_at": result.confirmed_at,
        "movements": [
            {"product_id": m["product_id"], "kind": m["kind"].name.lower(),
             "quantity": milli_to_quantity(m["qty_milli"]),
             "unit_cost": amount(m["unit_cost_cents"])}
            for m in result.movements
        ],
        "last_costs": [{"product_id": product_id, "cost": amount(cost)}
                       for product_id, cost in result.last_costs.items()],
    })


@router.get("/products/{product}/cost")
async def product_cost(
    request: Request, _principal: Reader,
    product: Annotated[str, Path(max_length=64, description="Id, SKU or barcode")],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """The product's last cost (from confirmed invoices, else the catalog's) and history."""
    def run(session: Session) -> dict[str, Any]:
        try:
            found = product_for(session, product, field="product")
        except FieldError as error:
            raise NotFound(error.problems[0][1]) from None
        return cost_report(session, found, limit=limit)

    return json_response(await read(request, run))
