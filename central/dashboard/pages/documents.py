"""Supplier invoices and credit notes (list, detail with photo and extracted fields,
confirm) and purchase orders (draft → sent → received), through central.negocio."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from central.dashboard.pages import lookups
from central.dashboard.session import WebSession
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
from central.ml import forecasting
from central.ml.registry import ModelNotReady, NoActiveModel
from central.negocio import invoice_views, invoices, orders
from central.negocio.schemas import ReceiveIn
from shared.db import tables as t
from shared.domain.enums import DocumentKind, InvoiceStatus, PurchaseOrderStatus
from shared.domain.errors import MinimarketError, NotFound
from shared.services.replenishment import DEFAULT_COVER_DAYS, DEFAULT_SERVICE_LEVEL
from sync.attachments import AttachmentStore

router = APIRouter(route_class=DashboardRoute, include_in_schema=False)
ORDER_STATUS = {"draft": "Borrador", "sent": "Enviada", "received": "Recibida",
                "cancelled": "Cancelada"}


def _enum(kind: type, value: str | None) -> Any:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


@router.get("/facturas")
async def invoices_page(request: Request, status: str | None = None, kind: str | None = None,
                        store: str | None = None, q: str | None = None,
                        page: int | None = None) -> Response:
    who = await viewer(request, "invoices")
    number = page_number(page)

    def run(session: Session) -> dict[str, Any]:
        listing = invoice_views.list_invoices(
            session, who.principal, supplier=None, store=store or None,
            status=_enum(InvoiceStatus, status), kind=_enum(DocumentKind, kind),
            date_from=None, date_to=None, search=(q or "").strip()[:100] or None,
            page=number, size=PAGE_SIZE)
        return {"listing": listing, "stores": lookups.stores(session)}

    data = await read(request, run)
    return await render(request, who, "invoices.html", title="Facturas", **data,
                        status=status or "", kind=kind or "", store=store or "", q=q or "",
                        page=number, size=PAGE_SIZE)


@router.get("/facturas/{invoice_id}")
async def invoice_page(request: Request, invoice_id: uuid.UUID) -> Response:
    who = await viewer(request, "invoices")

    def run(session: Session) -> dict[str, Any]:
        detail = invoice_views.invoice_detail(session, who.principal, invoice_id)
        record = session.get(t.SupplierInvoice, invoice_id)
        return {"invoice": detail, "extracted": (record.extracted if record else None) or {},
                "has_photo": bool(record and record.photo_sha256)}

    data = await read(request, run)
    return await render(request, who, "invoice.html", title="Factura", **data)


@router.get("/facturas/{invoice_id}/foto")
async def invoice_photo(request: Request, invoice_id: uuid.UUID) -> Response:
    """The photo the store took, from central's attachment store (by its sha256)."""
    who = await viewer(request, "invoices")

    def run(session: Session) -> str | None:
        record = invoices.get_invoice(session, who.principal, invoice_id)
        return record.photo_sha256

    sha256 = await read(request, run)
    store = _files(request)
    if not sha256 or not store.has(sha256):
        raise NotFound("la foto de esta factura no llegó todavía a la casa central")
    return FileResponse(store.path(sha256), media_type=_image_type(store.path(sha256)),
                        headers={"Cache-Control": "private, max-age=3600"})


def _image_type(path: Any) -> str:
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"%PDF"):
        return "application/pdf"
    return "image/jpeg"


@router.post("/facturas/{invoice_id}/confirmar")
async def confirm_invoice(request: Request, invoice_id: uuid.UUID) -> Response:
    who, _form = await poster(request, "invoices")
    result, code = await write(request, who, invoices.confirm, who.principal, invoice_id)
    return await done(request, who, f"Documento confirmado: {len(result.movements)} "
                                    f"movimientos de stock en {code}.")


# --- purchase orders ------------------------------------------------------------------------


