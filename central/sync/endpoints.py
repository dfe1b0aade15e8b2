"""Sync agent (8004): device enrollment; the protocol is mounted here by the sync issue."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from central import identity
from central.kit.auth import require
from central.sync.conflicts import ConflictKind, ConflictRef
from central.sync.decisions import NOTE_MAX_LENGTH, Decision, decide, review_queue
from shared.domain.enums import Role
from shared.domain.errors import UnknownStore
from shared.domain.jsonout import dumps
from shared.security.tokens import Principal

router = APIRouter(prefix="/api/sync", tags=["sync"])


class EnrollIn(BaseModel):
    token: str = Field(min_length=10, max_length=200)
    name: str = Field("", max_length=200)
    kind: Literal["pc", "edge"] = "pc"


class EnrollOut(BaseModel):
    device_id: uuid.UUID
    device_secret: str
    store: str
    store_id: uuid.UUID


@router.post("/enroll", response_model=EnrollOut)
async def enroll(request: Request, body: EnrollIn) -> EnrollOut:
    """Trade a one-time enrollment token for a device id and its secret (shown once)."""

    def run(session, _recorder):  # type: ignore[no-untyped-def]
        device, secret, store = identity.enroll_device(
            session, body.token, name=body.name, kind=body.kind
        )
        return EnrollOut(device_id=device.id, device_secret=secret, store=store.code or "",
                         store_id=store.id)

    result: EnrollOut = await request.app.state.central.database.write(None, run)
    return result


#: Conflict review: HQ's warehouse and business staff (and admin), as the list.
Reviewer = Annotated[Principal, Depends(require(Role.DEPOSITO, Role.NEGOCIO))]


@router.get("/conflicts")
async def list_conflicts(
    request: Request,
    _principal: Reviewer,
    store: Annotated[str | None, Query(max_length=32)] = None,
    open_only: Annotated[bool | None, Query(
        alias="open", description="true: no decision or a stale one; false: decided")] = None,
) -> Response:
    """Duplicate document confirmations and negative stock, as the ledger stands now,
    each with its latest review decision (null when none)."""
    data = await request.app.state.central.database.read(review_queue, store, open_only)
    return Response(dumps(data), media_type="application/json")


class DecisionIn(BaseModel):
    """A conflict, named by its ``id`` or by ``kind`` and its key, and the decision."""

    id: str | None = Field(None, min_length=1, max_length=120)
    kind: ConflictKind | None = None
    invoice_key: str | None = Field(None, min_length=1, max_length=40)
    store: str | None = Field(None, min_length=1, max_length=32)
    product_id: uuid.UUID | None = None
    decision: Decision
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "type": "value_error",
                                    "msg": message}])


def _named_conflict(body: DecisionIn) -> ConflictRef | None:
    """The reference ``body`` names, None when it names a store by code (looked up
    later); a 422 naming the field when the identity is missing or mixed."""
    keys = {"kind": body.kind, "invoice_key": body.invoice_key, "store": body.store,
            "product_id": body.product_id}
    if body.id is not None:
        extra = [name for name, value in keys.items() if value is not None]
        if extra:
            raise _invalid(extra[0], "give the conflict's id or its kind and key, not both")
        try:
            return ConflictRef.parse(body.id)
        except ValueError:
            raise _invalid("id", "not a conflict id") from None
    if body.kind is None:
        raise _invalid("kind", "name the conflict: its id, or its kind and key")
    if body.kind is ConflictKind.DUPLICATE_DOCUMENT:
        if body.invoice_key is None:
            raise _invalid("invoice_key", "a duplicate_document is named by its invoice_key")
        return ConflictRef(body.kind, invoice_key=body.invoice_key)
    for name in ("store", "product_id"):
        if keys[name] is None:
            raise _invalid(name, "a negative_stock is named by store and product_id")
    return None


@router.post("/conflicts/decisions", status_code=201)
async def decide_conflict(request: Request, principal: Reviewer, body: DecisionIn) -> Response:
    """Record a review decision on a conflict as it stands now (who, what, when; audited).

    Answers the conflict as listed, with this decision. A later operation that changes
    the conflict makes the decision stale and the conflict open again."""
    named = _named_conflict(body)

    def run(session, _recorder):  # type: ignore[no-untyped-def]
        ref = named
        if ref is None:
            store = identity.find_store(session, body.store or "")
            ref = ConflictRef(ConflictKind.NEGATIVE_STOCK, store_id=store.id,
                              product_id=body.product_id)
        return decide(session, ref, body.decision, body.note, by=principal.user_id)

    try:
        item = await request.app.state.central.database.write(principal.user_id, run)
    except UnknownStore as error:
        raise _invalid("store", str(error)) from None
    return Response(dumps(item), status_code=201, media_type="application/json")


def routers() -> list[APIRouter]:
    from central.sync.host import device_pusher, sync_host
    from sync.attachments import AttachmentStore
    from sync.transport_attachments import attachments_router
    from sync.transport_server import sync_router

    def attachment_store(request: Request) -> AttachmentStore:
        return AttachmentStore(request.app.state.central.settings.attachments_dir_or_default())

    return [
        router,
        sync_router(prefix="/api/sync", pusher=device_pusher, host=sync_host),
        # Devices upload and read; HQ staff read (an invoice photo under review, a model).
        attachments_router(prefix="/api/sync", uploader=device_pusher, storage=attachment_store,
                           reader=require(Role.DEVICE, Role.DEPOSITO, Role.NEGOCIO)),
    ]
