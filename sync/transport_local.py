"""An in-process transport: a client talking to a server database directly (tests, tools).

It runs the same server functions the HTTP router runs, with the same transactions:
push in one, sequencing in its own, pull in another.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from shared.ops.hlc import HybridLogicalClock
from sync.protocol import ChecksumResponse, PullResponse, PushRequest, PushResponse
from sync.server import (
    Pusher,
    copy_chain_wide,
    pull_response,
    push,
    push_response,
    scope_checksum,
    sequence_pending,
)


class LocalTransport:
    def __init__(self, transaction: Callable[[], AbstractContextManager[Session]],
                 pusher: Pusher, clock: HybridLogicalClock, *,
                 root_device: uuid.UUID | None = None) -> None:
        """``root_device``: the server replica's device id when it plays central (the
        chain's root), which copies store records every store learns chain-wide."""
        self.transaction = transaction
        self.pusher = pusher
        self.clock = clock
        self.root_device = root_device

    def push(self, request: PushRequest) -> PushResponse:
        with self.transaction() as session:
            outcome = push(session, self.pusher, request.ops, self.clock)
            if self.root_device is not None:
                copy_chain_wide(session, outcome.applied, self.root_device)
        with self.transaction() as session:
            sequence_pending(session)
        return push_response(outcome, self.clock)

    def pull(self, after: int, limit: int) -> PullResponse:
        with self.transaction() as session:
            while sequence_pending(session):
                pass
        with self.transaction() as session:
            return pull_response(session, self.pusher.store_id, after, limit, self.clock)

    def checksum(self, at: int) -> ChecksumResponse:
        with self.transaction() as session:
            value = scope_checksum(session, self.pusher.store_id, at)
        return ChecksumResponse(at=at, checksum=value.text())
