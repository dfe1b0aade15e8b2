"""ML agent (8003): the service shell; forecasting fills in the model registry."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/ml", tags=["ml"])


def routers() -> list[APIRouter]:
    return [router]
