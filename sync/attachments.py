"""Content-addressed attachments: binary files named by their SHA-256 (docs/sync-protocol.md).

A complete file lives at ``<root>/ab/cd/<sha256>`` and is visible only once its content
has been hashed and found equal to its name. An upload in progress lives in
``<root>/partial/<sha256>`` (with the size the uploader declared beside it in
``<sha256>.length``); chunks are appended strictly at the size received so far, so an
interrupted upload resumes where the server stopped. The chunk that completes the file
triggers the check: a match moves the file into place with one rename, a mismatch
discards everything received.

Nothing here speaks HTTP: the server router lives in ``sync/transport_attachments.py``
and the client in ``sync/attachments_client.py``; both share the header parsing below.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from shared.domain.errors import Conflict, MinimarketError, NotFound, ValidationError

try:  # POSIX: also serialise appends across processes sharing the directory
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process locks still hold
    fcntl = None  # type: ignore[assignment]

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
_READ_BLOCK = 1024 * 1024
_PARTIAL = "partial"
_LENGTH_SUFFIX = ".length"
_TEMP_SUFFIX = ".tmp"
# Striped locks: appends to one hash are serialised, different hashes rarely wait.
_LOCKS = tuple(threading.Lock() for _ in range(64))


class AttachmentError(MinimarketError):
    """Base of every expected attachment failure."""


class InvalidAttachmentHash(AttachmentError, ValidationError):
    status_code = 422


class AttachmentNotFound(AttachmentError, NotFound):
    status_code = 404


class AttachmentTooLarge(AttachmentError):
    status_code = 413


class InvalidChunk(AttachmentError):
    """A chunk or range header that cannot describe part of the file."""

    status_code = 400


class RangeNotSatisfiable(AttachmentError):
    status_code = 416


class AttachmentHashMismatch(AttachmentError):
    """The bytes received do not hash to the name they were sent under."""

    status_code = 422


class UploadOffsetMismatch(AttachmentError, Conflict):
    """A chunk that does not start where the upload stands; resume at ``received``."""

    status_code = 409

    def __init__(self, message: str, received: int, total: int | None) -> None:
        super().__init__(message)
        self.received = received
        self.total = total


@dataclass(frozen=True)
class UploadState:
    """Where an upload stands: bytes received, the declared size, and whether it is done."""

    sha256: str
    received: int
    total: int | None
    complete: bool


def check_hash(sha256: str) -> str:
    """``sha256`` if it is 64 lowercase hex digits, else :class:`InvalidAttachmentHash`."""
    if not isinstance(sha256, str) or HASH_PATTERN.fullmatch(sha256) is None:
        raise InvalidAttachmentHash("an attachment is named by 64 lowercase hex digits (SHA-256)")
    return sha256


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_READ_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


class AttachmentStore:
    """A directory of content-addressed files with resumable, verified uploads."""

    def __init__(self, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._partial_dir = self.root / _PARTIAL

    # -- complete files -------------------------------------------------------------

    def path(self, sha256: str) -> Path:
        """Where the complete file is (or would be) stored."""
        check_hash(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise AttachmentNotFound(f"no attachment {sha256}") from None

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise AttachmentNotFound(f"no attachment {sha256}") from None

    def put_bytes(self, data: bytes, sha256: str | None = None) -> str:
        """Store ``data`` whole and return its hash; ``sha256``, if given, must match."""
        actual = hashlib.sha256(data).hexdigest()
        if sha256 is not None and check_hash(sha256) != actual:
            raise AttachmentHashMismatch(f"the content hashes to {actual}, not {sha256}")
        self.check_size(len(data))
        if self.has(actual):
            return actual
        self._partial_dir.mkdir(parents=True, exist_ok=True)
        temporary = self._partial_dir / f"{actual}.{secrets.token_hex(6)}{_TEMP_SUFFIX}"
        try:
            with temporary.open("wb") as handle:
                handle.write(data)
                _sync(handle)
            self._publish(temporary, actual)
        finally:
            temporary.unlink(missing_ok=True)
        with self._locked(actual):
            self._discard_partial(actual)  # a resumable upload of it is moot now
        return actual

    # -- resumable uploads ----------------------------------------------------------

    def state(self, sha256: str) -> UploadState:
        """How much of ``sha256`` the store holds: all of it, part of it, or nothing."""
        path = self.path(sha256)
        with contextlib.suppress(FileNotFoundError):
            size = path.stat().st_size
            return UploadState(sha256, size, size, complete=True)
        try:
            received = self._partial(sha256).stat().st_size
        except FileNotFoundError:
            return UploadState(sha256, 0, None, complete=False)
        return UploadState(sha256, received, self._declared_total(sha256), complete=False)

    def append_chunk(self, sha256: str, offset: int, data: bytes, total: int) -> UploadState:
        """Append ``data`` at ``offset`` of an upload of ``total`` bytes named ``sha256``.

        The offset must equal the bytes received so far (else
        :class:`UploadOffsetMismatch` says where to resume). A chunk at offset 0 that
        declares another total starts the upload over. The chunk reaching ``total``
        verifies the hash: the file becomes visible, or everything received is discarded
        and :class:`AttachmentHashMismatch` is raised. A file already complete is
        acknowledged without writing.
        """
        check_hash(sha256)
        self.check_size(total)
        if offset < 0 or offset + len(data) > total or (not data and total > 0):
            raise InvalidChunk(f"bytes {offset}..{offset + len(data)} do not fit in {total}")
        with self._locked(sha256):
            if self.has(sha256):
                return self.state(sha256)
            self._partial_dir.mkdir(parents=True, exist_ok=True)
            with self._open_partial(sha256) as handle:
                received = os.fstat(handle.fileno()).st_size
                declared = self._declared_total(sha256)
                if declared is None:
                    self._write_total(sha256, total)
                elif declared != total and offset == 0:  # a new start replaces a stray one
                    handle.truncate(0)
                    received = 0
                    self._write_total(sha256, total)
                elif declared != total:
                    raise UploadOffsetMismatch(
                        f"the upload in progress declares {declared} bytes, not {total}",
                        received, declared)
                if offset != received:
                    raise UploadOffsetMismatch(
                        f"this upload has {received} bytes; send the chunk at offset {received}",
                        received, total)
                handle.write(data)
                handle.flush()
                received += len(data)
                if received < total:
                    return UploadState(sha256, received, total, complete=False)
                _sync(handle)
                actual = _hash_from_start(handle)
            # The handle is closed before the rename: Windows cannot rename an open file.
            if actual != sha256:
                self._discard_partial(sha256)
                raise AttachmentHashMismatch(
                    f"the {total} bytes received hash to {actual}, not {sha256}; the upload "
                    "was discarded, send it again from the start")
            self._publish(self._partial(sha256), sha256)
            self._length_file(sha256).unlink(missing_ok=True)
        return UploadState(sha256, total, total, complete=True)

    def discard_partial(self, sha256: str) -> None:
        """Forget an upload in progress (a complete file is not touched)."""
        check_hash(sha256)
        with self._locked(sha256):
            self._discard_partial(sha256)

    def discard_stale_partials(self, older_than_seconds: float) -> int:
        """Delete uploads untouched for ``older_than_seconds``; return how many."""
        if not self._partial_dir.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        discarded = 0
        for entry in sorted(self._partial_dir.iterdir()):
            name = entry.name
            sha = name.split(".", 1)[0]
            if HASH_PATTERN.fullmatch(sha) is None:
                continue
            with self._locked(sha), contextlib.suppress(FileNotFoundError):
                if entry.stat().st_mtime >= cutoff:
                    continue
                if name == sha:
                    self._discard_partial(sha)
                    discarded += 1
                elif name.endswith(_TEMP_SUFFIX):
                    entry.unlink()
                    discarded += 1
                elif not self._partial(sha).exists():  # a size left without its upload
                    entry.unlink()
        return discarded

    # -- internals --------------------------------------------------------------------

    def check_size(self, total: int) -> None:
        """Refuse a file of ``total`` bytes when it is over the store's limit."""
        if total > self.max_bytes:
            raise AttachmentTooLarge(
                f"{total} bytes is more than the {self.max_bytes} an attachment may have")

    def _partial(self, sha256: str) -> Path:
        return self._partial_dir / sha256

    def _length_file(self, sha256: str) -> Path:
        return self._partial_dir / f"{sha256}{_LENGTH_SUFFIX}"

    def _declared_total(self, sha256: str) -> int | None:
        try:
            text = self._length_file(sha256).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return int(text) if text.isdigit() else None

    def _write_total(self, sha256: str, total: int) -> None:
        target = self._length_file(sha256)
        temporary = target.with_name(f"{target.name}.{secrets.token_hex(6)}{_TEMP_SUFFIX}")
        temporary.write_text(str(total), encoding="ascii")
        os.replace(temporary, target)

    def _discard_partial(self, sha256: str) -> None:
        self._partial(sha256).unlink(missing_ok=True)
        self._length_file(sha256).unlink(missing_ok=True)

    def _publish(self, source: Path, sha256: str) -> None:
        """Move a verified file into place: one rename, so readers see all of it or none."""
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)
        except FileNotFoundError:
            if not target.is_file():  # unless another process published it first
                raise
        _sync_directory(target.parent)

    @contextlib.contextmanager
    def _locked(self, sha256: str) -> Iterator[None]:
        key = f"{self.root.resolve()}/{sha256}"
        with _LOCKS[hash(key) % len(_LOCKS)]:
            yield

    @contextlib.contextmanager
    def _open_partial(self, sha256: str) -> Iterator[IO[bytes]]:
        """The partial file, opened for appending and locked against other processes.

        Another process may have renamed or removed the file while this one waited for
        its lock; then the file is opened again by name.
        """
        path = self._partial(sha256)
        while True:
            handle = path.open("a+b")
            try:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                try:
                    current = os.stat(path)
                except FileNotFoundError:
                    continue
                if os.path.samestat(current, os.fstat(handle.fileno())):
                    yield handle
                    return
            finally:
                handle.close()


