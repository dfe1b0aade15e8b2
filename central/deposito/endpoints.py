"""Deposito agent (8001): catalog, prices, stock, movements, counts, transfers.

Routes live in ``routes/`` (one module per area), use cases in ``service/``; this
module only lists the routers the app factory mounts.
"""

from __future__ import annotations

from fastapi import APIRouter

from central.deposito.routes import movements, prices, products, stock, suppliers


def routers() -> list[APIRouter]:
    return [products.router, suppliers.router, prices.router, stock.router, movements.router]
