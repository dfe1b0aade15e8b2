"""One place that turns failures into JSON ``{"detail": …}`` with the right status."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.domain.errors import MinimarketError
from shared.logging import get_logger

log = get_logger(__name__)


def _field(location: tuple[object, ...] | list[object]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def _sqlstate(error: DBAPIError) -> str:
    original = error.orig
    for attribute in ("sqlstate", "pgcode"):
        value = getattr(original, attribute, None)
        if isinstance(value, str):
            return value
    cause = getattr(original, "__cause__", None)
    value = getattr(cause, "sqlstate", None)
    return value if isinstance(value, str) else ""


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MinimarketError)
    async def domain_error(_request: Request, error: MinimarketError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return JSONResponse({"detail": str(error)}, status_code=error.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": _field(item.get("loc", ())), "message": str(item.get("msg", "invalid"))}
            for item in error.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"detail": error.detail},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(DBAPIError)
    async def database_refusal(request: Request, error: DBAPIError) -> JSONResponse:
        # SQLSTATE class 22 (data exception: a NUL character, a number out of range) is
        # the client's input that validation let through; class 23 is a conflict.
        state = _sqlstate(error)
        if isinstance(error, DataError) or state.startswith("22"):
            log.info("database refused a value", sqlstate=state)
            return JSONResponse(
                {"detail": "a value is out of range or holds characters that cannot be stored"},
                status_code=422,
            )
        if isinstance(error, IntegrityError) or state.startswith("23"):
            log.info("write conflicts with stored data", sqlstate=state)
            return JSONResponse({"detail": "the write conflicts with stored data"},
                                status_code=409)
        log.error("database error", path=request.url.path, sqlstate=state, exc_info=error)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unhandled error", path=request.url.path, exc_info=error)
        return JSONResponse({"detail": "internal error"}, status_code=500)
