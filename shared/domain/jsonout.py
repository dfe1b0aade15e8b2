"""JSON output that writes money exactly.

``json.dumps`` can only write a Decimal by turning it into a float first, so
``30000.00`` would come out as ``30000.0`` and large or many-decimal values could
change. The CLI's ``--json`` output is read by scripts and outside tests, so amounts
must come out exactly as computed: we write each Decimal's own digits.

A small recursive writer is simpler than bending ``json.JSONEncoder`` (whose C
encoder has no hook for emitting raw number text). Strings and keys still go
through ``json.dumps`` for correct escaping, and the layout matches ``json.dumps``
with the same ``indent``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from uuid import UUID


def dumps(obj: object, *, indent: int | None = None) -> str:
    """Serialize ``obj`` to JSON text, keeping Decimals exact and keys in order.

    Besides JSON's own types it writes Decimal (its digits), aware datetime (UTC,
    ``Z``), date, UUID, Enum (its value), dataclasses (objects) and tuples (arrays).
    Anything else is a TypeError; a naive datetime or a NaN is a ValueError, since
    either would silently mean something else to the reader.
    """
    return _encode(obj, indent, 0)


def _encode(value: object, indent: int | None, level: int) -> str:
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    if is_dataclass(value) and not isinstance(value, type):
        members = ((member.name, getattr(value, member.name)) for member in fields(value))
        return _object(members, indent, level)
    if isinstance(value, Mapping):
        return _object(value.items(), indent, level)
    if isinstance(value, list | tuple):
        return _array(value, indent, level)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _scalar(value: object) -> str | None:
    """JSON text of a value that is not a container, or None if it is one (or unknown).

    Order matters: Enum before str and int (StrEnum is a str), bool before int, and
    datetime before date (a datetime is a date).
    """
    if value is None:
        return "null"
    if isinstance(value, Enum):
        return _encode(value.value, None, 0)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return json.dumps(value, allow_nan=False)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, datetime):
        return json.dumps(_utc_iso(value))
    if isinstance(value, date):
        return json.dumps(value.isoformat())
    if isinstance(value, UUID):
        return json.dumps(str(value))
    return None


def _decimal(value: Decimal) -> str:
    """The Decimal's own digits in fixed-point: ``30000.00`` stays ``30000.00``.

    Fixed-point rather than ``str`` so ``Decimal("1E+3")`` reads as ``1000``; ``"f"``
    without a precision keeps every digit and never rounds.
    """
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    return format(value, "f")


def _utc_iso(value: datetime) -> str:
    """ISO-8601 in UTC with ``Z``; a naive datetime has no known instant, so refuse it."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def _key(key: object) -> str:
    """Object keys are strings in JSON; accept the key types that have one obvious text."""
    if isinstance(key, Enum):
        key = key.value
    if isinstance(key, str):
        return json.dumps(str(key), ensure_ascii=False)
    if isinstance(key, int) and not isinstance(key, bool):
        return json.dumps(int.__repr__(key))
    if isinstance(key, UUID):
        return json.dumps(str(key))
    raise TypeError(f"cannot write a {type(key).__name__} as a JSON object key")


def _layout(indent: int | None, level: int) -> tuple[str, str, str]:
    """Item separator, opening and closing whitespace, as ``json.dumps`` lays them out."""
    if indent is None:
        return ", ", "", ""
    inner = "\n" + " " * (indent * (level + 1))
    return "," + inner, inner, "\n" + " " * (indent * level)


def _object(items: Iterable[tuple[object, object]], indent: int | None, level: int) -> str:
    separator, opening, closing = _layout(indent, level)
    members = [f"{_key(key)}: {_encode(item, indent, level + 1)}" for key, item in items]
    if not members:
        return "{}"
    return "{" + opening + separator.join(members) + closing + "}"


def _array(values: Iterable[object], indent: int | None, level: int) -> str:
    separator, opening, closing = _layout(indent, level)
    elements = [_encode(item, indent, level + 1) for item in values]
    if not elements:
        return "[]"
    return "[" + opening + separator.join(elements) + closing + "]"
