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
    clock_offset_ms: int | None = None


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


class PullResponse(BaseModel):
    ops: list[dict[str, Any]]
    cursor: int
    more: bool
    server_hlc: int


class Hello(BaseModel):
    versions: list[int]
    server_time_ms: int
    max_push_ops: int = MAX_PUSH_OPS
    max_pull_ops: int = MAX_PULL_OPS
