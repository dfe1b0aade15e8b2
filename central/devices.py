"""Enrolled devices as HQ sees them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.errors import NotFound, ValidationError
from shared.domain.ids import new_id


def revoke_device(session: Session, device_id: str, *, by: uuid.UUID | None = None) -> None:
    try:
        key = uuid.UUID(device_id)
    except ValueError:
        raise ValidationError(f"not a device id: {device_id!r}") from None
    device = session.get(t.Device, key)
    if device is None:
        raise NotFound(f"unknown device {device_id}")
    if device.revoked_at is None:
        device.revoked_at = datetime.now(UTC)
        session.add(t.AuditEvent(
            id=new_id(), user_id=by, device_id=key, store_id=device.store_id,
            action="device.revoked", entity="device", entity_id=key,
        ))
