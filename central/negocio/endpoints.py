"""Negocio agent (8002): supplier invoices, pricing, inflation, purchase orders.

Every route is under ``/api/negocio``. Writes need the ``negocio`` role (or ``admin``);
reads also admit ``deposito``; a store-scoped credential is limited to its store.
"""

from __future__ import annotations

from fastapi import APIRouter

from central.negocio import (
    inflation_endpoints,
    invoice_endpoints,
    ocr_endpoints,
    order_endpoints,
    pricing_endpoints,
)

router = APIRouter(prefix="/api/negocio", tags=["negocio"])


def routers() -> list[APIRouter]:
    return [
        router,
        ocr_endpoints.router,
        invoice_endpoints.router,
        pricing_endpoints.router,
        inflation_endpoints.router,
        order_endpoints.router,
    ]
