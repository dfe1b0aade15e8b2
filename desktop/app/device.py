"""This PC's identity and its server address, for the Configuración screen (no Qt)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from desktop.app.store import (
    APP_VERSION,
    SERVER_KEY,
    STORE_CODE_KEY,
    STORE_ID_KEY,
    StoreData,
)
from shared.db import tables as t
from shared.domain.errors import ValidationError


class InvalidServerUrl(ValidationError):
    """A server address that is not an http(s) URL with a host."""


@dataclass(frozen=True)
class DeviceInfo:
    device_id: uuid.UUID
    store_code: str | None
    store_name: str | None
    server: str | None
    app_version: str
    data_dir: Path


def device_info(store: StoreData) -> DeviceInfo:
    store_id = store.meta(STORE_ID_KEY)
    name = None
    if store_id:
        with Session(store.engine) as session:
            row = session.get(t.Store, uuid.UUID(store_id))
            name = row.name if row is not None else None
    return DeviceInfo(store.replica.device_id, store.meta(STORE_CODE_KEY), name,
                      store.meta(SERVER_KEY), APP_VERSION, store.data_dir.resolve())


def normalize_server_url(text: str) -> str:
    """``http(s)://host[:port][/path]`` without a trailing slash; a bare host gets http://."""
    value = text.strip()
    if not value:
        raise InvalidServerUrl("the server address is empty")
    if "://" not in value:
        value = "http://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidServerUrl(f"not a server address: {text.strip()!r}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise InvalidServerUrl(f"not a server address: {text.strip()!r}") from None
    if parts.query or parts.fragment:
        raise InvalidServerUrl("a server address has no ?query or #fragment")
    return value.rstrip("/")


def set_server_url(store: StoreData, url: str) -> str:
    """Point this PC at another server (central or the store's edge); returns it normalized.

    The same device credential works with both: an edge forwards it to central.
    """
    normalized = normalize_server_url(url)
    store.set_meta(**{SERVER_KEY: normalized})
    return normalized
