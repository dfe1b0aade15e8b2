"""The protocol's messages, declared once (docs/sync-protocol.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = (1,)
PROTOCOL_HEADER = "X-Minimarket-Protocol"
MAX_PUSH_OPS = 1_000
MAX_PULL_OPS = 2_000


class Heartbeat(BaseModel):
    pending: int = Field(0, ge=0)
    refused: int = Field(0, ge=0)
    app_version: str = Field("", max_length=40)
    wall_ms: int | None = None
    #: server clock minus this device's clock, as last measured by the device
    clock_offset_ms: int | None = None
    #: checksum repairs and full re-syncs this replica has done
    repairs: int = Field(0, ge=0)
    resyncs: int = Field(0, ge=0)


class PushRequest(BaseModel):
    batch_id: str = Field(max_length=64)
    ops: list[dict[str, Any]] = Field(max_length=MAX_PUSH_OPS)
    heartbeat: Heartbeat = Field(default_factory=lambda: Heartbeat.model_validate({}))


class RefusedOp(BaseModel):
    op_id: str
    code: str
    reason: str


class PushResponse(BaseModel):
    accepted: list[str]
    duplicates: list[str]
    refused: list[RefusedOp]
    server_hlc: int
    server_time_ms: int


class DocumentClaim(BaseModel):
    """Another store's confirmation of a document this store confirmed: key and order only."""

    id: str
    op_id: str
    hlc: int
    device_id: str
    store_id: str
    invoice_key: str


class PullResponse(BaseModel):
    ops: list[dict[str, Any]]
    cursor: int
    more: bool
    server_hlc: int
    #: the server's replica id: cursors and checksums are that server's numbering
    server_id: str | None = None
    #: sequence numbers at or below this may have been compacted (tombstone horizon)
    horizon: int = 0
    #: on a pull from zero: the checksum of what compaction purged from the scope, where
    #: the client's running checksum starts
    compacted: str | None = None
    #: the scope's checksum at ``cursor`` (on the last page only)
    checksum: str | None = None
    #: other stores' confirmations of the documents this store confirmed (last page only)
    documents: list[DocumentClaim] = Field(default_factory=list)


class ChecksumResponse(BaseModel):
    at: int
    checksum: str


class Hello(BaseModel):
    versions: list[int]
    server_time_ms: int
    max_push_ops: int = MAX_PUSH_OPS
    max_pull_ops: int = MAX_PULL_OPS
