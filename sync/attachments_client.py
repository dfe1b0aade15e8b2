"""Attachments over HTTP, client side: chunked, resumable upload and download.

The client talks through a :class:`Requester`: an :class:`~sync.transport_http.HttpTransport`
(its device JWT, retries and protocol header) or any ``httpx.Client`` already carrying
its credentials. An upload first asks ``HEAD`` how much the server holds and sends the
rest in chunks; a chunk the server did not expect (a retry of one it already took, say)
is answered with the offset to continue from. A download asks ranges one chunk at a
time into a temporary file beside the destination, resumes from that file after an
interruption, checks the hash of the whole, and only then renames it into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from shared.domain.errors import AuthError, Forbidden
from sync.attachments import (
    UPLOAD_LENGTH,
    UPLOAD_OFFSET,
    AttachmentError,
    AttachmentHashMismatch,
    AttachmentNotFound,
    AttachmentTooLarge,
    InvalidChunk,
    check_hash,
    content_range,
    parse_content_range,
    sha256_of_file,
)
from sync.transport_http import ProtocolRefused

DEFAULT_CHUNK_BYTES = 1024 * 1024
ATTACHMENTS_PATH = "/api/sync/attachments"
_MAX_RESYNCS = 8  # consecutive 409s before giving up: the server and client disagree


class Requester(Protocol):
    """What the client needs from a connection: one authenticated request."""

    def request(self, method: str, url: str, /, *, content: bytes | None = None,
                headers: Mapping[str, str] | None = None,
                params: Mapping[str, Any] | None = None) -> httpx.Response: ...


class AttachmentTransferError(AttachmentError):
    """The server answered something the protocol does not expect."""

    status_code = 502


@dataclass(frozen=True)
class _Source:
    """Bytes in memory or a file on disk, read one chunk at a time."""

    data: bytes | None
    path: Path | None
    size: int

    @classmethod
    def of(cls, source: bytes | Path) -> _Source:
        if isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
            return cls(data, None, len(data))
        path = Path(source)
        return cls(None, path, path.stat().st_size)

    def sha256(self) -> str:
        if self.data is not None:
            return hashlib.sha256(self.data).hexdigest()
        assert self.path is not None
        return sha256_of_file(self.path)

    def read(self, offset: int, length: int) -> bytes:
        if self.data is not None:
            return self.data[offset:offset + length]
        assert self.path is not None
        with self.path.open("rb") as handle:
            handle.seek(offset)
            return handle.read(length)


class AttachmentClient:
    def __init__(self, requester: Requester, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                 base_path: str = ATTACHMENTS_PATH) -> None:
        if chunk_bytes < 1:
            raise ValueError("chunk_bytes must be positive")
        self.requester = requester
        self.chunk_bytes = chunk_bytes
        self.base_path = base_path.rstrip("/")

    def _url(self, sha256: str) -> str:
        return f"{self.base_path}/{check_hash(sha256)}"

    # -- upload ---------------------------------------------------------------------

    def remote_offset(self, sha256: str, size: int | None = None) -> int | None:
        """How many bytes of ``sha256`` the server holds; None when it has the whole file.

        An upload in progress declared with another size than ``size`` counts as 0:
        the next chunk at offset 0 starts it over.
        """
        response = self.requester.request("HEAD", self._url(sha256))
        if response.status_code == 200:
            return None
        if response.status_code != 404:
            _raise_for(response, sha256)
        declared = response.headers.get(UPLOAD_LENGTH)
        if size is not None and declared is not None and declared != str(size):
            return 0
        return _header_int(response, UPLOAD_OFFSET, default=0)

    def upload(self, source: bytes | Path, sha256: str | None = None) -> str:
        """Send ``source`` (bytes or a file) and return its hash, resuming where the
        server stands. Raises when the server refuses it; calling again resumes."""
        data = _Source.of(source)
        digest = sha256 or data.sha256()
        offset = self.remote_offset(digest, data.size)
        if offset is None:
            return digest
        if data.size == 0:
            self._finished(self.requester.request("PUT", self._url(digest), content=b""), digest)
            return digest
        resyncs = 0
        while offset < data.size:
            chunk = data.read(offset, self.chunk_bytes)
            end = offset + len(chunk)
            response = self.requester.request(
                "PUT", self._url(digest), content=chunk,
                headers={"Content-Range": content_range(offset, end, data.size),
                         "Content-Type": "application/octet-stream"})
            if response.status_code == 409 and resyncs < _MAX_RESYNCS:
                resyncs += 1
                declared = response.headers.get(UPLOAD_LENGTH)
                offset = (0 if declared is not None and declared != str(data.size)
                          else _header_int(response, UPLOAD_OFFSET, default=0))
                continue
            if response.status_code in (200, 201):
                return digest
            if response.status_code != 202:
                _raise_for(response, digest)
            resyncs = 0
            offset = _header_int(response, UPLOAD_OFFSET, default=end)
        raise AttachmentTransferError(
            f"the server took all {data.size} bytes of {digest} but did not complete it")

    def _finished(self, response: httpx.Response, sha256: str) -> None:
        if response.status_code not in (200, 201):
            _raise_for(response, sha256)

    # -- download -------------------------------------------------------------------

    def download(self, sha256: str, dest: Path) -> Path:
        """Fetch ``sha256`` into ``dest`` (written only once the hash checks out).

        An interrupted download leaves ``.<name>.<sha256>.part`` beside ``dest``; the
        next call continues from it.
        """
        check_hash(sha256)
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f".{dest.name}.{sha256}.part")
        total: int | None = None
        with partial.open("ab") as handle:
            offset = handle.tell()
            while total is None or offset < total:
                response = self.requester.request("GET", self._url(sha256), headers={
                    "Range": f"bytes={offset}-{offset + self.chunk_bytes - 1}"})
                if response.status_code == 416:
                    size = _unsatisfied_size(response)
                    if size == offset:  # everything is here already (or the file is empty)
                        break
                    if offset > 0:  # a leftover longer than the file: start over
                        handle.truncate(0)
                        offset, total = 0, None
                        continue
                if response.status_code == 200:  # the whole file, not a part
                    handle.truncate(0)
                    handle.write(response.content)
                    offset = total = len(response.content)
                    break
                if response.status_code != 206:
                    _raise_for(response, sha256)
                start, end, total = parse_content_range(response.headers.get("Content-Range", ""))
                if start != offset or end - start != len(response.content):
                    raise AttachmentTransferError(
                        f"asked bytes from {offset}, got {response.headers.get('Content-Range')}")
                handle.write(response.content)
                handle.flush()
                offset = end
            handle.flush()
            os.fsync(handle.fileno())
        actual = sha256_of_file(partial)
        if actual != sha256:
            partial.unlink(missing_ok=True)
            raise AttachmentHashMismatch(f"downloaded bytes hash to {actual}, not {sha256}")
        os.replace(partial, dest)
        return dest


def upload(requester: Requester, source: bytes | Path, *,
           chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> str:
    """Upload ``source`` (bytes or a file path) and return its SHA-256."""
    return AttachmentClient(requester, chunk_bytes=chunk_bytes).upload(source)


def download(requester: Requester, sha256: str, dest: Path, *,
             chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Path:
    """Download attachment ``sha256`` into ``dest``, verified and atomically."""
    return AttachmentClient(requester, chunk_bytes=chunk_bytes).download(sha256, dest)


def _header_int(response: httpx.Response, name: str, *, default: int) -> int:
    value = response.headers.get(name, "")
    return int(value) if value.isdigit() else default


def _unsatisfied_size(response: httpx.Response) -> int | None:
    """The file size a 416 reports in ``Content-Range: bytes */SIZE``."""
    value = response.headers.get("Content-Range", "").removeprefix("bytes */")
    return int(value) if value.isdigit() else None


def _detail(response: httpx.Response) -> str:
    with contextlib.suppress(ValueError):
        body = response.json()
        if isinstance(body, dict) and "detail" in body:
            return str(body["detail"])
    return response.reason_phrase or str(response.status_code)


def _raise_for(response: httpx.Response, sha256: str) -> None:
    """Turn an unexpected answer into the matching error (always raises)."""
    status = response.status_code
    detail = _detail(response)
    if status == 401:
        raise AuthError(f"the server refused this credential: {detail}")
    if status == 403:
        raise Forbidden(detail)
    if status == 426:
        raise ProtocolRefused("the server speaks another protocol version; update the app")
    if status == 404:
        raise AttachmentNotFound(f"the server has no attachment {sha256}")
    if status == 413:
        raise AttachmentTooLarge(detail)
    if status == 422:
        raise AttachmentHashMismatch(detail)
    if status == 400:
        raise InvalidChunk(detail)
    raise AttachmentTransferError(f"attachment {sha256}: the server answered {status}: {detail}")
