"""Declarative base, column types and the two row families every synced table uses.

Replicated tables carry no foreign-key constraints and no unique constraints on
natural keys: operations from offline replicas arrive in any order, and a row that
refers to one not yet received must still apply. Uniqueness is checked where a
person writes (the use case), and readers resolve ties by the operation order.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, MetaData, String, TypeDecorator, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        uuid.UUID: Uuid(),
        datetime: UTCDateTime(),
        int: BigInteger(),
        dict[str, Any]: JSONType,
        bool: Boolean(),
    }


class RecordMixin:
    """A mutable record merged per field, last writer wins in operation order.

    ``field_versions`` maps each field to the version stamp of the operation that
    last set it; ``deleted`` is the tombstone, merged like any other field.
    """

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    deleted: Mapped[bool] = mapped_column(default=False)
    field_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LedgerMixin:
    """An immutable row appended by one operation; who, where and when travel with it."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    op_id: Mapped[uuid.UUID] = mapped_column(index=True)
    hlc: Mapped[int]
    device_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID | None]


def short_str(length: int = 200) -> String:
    return String(length)
