"""Incremental, order-independent checksums of a replicated scope.

A scope's checksum at a cursor is the number of operations with ``seq <= cursor`` and
the sum modulo 2**64 of the first 8 bytes of SHA-256 of each operation id. Adding an
operation is one addition, the order does not matter, and two replicas that hold the
same operations at the same cursor hold the same value (docs/sync-protocol.md).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

MODULUS = 1 << 64


def op_digest(op_id: uuid.UUID | str) -> int:
    raw = op_id.bytes if isinstance(op_id, uuid.UUID) else uuid.UUID(str(op_id)).bytes
    return int.from_bytes(hashlib.sha256(raw).digest()[:8], "big")


@dataclass(frozen=True)
class Checksum:
    count: int = 0
    total: int = 0

    def add(self, op_ids: Iterable[uuid.UUID | str]) -> Checksum:
        count, total = self.count, self.total
        for op_id in op_ids:
            count += 1
            total = (total + op_digest(op_id)) % MODULUS
        return Checksum(count, total)

    def plus(self, other: Checksum) -> Checksum:
        return Checksum(self.count + other.count, (self.total + other.total) % MODULUS)

    def minus(self, other: Checksum) -> Checksum:
        return Checksum(self.count - other.count, (self.total - other.total) % MODULUS)

    def text(self) -> str:
        """The wire and storage form: ``count:hex``."""
        return f"{self.count}:{self.total:016x}"

    @classmethod
    def parse(cls, value: str | None) -> Checksum:
        if not value:
            return cls()
        count, _, total = value.partition(":")
        return cls(int(count), int(total, 16))
