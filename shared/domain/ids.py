"""Identifiers.

Every synced row gets a time-ordered UUID (version 7) made where the row is born, so
an offline PC never needs the server to name things, and ids sort by creation time.
"""

from __future__ import annotations

import uuid
from typing import NewType

import uuid6

StoreId = NewType("StoreId", uuid.UUID)
DeviceId = NewType("DeviceId", uuid.UUID)
UserId = NewType("UserId", uuid.UUID)
ProductId = NewType("ProductId", uuid.UUID)
SupplierId = NewType("SupplierId", uuid.UUID)
OperationId = NewType("OperationId", uuid.UUID)


def new_id() -> uuid.UUID:
    """A new time-ordered UUIDv7."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)


def as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    """Accept a UUID or its text form (wire payloads carry text)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
