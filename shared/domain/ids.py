"""Identifiers.

Every synced row gets a time-ordered UUID (version 7) made where the row is born, so
an offline PC never needs the server to name things, and ids sort by creation time.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import NewType

StoreId = NewType("StoreId", uuid.UUID)
DeviceId = NewType("DeviceId", uuid.UUID)
UserId = NewType("UserId", uuid.UUID)
ProductId = NewType("ProductId", uuid.UUID)
SupplierId = NewType("SupplierId", uuid.UUID)
OperationId = NewType("OperationId", uuid.UUID)


_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62
_RAND_A = 0xFFF << 64
_RAND_B = (1 << 62) - 1


def new_id() -> uuid.UUID:
    """A new time-ordered UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random.

    Written out because it is on every write's hot path (an import makes hundreds of
    thousands); the layout is the standard one, checked by the tests.
    """
    random_bits = int.from_bytes(os.urandom(10), "big")
    millis = time.time_ns() // 1_000_000
    return uuid.UUID(
        int=(millis << 80) | _VERSION_7 | ((random_bits << 64) & _RAND_A) | _VARIANT
        | (random_bits & _RAND_B)
    )


def as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    """Accept a UUID or its text form (wire payloads carry text)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
