"""App factories: one agent per process (production) or every agent in one (embedded).

The same routers, with the same prefixed paths, are mounted in both modes.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from central.kit.cache import make_cache
from central.kit.database import Database, migrate_sync
from central.kit.errors import install_error_handlers
from central.kit.metrics import install_metrics, metrics_response
from central.kit.state import CentralState
from shared.db.engine import create_db_engine
from shared.db.migrate import current_revision, head_revision
from shared.domain.errors import ConfigError
from shared.settings import Settings

AGENTS = ("deposito", "negocio", "ml", "sync", "dashboard")
PORTS = {"deposito": 8001, "negocio": 8002, "ml": 8003, "sync": 8004, "dashboard": 8080}
VERSION = "0.1.0"


def agent_routers(agent: str) -> list[APIRouter]:
    module = importlib.import_module(f"central.{agent}.endpoints")
    return list(module.routers())


def _check_schema(url: str, *, embedded: bool) -> None:
    if embedded:
        migrate_sync(url)  # the embedded default sets itself up
        return
    engine = create_db_engine(url)
    try:
        if current_revision(engine) != head_revision():
            raise ConfigError(
                "the database schema is not up to date: run `minimarket central migrate`"
            )
    finally:
        engine.dispose()


async def health_report(state: CentralState, agents: Sequence[str]) -> tuple[dict[str, Any], int]:
    database = await state.database.ping()
    cache = await state.cache.ping()
    report = {
        "status": "ok" if database and cache else ("degraded" if database else "down"),
        "version": VERSION,
        "agents": list(agents),
        "database": {"status": "ok" if database else "down", "backend": state.database.backend},
        "cache": {"status": "ok" if cache else "down", "backend": state.cache.kind},
    }
    return report, 200 if database else 503


def _agent_health(agent: str) -> APIRouter:
    router = APIRouter(prefix=f"/api/{agent}", tags=[agent])

    @router.get("/health")
    async def agent_health(request: Request, response: Response) -> dict[str, Any]:
        report, status = await health_report(request.app.state.central, [agent])
        response.status_code = status
        return report

    return router


def create_app(
    agents: Sequence[str] = AGENTS,
    *,
    settings: Settings | None = None,
    db_url: str | None = None,
    redis_url: str | None = None,
) -> FastAPI:
    unknown = [agent for agent in agents if agent not in AGENTS]
    if unknown:
        raise ConfigError(f"unknown agent {unknown[0]!r} (agents: {', '.join(AGENTS)})")
    config = settings or Settings.load()
    url = db_url or config.database_url_or_default()
    cache_url = redis_url or config.redis_url
    name = agents[0] if len(agents) == 1 else "central"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _check_schema(
            url,
            embedded=url.startswith("sqlite") and config.database_url is None and db_url is None,
        )
        state = CentralState(
            config, Database(url, config.database_pool_size), make_cache(cache_url),
            tuple(agents),
        )
        app.state.central = state
        try:
            yield
        finally:
            await state.cache.close()
            await state.database.dispose()

    app = FastAPIOffline(
        title=f"Minimarket {name}",
        version=VERSION,
        lifespan=lifespan,
        description="Minimarket HQ services." if name == "central" else f"Minimarket agent {name}.",
    )
    install_error_handlers(app)
    install_metrics(app, name)
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        )

    @app.get("/health", tags=["ops"])
    async def health(request: Request, response: Response) -> dict[str, Any]:
        report, status = await health_report(request.app.state.central, agents)
        response.status_code = status
        return report

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics(request: Request) -> Response:
        return metrics_response(request)

    for agent in agents:
        app.include_router(_agent_health(agent))
        for router in agent_routers(agent):
            app.include_router(router)
    return app
