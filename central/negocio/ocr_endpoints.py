"""HTTP: read a supplier invoice photo or PDF at HQ (the store's OCR pipeline, over HTTP).

``POST /api/negocio/invoices/ocr`` takes a multipart upload ``file`` (JPEG, PNG, TIFF,
BMP, WebP or PDF, at most ``MAX_UPLOAD_BYTES``) and an optional form field ``use_qr``
(default true) and answers the ``ocr --json`` object of CONTRACTS.md plus:

- ``supplier_id``: the supplier with the CUIT read, when central knows it (else null);
- ``matches``: one entry per line, the product suggestions against central's catalog
  (``shared.services.invoice_matching``: the supplier's remembered codes when the
  supplier is known, printed EANs, descriptions):
  ``{"line", "how", "chosen", "candidates": [{"product_id", "sku", "name", "score"}]}``.

The pipeline runs off the event loop, in a small thread pool, with a time limit
(``TIME_LIMIT_SECONDS``, or ``app.state.ocr_time_limit``): past it the answer is 504
and ``ocr_timeouts_total`` counts it; ``ocr_processing_seconds`` measures every reading.
413 for an upload over the limit, 415 for a file that is not an image or a PDF, 422
(with the reason) for one that cannot be read at all.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from sqlalchemy.orm import Session

from central.kit.metrics import OCR_PROCESSING, OCR_TIMEOUTS
from central.negocio.common import Writer, find_supplier, json_response
from shared.domain.errors import MinimarketError, ValidationError
from shared.domain.invoice_matching import LineMatch, MatchCandidate
from shared.logging import get_logger

router = APIRouter(prefix="/api/negocio", tags=["negocio: invoices"])
log = get_logger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
TIME_LIMIT_SECONDS = 45.0
#: Readings at once in this process (Tesseract takes a core); others wait their turn.
WORKERS = 2
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="ocr")

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)


def sniff_type(data: bytes) -> str | None:
    """The file's type from its first bytes (the declared type is not trusted)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _pages(data: bytes, filename: str) -> list[Any]:
    try:
        from shared.ocr.sources import load_image_bytes
    except ImportError:  # until shared.ocr.sources lands: single images only
        import cv2
        import numpy as np

        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValidationError("the image cannot be decoded") from None
        return [image]
    return list(load_image_bytes(data, filename))


def read_upload(data: bytes, filename: str, use_qr: bool, time_limit: float) -> Any:
    """Decode the pages and read them: the pipeline's own time limit stops it too."""
    from shared.ocr.pipeline import read_pages

    return read_pages(_pages(data, filename), use_qr=use_qr, file=filename,
                      time_limit=time_limit)


def _candidate(candidate: MatchCandidate | None) -> dict[str, Any] | None:
    if candidate is None:
        return None
    return {"product_id": candidate.product_id, "sku": candidate.sku, "name": candidate.name,
            "score": candidate.score}


def match_json(matches: list[LineMatch]) -> list[dict[str, Any]]:
    return [{"line": index, "how": match.how, "chosen": _candidate(match.chosen),
             "candidates": [_candidate(c) for c in match.candidates]}
            for index, match in enumerate(matches)]


def _suggestions(session: Session, reading: Any) -> tuple[uuid.UUID | None, list[LineMatch]]:
    from shared.services.invoice_matching import match_lines

    supplier = find_supplier(session, reading.supplier_cuit) if reading.supplier_cuit else None
    supplier_id = supplier.id if supplier is not None else None
    return supplier_id, match_lines(session, reading.lines, supplier_id)


async def _read_limited(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, detail=f"the file is larger than {MAX_UPLOAD_BYTES} bytes")
    return data


@router.post("/invoices/ocr")
async def read_invoice_upload(
    request: Request, _principal: Writer,
    file: Annotated[UploadFile, File(description="invoice photo (JPEG, PNG …) or PDF")],
    use_qr: Annotated[bool, Form(description="read the AFIP QR code too")] = True,
) -> Response:
    """Read an uploaded supplier invoice; answers the ``ocr --json`` object with product
    suggestions for its lines (see the module doc)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + 65_536:
        raise HTTPException(413, detail=f"the file is larger than {MAX_UPLOAD_BYTES} bytes")
    data = await _read_limited(file)
    if sniff_type(data) is None:
        raise HTTPException(415, detail="the file is not an image (JPEG, PNG, TIFF, BMP,"
                                        " WebP) or a PDF")
    filename = (file.filename or "upload")[:200]
    limit = float(getattr(request.app.state, "ocr_time_limit", TIME_LIMIT_SECONDS))
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    # pytesseract reads a timeout of 0 as none at all: the pipeline gets at least 0.1 s
    job = loop.run_in_executor(_pool, read_upload, data, filename, use_qr, max(limit, 0.1))
    try:
        reading = await asyncio.wait_for(job, timeout=max(limit, 0.0))
    except TimeoutError:
        OCR_TIMEOUTS.inc()
        log.warning("ocr.timeout", file=filename, seconds=limit)
        raise HTTPException(504, detail=f"reading the invoice took longer than {limit:g} s;"
                                        " try a sharper photo or a smaller file") from None
    except (MinimarketError, ValueError) as error:
        raise HTTPException(422, detail=f"the file cannot be read: {error}") from None
    finally:
        OCR_PROCESSING.observe(time.perf_counter() - started)
    if not reading.ok:
        raise HTTPException(422, detail=f"the file cannot be read: {reading.error}")
    supplier_id, matches = await request.app.state.central.database.read(_suggestions, reading)
    body = reading.to_contract()
    body["supplier_id"] = supplier_id
    body["matches"] = match_json(matches)
    return json_response(body)
