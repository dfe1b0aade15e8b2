"""A replica's own key-value settings (``replica_meta``): cursors, marks, local state."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared.db import tables as t


def read_meta(session: Session, key: str) -> str | None:
    row = session.get(t.ReplicaMeta, key)
    return row.value if row is not None else None


def write_meta(session: Session, key: str, value: str) -> None:
    row = session.get(t.ReplicaMeta, key)
    if row is None:
        session.add(t.ReplicaMeta(key=key, value=value))
    else:
        row.value = value
    session.flush()
