"""Which entity name maps to which table, and how a payload value becomes a column value."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Integer, String, Table, Text, Uuid

from shared.db import tables as t
from shared.db.base import UTCDateTime
from shared.domain.errors import ValidationError
from shared.ops.model import OpKind


class UnknownEntity(ValidationError):
    pass


class BadPayload(ValidationError):
    pass


Converter = Callable[[Any], Any]


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("an integer")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("text")
    return value


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _datetime(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise TypeError("a datetime with its time zone")
    return parsed


def _converter_for(column_type: Any) -> Converter:
    kinds: list[tuple[type, Converter]] = [
        (Uuid, _uuid), (UTCDateTime, _datetime), (Date, _date), (Boolean, _bool),
        (BigInteger, _int), (Integer, _int), (Text, _str), (String, _str), (JSON, lambda v: v),
    ]
    for kind, converter in kinds:
        if isinstance(column_type, kind):
            return converter
    raise TypeError(f"no payload converter for {column_type!r}")


@dataclass(frozen=True)
class EntitySpec:
    name: str
    kind: OpKind
    table: Table
    #: payload field -> converter; the fields an operation may carry
    fields: dict[str, Converter]
    #: column -> its default, for filling a ledger row to the full column set
    defaults: dict[str, Callable[[], Any]]

    def complete(self, row: dict[str, Any]) -> dict[str, Any]:
        """Every column present (bulk inserts need one shape), defaults where unset."""
        for column in self.table.columns:
            if row.get(column.name) is None:
                default = self.defaults.get(column.name)
                row[column.name] = default() if default is not None else None
        return row

    def convert(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Column values from a JSON payload; a clear error names the bad field."""
        out: dict[str, Any] = {}
        for name, value in payload.items():
            converter = self.fields.get(name)
            if converter is None:
                raise BadPayload(f"{self.name}: unknown field {name!r}")
            try:
                out[name] = None if value is None else converter(value)
            except (TypeError, ValueError) as error:
                raise BadPayload(f"{self.name}.{name}: expected {error}") from None
        return out


_OP_COLUMNS = {"id", "op_id", "hlc", "device_id", "user_id", "field_versions"}


def _default_maker(default: Any) -> Callable[[], Any]:
    if getattr(default, "is_callable", False):
        return lambda: default.arg(None)  # SQLAlchemy wraps callables to take a context
    return lambda: default.arg


def _spec(name: str, kind: OpKind, model: type[t.Base]) -> EntitySpec:
    table = model.__table__
    assert isinstance(table, Table)
    fields = {
        column.name: _converter_for(column.type)
        for column in table.columns
        if column.name not in _OP_COLUMNS
    }
    defaults = {column.name: _default_maker(column.default) for column in table.columns
                if column.default is not None}
    return EntitySpec(name, kind, table, fields, defaults)


RECORDS: dict[str, type[t.Base]] = {
    "store": t.Store,
    "user": t.User,
    "supplier": t.Supplier,
    "product": t.Product,
    "barcode": t.Barcode,
    "supplier_product_code": t.SupplierProductCode,
    "pricing_rule": t.PricingRule,
    "inflation_index": t.InflationIndex,
    "count_session": t.CountSession,
    "supplier_invoice": t.SupplierInvoice,
    "invoice_line": t.InvoiceLine,
    "purchase_order": t.PurchaseOrder,
    "purchase_order_line": t.PurchaseOrderLine,
    "model_release": t.ModelRelease,
}
LEDGERS: dict[str, type[t.Base]] = {
    "price": t.Price,
    "stock_movement": t.StockMovement,
    "count_entry": t.CountEntry,
    "invoice_confirmation": t.InvoiceConfirmation,
}

ENTITIES: dict[str, EntitySpec] = {
    **{name: _spec(name, OpKind.UPSERT, model) for name, model in RECORDS.items()},
    **{name: _spec(name, OpKind.APPEND, model) for name, model in LEDGERS.items()},
}
MOVEMENT_SPEC = ENTITIES["stock_movement"]


def spec_for(entity: str, kind: OpKind) -> EntitySpec:
    spec = ENTITIES.get(entity)
    if spec is None:
        raise UnknownEntity(f"unknown entity {entity!r}")
    if spec.kind is not kind:
        raise BadPayload(f"{entity} takes {spec.kind.value} operations, not {kind.value}")
    return spec
