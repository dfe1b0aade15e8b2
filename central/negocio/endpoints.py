"""Negocio agent (8002): supplier invoices, pricing, inflation, purchase orders."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/negocio", tags=["negocio"])


def routers() -> list[APIRouter]:
    return [router]
