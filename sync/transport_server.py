"""The protocol over HTTP: a FastAPI router factory for a sync server (central or edge).

The host application supplies two dependencies: one yielding the calling device
(``Pusher``), one yielding a :class:`SyncHost` (transactions, the server's clock, and
hooks for heartbeats and applied operations). Everything else — message shapes,
version negotiation, per-operation refusals, sequencing before pulls — lives here.
"""


import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation
from sync.protocol import (
    MAX_PULL_OPS,
    PROTOCOL_HEADER,
    SUPPORTED_VERSIONS,
    ChecksumResponse,
    Hello,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync.server import (
    Pusher,
    PushOutcome,
    pull_response,
    push,
    push_response,
    scope_checksum,
    sequence_pending,
)

T = TypeVar("T")


class SyncHost(Protocol):
    """What a server application provides to the protocol."""

    async def transact(self, function: Callable[[Session], T]) -> T: ...
    def clock(self) -> HybridLogicalClock: ...
    def heartbeat(self, session: Session, caller: Pusher, beat: dict[str, Any]) -> None:
        """Record a push's heartbeat, inside the push's own transaction."""
    async def applied(self, ops: Sequence[Operation]) -> None: ...


def _after_push(server: Any, session: Session, ops: list[Operation]) -> None:
    """The host's ``accepted(session, ops)`` hook, inside the push's own transaction, when
    it has one (central copies what every store must learn chain-wide)."""
    accepted = getattr(server, "accepted", None)
    if accepted is not None and ops:
        accepted(session, ops)


def _check_version(version: str | None) -> None:
    if version is not None and (not version.isdigit() or int(version) not in SUPPORTED_VERSIONS):
        raise HTTPException(426, detail={"message": "unsupported protocol version",
                                          "versions": list(SUPPORTED_VERSIONS)})


MAX_BODY_BYTES = 16 * 1024 * 1024


async def _read_push(request: Request) -> PushRequest:
    raw = await request.body()
    if request.headers.get("content-encoding", "").lower() == "gzip":
        try:
            decompressor = zlib.decompressobj(wbits=31)
            raw = decompressor.decompress(raw, MAX_BODY_BYTES)
            if decompressor.unconsumed_tail:
                raise HTTPException(413, detail="the batch is too large")
        except zlib.error:
            raise HTTPException(400, detail="the body is not valid gzip") from None
    try:
        return PushRequest.model_validate_json(raw)
    except ValidationError as error:
        problems = [{"field": ".".join(str(p) for p in item["loc"]) or "body",
                     "message": item["msg"]} for item in error.errors()]
        raise HTTPException(422, detail=problems) from None


def sync_router(
    *,
    prefix: str,
    pusher: Callable[..., Awaitable[Pusher]],
    host: Callable[..., SyncHost],
) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["sync"])
    Caller = Annotated[Pusher, Depends(pusher)]
    Host = Annotated[SyncHost, Depends(host)]
    Version = Annotated[str | None, Header(alias=PROTOCOL_HEADER)]

    @router.get("/hello", response_model=Hello)
    async def hello() -> Hello:
        return Hello(versions=list(SUPPORTED_VERSIONS), server_time_ms=time.time_ns() // 10**6)

    @router.post("/push", response_model=PushResponse, openapi_extra={"requestBody": {
        "required": True, "content": {"application/json": {
            "schema": PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")}},
    }})
    async def push_batch(
        caller: Caller, server: Host, request: Request, version: Version = None
    ) -> PushResponse:
        """Apply a batch: each operation accepted, acknowledged again, or refused with why.

        The body may be gzip-compressed (``Content-Encoding: gzip``).
        """
        _check_version(version)
        body = await _read_push(request)
        server_clock = server.clock()

        beat = body.heartbeat.model_dump()

        def run(session: Session) -> PushOutcome:
            outcome = push(session, caller, body.ops, server_clock)
            _after_push(server, session, outcome.applied)
            server.heartbeat(session, caller, beat)
            return outcome

        outcome: PushOutcome = await server.transact(run)
        await server.transact(sequence_pending)
        if outcome.applied:
            await server.applied(outcome.applied)
        return push_response(outcome, server_clock)

    @router.get("/pull", response_model=PullResponse)
    async def pull_page(
        caller: Caller,
        server: Host,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_OPS)] = MAX_PULL_OPS,
        version: Version = None,
    ) -> PullResponse:
        """The caller's scope after its cursor, in sequence order."""
        _check_version(version)
        while await server.transact(sequence_pending):
            pass
        clock = server.clock()
        response: PullResponse = await server.transact(
            lambda session: pull_response(session, caller.store_id, after, limit, clock))
        return response

    @router.get("/checksum", response_model=ChecksumResponse)
    async def checksum(
        caller: Caller, server: Host,
        at: Annotated[int, Query(ge=0, le=2**62)],
        version: Version = None,
    ) -> ChecksumResponse:
        """The caller's scope checksum at a cursor: ``count:sum`` of its operation digests."""
        _check_version(version)
        value = await server.transact(lambda session: scope_checksum(session, caller.store_id, at))
        return ChecksumResponse(at=at, checksum=value.text())

    return router