@router.get("/ordenes")
async def orders_page(request: Request, status: str | None = None, store: str | None = None,
                      sugerir: str | None = None, page: int | None = None) -> Response:
    """The orders; with ``sugerir=<store>``, the active model's reorder suggestions for
    that store, by supplier, ready to become draft orders."""
    who = await viewer(request, "orders")
    number = page_number(page)
    files = _files(request)

    def run(session: Session) -> dict[str, Any]:
        listing = orders.list_orders(session, who.principal,
                                     status=_enum(PurchaseOrderStatus, status), supplier=None,
                                     store=store or None, page=number, size=PAGE_SIZE)
        found = {"listing": listing, "stores": lookups.stores(session),
                 "suggestions": None, "suggestions_error": None}
        if sugerir:
            try:
                found["suggestions"] = suggestions(session, who, files, sugerir)
            except MinimarketError as error:
                found["suggestions_error"] = suggestions_problem(error)
        return found

    data = await read(request, run)
    return await render(request, who, "orders.html", title="Órdenes de compra", **data,
                        status=status or "", store=store or "", sugerir=sugerir or "",
                        labels=ORDER_STATUS, cover_days=DEFAULT_COVER_DAYS, page=number,
                        size=PAGE_SIZE)


def _files(request: Request) -> AttachmentStore:
    return AttachmentStore(request.app.state.central.settings.attachments_dir_or_default())


def suggestions(session: Session, who: WebSession, files: AttachmentStore,
                store_code: str) -> dict[str, Any]:
    """The ml agent's reorder report for one store (only products that need ordering)."""
    found = forecasting.store_reorder(session, who.principal, files, store_code=store_code,
                                      cover_days=DEFAULT_COVER_DAYS,
                                      service_level=DEFAULT_SERVICE_LEVEL, only_needed=True)
    return forecasting.reorder_report(*found)


def suggestions_problem(error: MinimarketError) -> str:
    if isinstance(error, NoActiveModel):
        return ("Todavía no hay un modelo de pronóstico activo: sin él no hay sugerencias de "
                "reposición. Entrená uno y activalo desde el servicio de pronóstico.")
    if isinstance(error, ModelNotReady):
        return ("El modelo de pronóstico activo no tiene sus archivos en esta central: "
                "volvé a activarlo o entrená uno nuevo.")
    return f"No se pudieron calcular las sugerencias: {error}"


@router.post("/ordenes/sugerencias")
async def drafts_from_suggestions(request: Request) -> Response:
    """One draft order per supplier from the store's suggestions (the ml agent's use case)."""
    who, form = await poster(request, "orders")
    store_code = field(form, "store")
    files = _files(request)

    def run(session: Session, recorder: Any) -> dict[str, Any]:
        try:
            return forecasting.create_drafts(
                session, recorder, who.principal, files, store_code=store_code,
                cover_days=DEFAULT_COVER_DAYS, service_level=DEFAULT_SERVICE_LEVEL)
        except MinimarketError as error:
            raise SuggestionsUnavailable(suggestions_problem(error)) from error

    report = await write(request, who, run)
    made = len(report["orders"])
    missing = report["without_supplier"]
    message = (f"{made} borrador{'es' if made != 1 else ''} de orden creado"
               f"{'s' if made != 1 else ''} para {store_code}, uno por proveedor."
               if made else f"Nada para pedir en {store_code}: no se creó ningún borrador.")
    if missing:
        message += (f" Sin proveedor (no se pueden pedir): {', '.join(missing[:10])}"
                    f"{'…' if len(missing) > 10 else ''}.")
    return await done(request, who, message, f"/ordenes?status=draft&store={quote(store_code)}")


class SuggestionsUnavailable(MinimarketError):
    """Shown as it is: already a Spanish sentence."""

    status_code = 409

    def __str__(self) -> str:
        return str(self.args[0])


@router.get("/ordenes/{order_id}")
async def order_page(request: Request, order_id: uuid.UUID) -> Response:
    who = await viewer(request, "orders")
    order = await read(request, orders.order_detail, who.principal, order_id)
    return await render(request, who, "order.html", title="Orden de compra", order=order,
                        labels=ORDER_STATUS)


@router.post("/ordenes/{order_id}/{action}")
async def order_action(request: Request, order_id: uuid.UUID, action: str) -> Response:
    who, form = await poster(request, "orders")
    actions = {"enviar": "send", "recibir": "receive", "cancelar": "cancel"}
    if action not in actions:
        raise NotFound(f"unknown action {action!r}")
    receive = ReceiveIn(create_movements=field(form, "create_movements") == "1", lines=None) \
        if action == "recibir" else None
    result = await write(request, who, orders.transition, who.principal, order_id,
                         actions[action], receive)
    return await done(request, who, f"Orden {ORDER_STATUS[result.status.value].lower()}.",
                      f"/ordenes/{order_id}")
