"""Alembic environment: runs on a connection handed over by shared.db.migrate."""

from __future__ import annotations

from alembic import context

from shared.db import tables  # noqa: F401 - registers the tables on Base.metadata
from shared.db.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through shared.db.migrate (it passes a connection)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
