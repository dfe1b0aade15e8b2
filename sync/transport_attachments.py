"""Attachments over HTTP, server side: a FastAPI router factory (docs/sync-protocol.md).

``PUT`` appends one chunk named by ``Content-Range`` and answers where the upload
stands in ``Upload-Offset``; ``HEAD`` tells a client where to resume; ``GET`` serves a
complete file, whole or by ``Range``. The host application supplies who may upload,
who may read, and the :class:`~sync.attachments.AttachmentStore`.
"""

# No ``from __future__ import annotations``: FastAPI reads the dependency aliases built
# inside the factory from the live annotations.
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from sync.attachments import (
    UPLOAD_LENGTH,
    UPLOAD_OFFSET,
    AttachmentError,
    AttachmentNotFound,
    AttachmentStore,
    InvalidChunk,
    RangeNotSatisfiable,
    UploadOffsetMismatch,
    UploadState,
    check_hash,
    content_range,
    parse_content_range,
    parse_range,
)
from sync.protocol import PROTOCOL_HEADER
from sync.transport_server import _check_version

MAX_CHUNK_BYTES = 8 * 1024 * 1024
"""The largest body one ``PUT`` may carry; clients send 1 MiB chunks."""

_SEND_BLOCK = 256 * 1024


def _state_headers(state: UploadState) -> dict[str, str]:
    headers = {UPLOAD_OFFSET: str(state.received)}
    if state.total is not None:
        headers[UPLOAD_LENGTH] = str(state.total)
    return headers


def _state_body(state: UploadState) -> dict[str, Any]:
    return {"sha256": state.sha256, "received": state.received, "total": state.total,
            "complete": state.complete}


def _refusal(error: AttachmentError, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(error.status_code, detail=str(error), headers=headers)


async def _read_chunk(request: Request) -> bytes:
    too_large = HTTPException(413, detail=f"send at most {MAX_CHUNK_BYTES} bytes per request")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CHUNK_BYTES:
        raise too_large
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > MAX_CHUNK_BYTES:
            raise too_large
    return bytes(body)


def _file_blocks(store: AttachmentStore, sha256: str, start: int, end: int) -> Iterator[bytes]:
    with store.open(sha256) as handle:
        handle.seek(start)
        remaining = end - start
        while remaining > 0:
            block = handle.read(min(_SEND_BLOCK, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block


def attachments_router(
    *,
    prefix: str,
    uploader: Callable[..., Awaitable[Any]],
    storage: Callable[..., AttachmentStore],
    reader: Callable[..., Awaitable[Any]] | None = None,
) -> APIRouter:
    """``PUT/HEAD/GET {prefix}/attachments/{sha256}``.

    ``uploader`` and ``reader`` are dependencies that admit a caller or raise (``reader``
    defaults to ``uploader``); ``storage`` is a dependency yielding the store.
    """
    router = APIRouter(prefix=prefix, tags=["sync"])
    Store = Annotated[AttachmentStore, Depends(storage)]
    Version = Annotated[str | None, Header(alias=PROTOCOL_HEADER)]
    upload_dependencies = [Depends(uploader)]
    read_dependencies = [Depends(reader or uploader)]

    def valid(sha256: str) -> str:
        try:
            return check_hash(sha256)
        except AttachmentError as error:
            raise _refusal(error) from None

    @router.put("/attachments/{sha256}", dependencies=upload_dependencies, status_code=201,
                openapi_extra={"requestBody": {"required": True, "content": {
                    "application/octet-stream": {"schema": {"type": "string",
                                                            "format": "binary"}}}}})
    async def put_attachment(
        sha256: str, request: Request, store: Store, version: Version = None,
        range_header: Annotated[str | None, Header(alias="Content-Range")] = None,
    ) -> JSONResponse:
        """Append one chunk (``Content-Range: bytes START-END/TOTAL``) or, without the
        header, the whole file.

        201 when the file is now complete and verified, 200 when it already was, 202
        when more is expected; ``Upload-Offset`` always says how many bytes the server
        holds. 409 (with ``Upload-Offset``) when the chunk does not start there, 422 when
        the content does not hash to its name (the upload is discarded), 413 when too
        large.
        """
        _check_version(version)
        valid(sha256)
        if store.has(sha256):
            state = store.state(sha256)
            return JSONResponse(_state_body(state), status_code=200,
                                headers=_state_headers(state))
        data = await _read_chunk(request)
        try:
            if range_header is None:
                start, end, total = 0, len(data), len(data)
            else:
                start, end, total = parse_content_range(range_header)
                store.check_size(total)
            if end - start != len(data):
                raise InvalidChunk(
                    f"Content-Range announces {end - start} bytes, the body has {len(data)}")
            if range_header is None and data:
                await run_in_threadpool(store.put_bytes, data, sha256)
                state = store.state(sha256)
            else:
                state = await run_in_threadpool(store.append_chunk, sha256, start, data, total)
        except UploadOffsetMismatch as error:
            headers = {UPLOAD_OFFSET: str(error.received)}
            if error.total is not None:
                headers[UPLOAD_LENGTH] = str(error.total)
            raise _refusal(error, headers) from None
        except AttachmentError as error:
            raise _refusal(error, _state_headers(store.state(sha256))) from None
        status = 201 if state.complete else 202
        headers = _state_headers(state)
        if state.complete:
            headers["Location"] = str(request.url.path)
        return JSONResponse(_state_body(state), status_code=status, headers=headers)

    @router.head("/attachments/{sha256}", dependencies=read_dependencies)
    async def head_attachment(sha256: str, store: Store, version: Version = None) -> Response:
        """200 with the size when the file is complete; otherwise 404, with the bytes of
        an upload in progress in ``Upload-Offset`` (0 when none) — where to resume."""
        _check_version(version)
        state = store.state(valid(sha256))
        headers = _state_headers(state)
        if not state.complete:
            return Response(status_code=404, headers=headers)
        headers |= {"Content-Length": str(state.received), "Accept-Ranges": "bytes",
                    "ETag": f'"{sha256}"', "Content-Type": "application/octet-stream"}
        return Response(status_code=200, headers=headers)

    @router.get("/attachments/{sha256}", dependencies=read_dependencies,
                response_class=StreamingResponse, responses={
                    200: {"content": {"application/octet-stream": {}}},
                    206: {"description": "the part asked by Range"},
                    416: {"description": "the range starts past the end"}})
    async def get_attachment(
        sha256: str, store: Store, version: Version = None,
        range_header: Annotated[str | None, Header(alias="Range")] = None,
    ) -> StreamingResponse:
        """The complete file, or the single byte range asked by ``Range`` (206)."""
        _check_version(version)
        valid(sha256)
        try:
            size = store.size(sha256)
            asked = parse_range(range_header, size)
        except AttachmentNotFound as error:
            raise _refusal(error) from None
        except RangeNotSatisfiable as error:
            raise _refusal(error, {"Content-Range": f"bytes */{size}"}) from None
        start, end = asked if asked is not None else (0, size)
        headers = {"Content-Length": str(end - start), "Accept-Ranges": "bytes",
                   "ETag": f'"{sha256}"', "Cache-Control": "private, max-age=31536000, immutable"}
        if asked is not None:
            headers["Content-Range"] = content_range(start, end, size)
        return StreamingResponse(_file_blocks(store, sha256, start, end),
                                 status_code=206 if asked is not None else 200,
                                 media_type="application/octet-stream", headers=headers)

    return router

