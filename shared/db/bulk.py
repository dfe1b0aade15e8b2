"""Bulk inserts: COPY on PostgreSQL (psycopg), executemany elsewhere.

An import or a first sync writes tens of thousands of rows; COPY moves them to
PostgreSQL several times faster than parameterised INSERTs. Rows of one call must
share one shape (the same keys), which the callers guarantee.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

#: Below this many rows a plain INSERT is as fast and simpler.
COPY_THRESHOLD = 200


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg" and len(rows) >= COPY_THRESHOLD:
        _copy(connection.connection.driver_connection, table, rows)
    else:
        session.execute(insert(table), list(rows))


def _copy(raw: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    from psycopg import sql
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    # COPY skips SQLAlchemy's Python-side defaults: evaluate them here, once per row.
    defaults = {
        column.name: column.default for column in table.columns
        if column.name not in rows[0] and column.default is not None
    }
    columns += list(defaults)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    json_columns = {name for name in columns if _is_json(table, name)}
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            if defaults:
                row = {**row, **{name: _evaluate(d) for name, d in defaults.items()}}
            copy.write_row([
                Jsonb(row[name]) if name in json_columns and row[name] is not None else row[name]
                for name in columns
            ])


def _evaluate(default: Any) -> Any:
    return default.arg(None) if getattr(default, "is_callable", False) else default.arg


def _is_json(table: Table, name: str) -> bool:
    from sqlalchemy import JSON

    return isinstance(table.c[name].type, JSON)
