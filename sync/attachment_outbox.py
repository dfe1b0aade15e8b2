"""Attachments a replica still has to upload: an outbox of SHA-256 names.

A use case that records an operation naming a file (an invoice's ``photo_sha256``)
queues the name in the same transaction (:func:`queue_attachment`), after putting the
bytes in the replica's own :class:`~sync.attachments.AttachmentStore`. Each sync, after
pushing its operations, uploads what is queued (:class:`AttachmentUploader`): a name
leaves the queue only once the server holds the complete, verified file. A failed upload
stays queued for the next sync and never blocks or loses operations; an interrupted one
resumes where the server stopped (``AttachmentClient``).

The queue is one ``replica_meta`` entry (a JSON list), so it needs no table of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from shared.db.replica_meta import read_meta, write_meta
from shared.domain.errors import MinimarketError
from shared.logging import get_logger
from sync.attachments import AttachmentStore, check_hash
from sync.attachments_client import AttachmentClient, Requester

PENDING_KEY = "attachments_pending"
Transaction = Callable[[], AbstractContextManager[Session]]

log = get_logger(__name__)


def pending_attachments(session: Session) -> list[str]:
    """Names queued for upload, oldest first."""
    stored = read_meta(session, PENDING_KEY)
    return list(json.loads(stored)) if stored else []


def queue_attachment(session: Session, sha256: str) -> None:
    """Queue a file for upload, in the caller's transaction (the one naming it)."""
    name = check_hash(sha256)
    queued = pending_attachments(session)
    if name not in queued:
        write_meta(session, PENDING_KEY, json.dumps([*queued, name]))


def _unqueue(session: Session, sha256: str) -> None:
    queued = pending_attachments(session)
    if sha256 in queued:
        queued.remove(sha256)
        write_meta(session, PENDING_KEY, json.dumps(queued))


@dataclass
class UploadReport:
    uploaded: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # still queued after this run
    errors: list[tuple[str, str]] = field(default_factory=list)  # (sha256, reason)


class AttachmentUploader:
    """Uploads a replica's queued files from its attachment store through ``requester``."""

    def __init__(self, store: AttachmentStore, requester: Requester, *,
                 chunk_bytes: int | None = None) -> None:
        self.store = store
        self.client = (AttachmentClient(requester) if chunk_bytes is None
                       else AttachmentClient(requester, chunk_bytes=chunk_bytes))

    def upload_pending(self, transaction: Transaction) -> UploadReport:
        """Upload every queued file; ``transaction()`` opens one on the replica.

        A file missing from the local store stays queued (it is reported: nothing can
        send it). The first error that looks like the network stops the run: the rest
        waits for the next sync.
        """
        from sync.transport_http import ServerUnreachable

        report = UploadReport()
        with transaction() as session:
            queued = pending_attachments(session)
        for position, sha256 in enumerate(queued):
            if not self.store.has(sha256):
                report.errors.append((sha256, "the file is not in this PC's attachment store"))
                report.pending.append(sha256)
                continue
            try:
                self.client.upload(self.store.path(sha256), sha256)
            except ServerUnreachable as error:
                log.warning("sync.attachment_upload_interrupted", sha256=sha256, error=str(error))
                report.errors.append((sha256, str(error)))
                report.pending.extend(queued[position:])
                return report
            except (MinimarketError, OSError) as error:  # refused, or unreadable here
                log.warning("sync.attachment_upload_failed", sha256=sha256, error=str(error))
                report.errors.append((sha256, str(error)))
                report.pending.append(sha256)
                continue
            with transaction() as session:
                _unqueue(session, sha256)
            report.uploaded.append(sha256)
        return report
