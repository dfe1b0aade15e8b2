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
OCR_PROCESSING = Histogram(
    "ocr_processing_seconds",
    "Time to read an uploaded invoice (image or PDF) at HQ, timeouts included.",
    buckets=(0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0),
)
OCR_TIMEOUTS = Counter("ocr_timeouts_total", "Invoice readings at HQ stopped by the time limit.")
INFLATION_GAP_POINTS = Gauge(
    "inflation_gap_points",
    "A supplier's or category's cost increase over the last 30 days minus the inflation "
    "index's, in percentage points (InflacionAnomaly above 5).",
    ("supplier", "category"),
)
ML_DRIFT_SCORE = Gauge(
    "ml_model_drift_score", "Drift of the active model (retrain suggested above 0.15).",
    ("model",),
)
ML_PREDICTION_WAPE = Gauge(
    "ml_prediction_wape", "WAPE of the active model: backtest at training, then on recent days.",
    ("model",),
)
ML_PREDICTIONS = Counter(
    "ml_predictions_total", "Series forecast by the ml agent.", ("model", "endpoint"),
)
ML_TRAINING_SECONDS = Histogram(
    "ml_training_duration_seconds", "Time a training job took, failed ones included.",
    ("model", "status"),
    buckets=(1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 3600.0),
)


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
