"""Operations: every change to synced data is one of these.

``(hlc, device_id, op_id)`` orders operations the same way on every replica. The
payload holds JSON values only (ints for cents and thousandths, ISO text for dates,
text for UUIDs) so an operation crosses the wire and lands in any database unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

OrderKey = tuple[int, uuid.UUID, uuid.UUID]


class OpKind(StrEnum):
    UPSERT = "upsert"  # set some fields of a mutable record (per-field last writer wins)
    APPEND = "append"  # add an immutable ledger row (or a document of rows)


@dataclass(frozen=True, slots=True)
class Operation:
    op_id: uuid.UUID
    hlc: int
    device_id: uuid.UUID
    user_id: uuid.UUID | None
    kind: OpKind
    entity: str
    entity_id: uuid.UUID
    store_id: uuid.UUID | None
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def order_key(self) -> OrderKey:
        return (self.hlc, self.device_id, self.op_id)

    @property
    def version(self) -> str:
        return version_stamp(self.hlc, self.device_id, self.op_id)

    def to_wire(self) -> dict[str, Any]:
        return {
            "op_id": str(self.op_id),
            "hlc": self.hlc,
            "device_id": str(self.device_id),
            "user_id": str(self.user_id) if self.user_id else None,
            "kind": self.kind.value,
            "entity": self.entity,
            "entity_id": str(self.entity_id),
            "store_id": str(self.store_id) if self.store_id else None,
            "payload": dict(self.payload),
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Operation:
        def optional_uuid(value: Any) -> uuid.UUID | None:
            return uuid.UUID(str(value)) if value else None

        return cls(
            op_id=uuid.UUID(str(data["op_id"])),
            hlc=int(data["hlc"]),
            device_id=uuid.UUID(str(data["device_id"])),
            user_id=optional_uuid(data.get("user_id")),
            kind=OpKind(data["kind"]),
            entity=str(data["entity"]),
            entity_id=uuid.UUID(str(data["entity_id"])),
            store_id=optional_uuid(data.get("store_id")),
            payload=dict(data.get("payload") or {}),
        )


def version_stamp(hlc: int, device_id: uuid.UUID, op_id: uuid.UUID) -> str:
    """A fixed-width text whose string order is the ``(hlc, device_id, op_id)`` order.

    Stored per field in ``field_versions``; comparing two stamps as strings compares
    the operations that wrote them.
    """
    return f"{hlc:016x}.{device_id.hex}.{op_id.hex}"
