"""The protocol over HTTP, client side: httpx with timeouts, retries and gzip.

The device trades its secret for a short-lived JWT and renews it when the server says
it expired. A call that cannot reach the server is retried with exponential backoff,
then fails with :class:`ServerUnreachable` — the caller keeps its outbox and tries
again later; nothing is lost. A push is safe to retry: operation ids make it idempotent.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from shared.domain.errors import AuthError, MinimarketError
from sync.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    ChecksumResponse,
    PullResponse,
    PushRequest,
    PushResponse,
)

GZIP_ABOVE_BYTES = 8 * 1024
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class ServerUnreachable(MinimarketError):
    """The server did not answer; nothing was lost and the next sync will try again."""

    status_code = 503


class ProtocolRefused(MinimarketError):
    status_code = 426


def enroll(server: str, token: str, name: str = "", kind: str = "pc",
           client: httpx.Client | None = None) -> dict[str, Any]:
    """Trade a one-time enrollment token for ``{device_id, device_secret, store}``."""
    http = client or httpx.Client(timeout=DEFAULT_TIMEOUT)
    try:
        response = http.post(f"{server.rstrip('/')}/api/sync/enroll",
                             json={"token": token, "name": name, "kind": kind})
    except httpx.TransportError as error:
        raise ServerUnreachable(f"cannot reach {server}: {error.__class__.__name__}") from None
    if response.status_code == 401:
        raise AuthError(response.json().get("detail", "enrollment refused"))
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


class HttpTransport:
    #: push batches a client may have in flight at once over one connection pool
    max_in_flight = 3

    def __init__(
        self, server: str, device_id: uuid.UUID, device_secret: str, *,
        attempts: int = 4, backoff_seconds: float = 0.5, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.server = server.rstrip("/")
        self.device_id = device_id
        self.device_secret = device_secret
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self._owns_client = client is None
        self.http = client or httpx.Client(timeout=timeout)
        self.sleep = sleep
        self._token: str | None = None

    def close(self) -> None:
        """Close the connection pool this transport opened (not one it was given)."""
        if self._owns_client:
            self.http.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _authenticate(self) -> str:
        response = self._send("POST", "/api/auth/device-token", authenticated=False, json_body={
            "device_id": str(self.device_id), "device_secret": self.device_secret})
        if response.status_code == 401:
            raise AuthError(f"the server refused this device: {response.json().get('detail')}")
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def _send(self, method: str, path: str, *, authenticated: bool = True,
              json_body: Any = None, params: dict[str, Any] | None = None,
              content: bytes | None = None,
              extra_headers: Mapping[str, str] | None = None) -> httpx.Response:
        headers = {**(extra_headers or {}), PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
            if len(content) > GZIP_ABOVE_BYTES:
                content = gzip.compress(content, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
        delay = self.backoff_seconds
        for attempt in range(1, self.attempts + 1):
            if authenticated:
                if self._token is None:
                    self._token = self._authenticate()
                headers["Authorization"] = f"Bearer {self._token}"
            try:
                response = self.http.request(method, f"{self.server}{path}", content=content,
                                             params=params, headers=headers)
            except httpx.TransportError as error:
                if attempt == self.attempts:
                    raise ServerUnreachable(
                        f"cannot reach {self.server}: {error.__class__.__name__}") from None
            else:
                if response.status_code == 401 and authenticated and attempt < self.attempts:
                    self._token = None  # expired: authenticate again
                    continue
                if response.status_code < 500 or attempt == self.attempts:
                    return response
            self.sleep(delay)
            delay = min(delay * 2, 8.0)
        raise ServerUnreachable(f"cannot reach {self.server}")  # pragma: no cover

    def _checked(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code == 426:
            raise ProtocolRefused("the server speaks another protocol version; update the app")
        if response.status_code == 401:
            raise AuthError(str(response.json().get("detail", "not authorised")))
        if response.status_code >= 500:
            raise ServerUnreachable(f"the server failed ({response.status_code}); will retry")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def push(self, request: PushRequest) -> PushResponse:
        response = self._send("POST", "/api/sync/push", json_body=request.model_dump())
        return PushResponse.model_validate(self._checked(response))

    def request(self, method: str, path: str, /, *, content: bytes | None = None,
                headers: Mapping[str, str] | None = None,
                params: Mapping[str, Any] | None = None) -> httpx.Response:
        """One authenticated request to ``path`` (raw body, extra headers), with the same
        retries as the protocol's calls; the caller reads the status (attachments)."""
        return self._send(method, path, content=content, extra_headers=headers,
                          params=dict(params) if params is not None else None)

    def pull(self, after: int, limit: int) -> PullResponse:
        response = self._send("GET", "/api/sync/pull", params={"after": after, "limit": limit})
        return PullResponse.model_validate(self._checked(response))

    def checksum(self, at: int) -> ChecksumResponse:
        response = self._send("GET", "/api/sync/checksum", params={"at": at})
        return ChecksumResponse.model_validate(self._checked(response))
