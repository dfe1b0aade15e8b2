"""Prometheus metrics: the names dashboards and alerts use (docs/metrics.md)."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.routing import Match

from shared.domain.errors import AuthError

AGENT_PREFIXES = {
    "/api/deposito": "deposito",
    "/api/negocio": "negocio",
    "/api/ml": "ml",
    "/api/sync": "sync",
    "/api/auth": "dashboard",
    "/api/dashboard": "dashboard",
}
LABELS = ("agent", "method", "route", "status")

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered.", LABELS)
HTTP_ERRORS = Counter("http_errors_total", "HTTP requests answered with status >= 400.", LABELS)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ("agent", "method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PRODUCTS_RECEIVED = Counter(
    "minimarket_products_received_total",
    "Units of product received into stock (intakes).",
    ("store",),
)
CRITICAL_STOCK = Gauge(
    "minimarket_critical_stock_products", "Products below their minimum stock.", ("store",)
)
PURCHASE_ORDERS_CREATED = Counter(
    "minimarket_purchase_orders_created_total", "Purchase orders created."
)
INFLATION_GAP = Gauge(
    "minimarket_inflation_gap_ratio",
    "Cost increase minus the inflation index over the same months (0.05 = 5 points above).",
    ("scope",),
)
CACHE_REQUESTS = Counter("minimarket_cache_requests_total", "Cache look-ups.", ("result",))
LOGIN_ATTEMPTS = Counter("minimarket_login_attempts_total", "Sign-in attempts.", ("result",))


def agent_of(path: str, default: str) -> str:
    for prefix, agent in AGENT_PREFIXES.items():
        if path.startswith(prefix):
            return agent
    return default


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    for candidate in request.app.router.routes:
        match, _ = candidate.matches(request.scope)
        if match is Match.FULL and hasattr(candidate, "path"):
            return str(candidate.path)
    return "unmatched"  # keeps label cardinality bounded


def install_metrics(app: FastAPI, default_agent: str) -> None:
    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = _route_template(request)
            agent = agent_of(request.url.path, default_agent)
            labels = (agent, request.method, route, str(status))
            HTTP_REQUESTS.labels(*labels).inc()
            if status >= 400:
                HTTP_ERRORS.labels(*labels).inc()
            HTTP_DURATION.labels(agent, request.method, route).observe(
                time.perf_counter() - started
            )


def metrics_response(request: Request) -> Response:
    """The Prometheus text, behind ``X-API-Key`` when DASHBOARD_API_KEY is set."""
    expected = request.app.state.central.settings.dashboard_api_key
    if expected is not None:
        given = request.headers.get("x-api-key", "")
        if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
            raise AuthError("missing or wrong X-API-Key")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
