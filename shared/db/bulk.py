"""Bulk inserts: COPY on PostgreSQL (psycopg or asyncpg), one raw executemany on SQLite.

An import or a first sync writes tens of thousands of rows, and every sync push a
thousand; COPY moves them to PostgreSQL several times faster than parameterised
INSERTs. Rows of one call must share one shape (the same keys), which the callers
guarantee.
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
    if len(rows) < COPY_THRESHOLD:
        session.execute(insert(table), list(rows))
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy(connection.connection.driver_connection, table, rows)
    elif dialect.name == "postgresql" and dialect.driver == "asyncpg":
        _copy_asyncpg(connection, table, rows)
    elif dialect.name == "sqlite":
        _executemany(connection, table, rows)
    else:
        session.execute(insert(table), list(rows))


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> tuple[list[str], Any]:
    """The columns to write and the rows with Python-side defaults evaluated (these
    raw paths skip SQLAlchemy, which would otherwise fill them), once per row."""
    columns = list(rows[0])
    defaults = {
        column.name: column.default for column in table.columns
        if column.name not in rows[0] and column.default is not None
    }
    if not defaults:
        return columns, rows
    filled = ({**row, **{name: _evaluate(d) for name, d in defaults.items()}} for row in rows)
    return columns + list(defaults), filled


def _executemany(connection: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """The same rows SQLAlchemy would write, converted by the columns' own bind
    processors, in one DB-API executemany (skipping per-row statement bookkeeping)."""
    dialect = connection.dialect
    columns, source = _with_defaults(table, rows)
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in columns]
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    # Identifiers come from the schema, values travel as parameters.
    statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        dialect.identifier_preparer.quote(table.name), quoted, ", ".join("?" for _ in columns))
    parameters = [
        tuple(row[name] if processor is None or row[name] is None else processor(row[name])
              for name, processor in zip(columns, processors, strict=True))
        for row in source
    ]
    connection.exec_driver_sql(statement, parameters)


def _copy(raw: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    from psycopg import sql
    from psycopg.types.json import Jsonb

    columns, source = _with_defaults(table, rows)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    json_columns = {name for name in columns if _is_json(table, name)}
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in source:
            copy.write_row([
                Jsonb(row[name]) if name in json_columns and row[name] is not None else row[name]
                for name in columns
            ])


def _copy_asyncpg(connection: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """asyncpg's binary COPY, awaited from the synchronous code ``run_sync`` runs (central).

    SQLAlchemy's asyncpg adapter opens its transaction at the first statement, so one
    is run first when none is open yet: the COPY must commit or roll back with the rest.
    JSON goes as text, which the JSONB codec SQLAlchemy installs on each connection takes.
    """
    import json

    from sqlalchemy.util import await_only

    raw = connection.connection.driver_connection
    if not raw.is_in_transaction():
        connection.exec_driver_sql("SELECT 1")
    columns, source = _with_defaults(table, rows)
    json_columns = {name for name in columns if _is_json(table, name)}
    records = [
        tuple(json.dumps(row[name]) if name in json_columns and row[name] is not None
              else row[name] for name in columns)
        for row in source
    ]
    await_only(raw.copy_records_to_table(table.name, records=records, columns=columns,
                                         schema_name=table.schema))


def _evaluate(default: Any) -> Any:
    return default.arg(None) if getattr(default, "is_callable", False) else default.arg


def _is_json(table: Table, name: str) -> bool:
    from sqlalchemy import JSON

    return isinstance(table.c[name].type, JSON)