def _hash_from_start(handle: IO[bytes]) -> str:
    handle.seek(0)
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(_READ_BLOCK), b""):
        digest.update(block)
    return digest.hexdigest()


def _sync(handle: IO[bytes]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _sync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); elsewhere the rename alone has to do."""
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:  # pragma: no cover - Windows
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY | flags)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# -- wire headers, shared by the server router and the client ----------------------------

UPLOAD_OFFSET = "Upload-Offset"
"""Response header: the bytes of the file the server holds (where to resume)."""
UPLOAD_LENGTH = "Upload-Length"
"""Response header: the size the upload in progress declared."""

_CONTENT_RANGE = re.compile(r"bytes (\d{1,19})-(\d{1,19})/(\d{1,19})")
_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")


def parse_content_range(header: str) -> tuple[int, int, int]:
    """``bytes START-END/TOTAL`` (END inclusive) as ``(start, end_exclusive, total)``."""
    match = _CONTENT_RANGE.fullmatch(header.strip())
    if match is None:
        raise InvalidChunk("Content-Range must read 'bytes START-END/TOTAL'")
    start, last, total = (int(group) for group in match.groups())
    if start > last or last >= total:
        raise InvalidChunk(f"Content-Range {header!r} does not describe bytes of the file")
    return start, last + 1, total


def content_range(start: int, end: int, total: int) -> str:
    """The ``Content-Range`` value of bytes ``start`` up to ``end`` (exclusive)."""
    return f"bytes {start}-{end - 1}/{total}"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The ``(start, end_exclusive)`` a ``Range`` header asks of a file of ``size`` bytes.

    ``None`` means "send the whole file": no header, or one this server does not serve
    in parts (several ranges, another unit), which HTTP allows it to ignore. A range
    that starts past the end raises :class:`RangeNotSatisfiable`.
    """
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None
        suffix = int(last)  # the last N bytes
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"the file has {size} bytes")
        return max(size - suffix, 0), size
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid range: ignored, like any header this server cannot serve
    if start >= size:
        raise RangeNotSatisfiable(f"the file has {size} bytes")
    return start, size if not last else min(int(last) + 1, size)
