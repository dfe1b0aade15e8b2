"""HTTP: the monthly inflation index and the gap between cost increases and it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from central.kit.metrics import INFLATION_GAP
from central.negocio import inflation
from central.negocio.common import (
    FieldError,
    Reader,
    Writer,
    json_response,
    read,
    request_error,
    write,
)
from central.negocio.schemas import IndexValueIn
from shared.domain.numbers import DecimalMode

router = APIRouter(prefix="/api/negocio/inflation", tags=["negocio: inflation"])
Month = Annotated[str, Path(max_length=10, description="YYYY-MM")]


@router.get("")
async def list_index(
    request: Request, _principal: Reader,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    """The monthly series, oldest first, with each month's change over the one before."""
    def run(session: Session) -> dict[str, Any]:
        try:
            return inflation.list_series(session, date_from=date_from, date_to=date_to)
        except FieldError:
            raise
        except ValueError as error:  # a month that cannot be read
            raise FieldError("from" if date_from else "to", str(error)) from None

    return json_response(await read(request, run))


@router.put("/{month}")
async def put_month(
    request: Request, principal: Writer, month: Month, body: IndexValueIn
) -> Response:
    """Set one month's index level (created or replaced)."""
    return json_response(await write(request, principal, inflation.put_month, principal, month,
                                     body))


@router.delete("/{month}", status_code=204)
async def delete_month(request: Request, principal: Writer, month: Month) -> Response:
    await write(request, principal, inflation.delete_month, principal, month)
    return Response(status_code=204)


@router.post("/import")
async def import_index(
    request: Request, principal: Writer, file: UploadFile,
    decimal: Annotated[DecimalMode, Query(description="auto reads 1234.56 and 1.234,56")] = "auto",
) -> Response:
    """A CSV with the columns ``month,value`` (and optionally ``source``), UTF-8.

    Bad lines are reported with their number and skipped; the others are saved. A value
    that reads two ways (``1.500``) is a bad line unless ``decimal`` says which.
    """
    raw = await file.read(inflation.MAX_CSV_BYTES + 1)
    if len(raw) > inflation.MAX_CSV_BYTES:
        raise request_error("file", f"the file is larger than {inflation.MAX_CSV_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise request_error("file", "the file is not UTF-8 text") from None
    report = await write(request, principal, inflation.import_csv, principal, text, decimal)
    return json_response(report)


@router.get("/gap")
async def gap(
    request: Request, _principal: Reader,
    date_from: Annotated[str, Query(alias="from", max_length=10, description="YYYY-MM")],
    date_to: Annotated[str, Query(alias="to", max_length=10, description="YYYY-MM")],
    by: inflation.GapScope = "supplier",
) -> Response:
    """Cost increase by supplier or category (and overall) against the index's, from
    confirmed invoice costs; sets ``minimarket_inflation_gap_ratio{scope}``."""
    def run(session: Session) -> dict[str, Any]:
        return inflation.gap(session, date_from=date_from, date_to=date_to, by=by)

    report = await read(request, run)
    for scope in report["scopes"]:
        if scope["gap"] is not None:
            INFLATION_GAP.labels(scope["scope"]).set(float(scope["gap"]))
    return json_response(report)
