"""Small look-ups the pages' filters share (store, category and supplier choices)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shared.db import tables as t

MAX_CHOICES = 500


def stores(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(
        select(t.Store.code, t.Store.name).where(t.Store.deleted.is_(False))
        .order_by(t.Store.code)
    )
    return [(row.code or "", row.name or "") for row in rows]


def store_rows(session: Session) -> list[t.Store]:
    return list(session.scalars(
        select(t.Store).where(t.Store.deleted.is_(False)).order_by(t.Store.code)))


def categories(session: Session) -> list[str]:
    rows = session.scalars(
        select(t.Product.category).where(t.Product.deleted.is_(False),
                                         t.Product.category.is_not(None))
        .distinct().order_by(t.Product.category).limit(MAX_CHOICES)
    )
    return [row for row in rows if row]


def suppliers(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(t.Supplier.id, t.Supplier.name, t.Supplier.cuit)
        .where(t.Supplier.deleted.is_(False),
               or_(t.Supplier.archived.is_(None), t.Supplier.archived.is_(False)))
        .order_by(t.Supplier.name).limit(MAX_CHOICES)
    )
    return [{"id": row.id, "name": row.name or row.cuit, "cuit": row.cuit} for row in rows]


def filters(session: Session) -> dict[str, Any]:
    return {"stores": stores(session), "categories": categories(session),
            "suppliers": suppliers(session)}
