"""Run central's agents under uvicorn."""

from __future__ import annotations

import gc

import uvicorn

from central.app import AGENTS, PORTS, create_app
from shared.domain.errors import ConfigError
from shared.logging import configure_logging
from shared.settings import Settings


def serve(
    agent: str | None, *, db: str | None, redis: str | None, host: str, port: int | None,
    quiet: bool = False,
) -> None:
    settings = Settings.load()
    if agent is not None and agent not in AGENTS:
        raise ConfigError(f"unknown agent {agent!r} (agents: {', '.join(AGENTS)})")
    configure_logging("WARNING" if quiet else settings.log_level, json=True)
    app = create_app(
        AGENTS if agent is None else (agent,), settings=settings, db_url=db, redis_url=redis
    )
    listen_port = port if port is not None else (PORTS[agent] if agent else 8000)
    # The app's ~160,000 long-lived objects (routes, models, templates) made a full
    # collection cost 50-130 ms in the middle of a request: keep them out of it.
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=host,
        port=listen_port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
    )
