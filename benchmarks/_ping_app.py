"""The load benchmark's baseline: a bare FastAPI app with one endpoint, nothing else.

Served by uvicorn in its own process beside ``central up``, so the same load on the
same machine shows what a request costs with no database, cache, auth or middleware.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}
