"""Pages of a list: ``page``/``size`` or ``limit``/``offset``, and the total."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
DEFAULT_SIZE = 50
MAX_SIZE = 200


@dataclass(frozen=True)
class Page:
    offset: int = 0
    size: int = DEFAULT_SIZE

    @property
    def number(self) -> int:
        return self.offset // self.size + 1

    def body(self, items: list[Any], total: int) -> dict[str, Any]:
        return {"items": items, "total": total, "page": self.number, "size": self.size,
                "offset": self.offset}

    def slice(self, rows: Sequence[T]) -> list[T]:
        return list(rows[self.offset : self.offset + self.size])


def page_of(
    session: Session, statement: Select[Any], page: Page, render: Callable[[Any], Any],
    *, scalars: bool = True,
) -> dict[str, Any]:
    """Count ``statement``'s rows, fetch one page of them and render each."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    limited = statement.offset(page.offset).limit(page.size)
    rows = session.scalars(limited).all() if scalars else session.execute(limited).all()
    return page.body([render(row) for row in rows], int(total or 0))
