"""Pricing (rules; suggested prices to approve and publish to the stores) and inflation
(the index, and supplier and category cost increases against it), via central.negocio."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

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
from central.negocio import inflation, pricing
from central.negocio.common import FieldError, today
from central.negocio.schemas import ApplyIn, IndexValueIn, RuleIn
from shared.domain.errors import MinimarketError
from shared.domain.inflation import format_month
from shared.domain.jsonout import dumps

router = APIRouter(route_class=DashboardRoute, include_in_schema=False)
SCOPES = {"default": "Todos los productos", "category": "Categoría", "supplier": "Proveedor"}


def _decimal(text: str, name: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise FieldError(name, "no es un número") from None


@router.get("/precios")
async def pricing_page(request: Request, page: int | None = None,
                       category: str | None = None) -> Response:
    who = await viewer(request, "pricing")
    number = page_number(page)

    def run(session: Session) -> dict[str, Any]:
        return {
            "rules": pricing.list_rules(session, scope=None, active=None, page=1, size=200),
            "suggestions": pricing.suggestions(
                session, who.principal, since=None, store=None, supplier=None,
                category=category or None, day=today(), page=number, size=PAGE_SIZE),
        }

    data = await read(request, run)
    return await render(request, who, "pricing.html", title="Precios", **data, scopes=SCOPES,
                        category=category or "", page=number, size=PAGE_SIZE)


@router.post("/precios/reglas")
async def create_rule(request: Request) -> Response:
    who, form = await poster(request, "pricing")
    rule = RuleIn(
        name=field(form, "name"), scope=field(form, "scope") or "default",
        scope_value=field(form, "scope_value") or None,
        markup_pct=_decimal(field(form, "markup_pct"), "markup_pct"),
        rounding_step=_decimal(field(form, "rounding_step") or "10", "rounding_step"),
        ending=_decimal(field(form, "ending") or "0", "ending"),
        priority=int(field(form, "priority") or 0),
    )
    await write(request, who, pricing.create_rule, who.principal, rule)
    return await done(request, who, f"Regla «{rule.name}» creada.", "/precios")


@router.post("/precios/aprobar")
async def approve(request: Request) -> Response:
    """Publish the chosen suggestions as chain-wide prices from today (they reach every
    store at its next sync)."""
    who, form = await poster(request, "pricing")
    chosen = [value for value in form.getlist("product") if isinstance(value, str)]
    if not chosen:
        raise FieldError("product", "elegí al menos un precio sugerido")
    body = ApplyIn(items=[{"product": product} for product in chosen])
    report = await write(request, who, pricing.apply_suggestions, who.principal, body)
    applied, unchanged = len(report["applied"]), len(report["unchanged"])
    return await done(request, who, f"Precios publicados: {applied} cambios"
                                    f"{f', {unchanged} sin cambios' if unchanged else ''}. "
                                    "Llegan a las sucursales en la próxima sincronización.",
                      "/precios")


# --- inflation ------------------------------------------------------------------------------


def _default_period() -> tuple[str, str]:
    day = today()
    start = date(day.year - 1 if day.month <= 6 else day.year, (day.month - 7) % 12 + 1, 1)
    return format_month(start), format_month(day.replace(day=1))


@router.get("/inflacion")
async def inflation_page(request: Request, desde: str | None = None, hasta: str | None = None,
                         por: str = "supplier") -> Response:
    who = await viewer(request, "inflation")
    start, end = _default_period()
    start, end = desde or start, hasta or end
    scope = por if por in ("supplier", "category") else "supplier"

    def run(session: Session) -> dict[str, Any]:
        data: dict[str, Any] = {
            "series": inflation.list_series(session, date_from=None, date_to=None),
            "gap": None, "gap_error": None}
        try:
            data["gap"] = inflation.gap(session, date_from=start, date_to=end, by=scope)
        except MinimarketError as error:  # a month without an index value, say
            data["gap_error"] = str(error)
        return data

    data = await read(request, run)
    return await render(request, who, "inflation.html", title="Inflación", **data,
                        desde=start, hasta=end, por=scope)


@router.get("/datos/inflacion.json")
async def inflation_json(request: Request, desde: str, hasta: str,
                         por: str = "supplier") -> Response:
    """The same JSON as ``GET /api/negocio/inflation/gap``, for the page's chart."""
    await viewer(request, "inflation")
    scope = por if por in ("supplier", "category") else "supplier"
    report = await read(request, inflation.gap, date_from=desde, date_to=hasta, by=scope)
    return Response(dumps(report), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


@router.post("/inflacion/indice")
async def put_month(request: Request) -> Response:
    who, form = await poster(request, "inflation")
    month = field(form, "month")
    body = IndexValueIn(value=_decimal(field(form, "value"), "value"),
                        source=field(form, "source") or None)
    await write(request, who, inflation.put_month, who.principal, month, body)
    return await done(request, who, f"Índice de {month} guardado.")
