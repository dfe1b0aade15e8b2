"""Overview: per store stock value, critical items, today's movements and sync lag;
refreshed by the page itself (HTMX polling) so a synced sale shows within seconds."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from central.dashboard.overview import overview
from central.dashboard.web import DashboardRoute, read, render, viewer
from shared.domain.jsonout import dumps

router = APIRouter(route_class=DashboardRoute, include_in_schema=False)
REFRESH_SECONDS = 5


def _totals(stores: list[dict]) -> dict:
    keys = ("stock_value_cost", "stock_value_price", "critical_stock", "sales_today",
            "intakes_today", "pending_ops", "refused_ops")
    return {key: sum(store[key] for store in stores) for key in keys}


@router.get("/")
async def overview_page(request: Request) -> Response:
    who = await viewer(request, "overview")
    data = await read(request, overview)
    return await render(request, who, "overview.html", title="Resumen", data=data,
                        totals=_totals(data["stores"]), refresh=REFRESH_SECONDS)


@router.get("/fragmentos/resumen")
async def overview_fragment(request: Request) -> Response:
    """The KPI cards and the per-store table, for the page's polling."""
    who = await viewer(request, "overview")
    data = await read(request, overview)
    return await render(request, who, "_overview_body.html", data=data,
                        totals=_totals(data["stores"]), refresh=REFRESH_SECONDS)


@router.get("/datos/resumen.json")
async def overview_json(request: Request) -> Response:
    """The same JSON as ``GET /api/dashboard/overview``, for the page's charts (session
    cookie instead of a bearer token)."""
    await viewer(request, "overview")
    return Response(dumps(await read(request, overview)), media_type="application/json",
                    headers={"Cache-Control": "no-store"})
