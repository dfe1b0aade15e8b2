"""Price changes to relabel (*Precios*): what changed since the shelf label was printed.

HQ writes prices (a ledger of entries with an effective date); the shelf labels are
this store's paper. This PC remembers, per product, the price it was last labelled
with — a *mark*, kept in ``replica_meta`` under ``relabel:<product id hex>`` and never
replicated (another PC of the store keeps its own marks). A product is listed when its
price here today differs from its labelled price:

- a marked product's labelled price is the price it was marked at;
- a product never marked is taken to be labelled with the price it had
  ``lookback_days`` ago (30 by default), so a new PC lists the last month's changes
  rather than the whole catalog. Products that had no price then are not listed: that
  is a new product, not a price change.

A price that goes up and back down before anyone relabels is not listed. Usage::

    with Session(store.engine) as session:
        changes = price_changes_since_relabel(session, store.store_id)
    html = labels_html(changes)                  # print it, then:
    mark_relabelled(store, [c.product_id for c in changes])
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from desktop.app.quantities import today as business_today
from desktop.app.store import StoreData
from shared.db import tables as t
from shared.db.replica_meta import write_meta
from shared.domain.enums import Unit
from shared.services.catalog import fold_text, prices_on
from shared.services.stock import visible_products

MARK_PREFIX = "relabel:"
DEFAULT_LOOKBACK_DAYS = 30
CHUNK = 500


@dataclass(frozen=True)
class PriceChange:
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    barcode: str | None  # the first barcode, for the label
    old_price_cents: int  # the labelled price
    new_price_cents: int  # the price here today
    since: date  # the day the new price took effect
    marked_at: datetime | None  # when the product was last marked relabelled; None: never

    @property
    def difference_cents(self) -> int:
        return self.new_price_cents - self.old_price_cents


def mark_key(product_id: uuid.UUID) -> str:
    return f"{MARK_PREFIX}{product_id.hex}"


def current_prices(
    session: Session, store_id: uuid.UUID, day: date,
    product_ids: Collection[uuid.UUID] | None = None,
) -> dict[uuid.UUID, tuple[int, date]]:
    """Each product's price on ``day`` with the date its entry took effect, in one query.

    The rule of :func:`shared.services.catalog.prices_on`.
    """
    scope: ColumnElement[bool] = or_(t.Price.store_id.is_(None), t.Price.store_id == store_id)
    own_store = case((t.Price.store_id.is_(None), 0), else_=1)
    rank = func.row_number().over(
        partition_by=t.Price.product_id,
        order_by=(t.Price.effective_from.desc(), own_store.desc(), t.Price.hlc.desc(),
                  t.Price.device_id.desc(), t.Price.op_id.desc()))
    ranked = select(t.Price.product_id, t.Price.price_cents, t.Price.effective_from,
                    rank.label("rank")).where(t.Price.effective_from <= day, scope)
    parts: list[list[uuid.UUID] | None] = [None]
    if product_ids is not None:
        ids = sorted(product_ids)
        parts = [ids[start:start + CHUNK] for start in range(0, len(ids), CHUNK)]
    found: dict[uuid.UUID, tuple[int, date]] = {}
    for part in parts:
        inner = (ranked if part is None else ranked.where(t.Price.product_id.in_(part))).subquery()
        for row in session.execute(select(inner.c.product_id, inner.c.price_cents,
                                          inner.c.effective_from).where(inner.c.rank == 1)):
            found[row.product_id] = (row.price_cents, row.effective_from)
    return found


def relabel_marks(session: Session) -> dict[uuid.UUID, dict[str, Any]]:
    """This PC's marks: {product id: {"price_cents": int | None, "at": iso datetime}}."""
    marks: dict[uuid.UUID, dict[str, Any]] = {}
    rows = session.execute(select(t.ReplicaMeta.key, t.ReplicaMeta.value)
                           .where(t.ReplicaMeta.key.startswith(MARK_PREFIX)))
    for key, value in rows:
        try:
            marks[uuid.UUID(hex=key[len(MARK_PREFIX):])] = json.loads(value)
        except ValueError:
            continue  # a damaged mark is as good as none
    return marks


def price_changes_since_relabel(
    session: Session, store_id: uuid.UUID, today: date | None = None,
    *, lookback_days: int = DEFAULT_LOOKBACK_DAYS,
) -> list[PriceChange]:
    """Products whose price here today differs from their labelled price, by name."""
    day = today or business_today()
    current = current_prices(session, store_id, day)
    marks = relabel_marks(session)
    unmarked = [product_id for product_id in current if product_id not in marks]
    then = day - timedelta(days=lookback_days)
    # one query over every product beats many chunks when most are unmarked
    earlier = (prices_on(session, store_id, then) if len(unmarked) > CHUNK
               else prices_on(session, store_id, then, unmarked) if unmarked else {})
    changed: dict[uuid.UUID, tuple[int, int, date, datetime | None]] = {}
    for product_id, (price, since) in current.items():
        mark = marks.get(product_id)
        if mark is not None:
            old = mark.get("price_cents")
            marked_at = _parse_time(mark.get("at"))
        else:
            old, marked_at = earlier.get(product_id), None
        if isinstance(old, int) and old != price:
            changed[product_id] = (old, price, since, marked_at)
    return _with_products(session, changed)


def _parse_time(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _with_products(
    session: Session, changed: dict[uuid.UUID, tuple[int, int, date, datetime | None]]
) -> list[PriceChange]:
    ids = sorted(changed)
    found: list[PriceChange] = []
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        barcodes: dict[uuid.UUID, str] = {}
        for product_id, code in session.execute(
                select(t.Barcode.product_id, t.Barcode.code)
                .where(t.Barcode.product_id.in_(part), t.Barcode.deleted.is_(False))
                .order_by(t.Barcode.id)):
            if code and product_id is not None:
                barcodes.setdefault(product_id, code)
        for row in session.execute(
                select(t.Product.id, t.Product.sku, t.Product.name, t.Product.unit)
                .where(t.Product.id.in_(part), visible_products(),
                       t.Product.merged_into.is_(None))):
            old, new, since, marked_at = changed[row.id]
            found.append(PriceChange(row.id, row.sku or "", row.name or "",
                                     row.unit or Unit.UNIT.value, barcodes.get(row.id), old,
                                     new, since, marked_at))
    found.sort(key=lambda change: (fold_text(change.name), change.sku))
    return found


def mark_relabelled_in(
    session: Session, store_id: uuid.UUID, product_ids: Iterable[uuid.UUID],
    today: date | None = None,
) -> int:
    """Record that these products' labels now show today's price; returns how many."""
    ids = set(product_ids)
    prices = current_prices(session, store_id, today or business_today(), ids)
    now = datetime.now(UTC).isoformat()
    for product_id in ids:
        price = prices.get(product_id)
        value = json.dumps({"price_cents": price[0] if price else None, "at": now})
        write_meta(session, mark_key(product_id), value)
    return len(ids)


def mark_relabelled(store: StoreData, product_ids: Iterable[uuid.UUID],
                    today: date | None = None) -> int:
    """:func:`mark_relabelled_in` in its own transaction on this PC's database (local only)."""
    store_id = store.store_id
    with store.transaction() as session:
        return mark_relabelled_in(session, store_id, product_ids, today)


# --- printing ------------------------------------------------------------------------


def price_text(cents: int) -> str:
    """``$ 1.234,50``: as a price is written in Argentina."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}$ {whole:,}".replace(",", ".") + f",{part:02d}"


def _per(change: PriceChange) -> str:
    return " el kg" if change.unit == Unit.KG.value else ""


def labels_text(changes: Iterable[PriceChange]) -> str:
    """A plain-text list to print or paste: one product per line."""
    lines = []
    for change in changes:
        lines.append(f"{change.sku:<12} {change.name[:40]:<40} "
                     f"{price_text(change.old_price_cents):>14} -> "
                     f"{price_text(change.new_price_cents)}{_per(change)}"
                     f"  (desde {change.since:%d/%m/%Y})")
    return "\n".join(lines) + ("\n" if lines else "")


def labels_html(changes: Iterable[PriceChange], *, title: str = "Cambios de precio") -> str:
    """A printable page of shelf labels (name, new price, code, date), no assets needed."""
    cells = []
    for change in changes:
        cells.append(
            '<div class="label">'
            f'<div class="name">{html.escape(change.name)}</div>'
            f'<div class="price">{html.escape(price_text(change.new_price_cents))}'
            f'<small>{html.escape(_per(change))}</small></div>'
            f'<div class="code">{html.escape(change.barcode or change.sku)}'
            f' · desde {change.since:%d/%m/%Y}</div></div>')
    style = ("body{font-family:sans-serif;margin:8mm}"
             ".grid{display:flex;flex-wrap:wrap;gap:3mm}"
             ".label{border:1px dashed #555;width:60mm;padding:3mm;page-break-inside:avoid}"
             ".name{font-size:11pt;height:2.6em;overflow:hidden}"
             ".price{font-size:22pt;font-weight:bold}.code{font-size:8pt;color:#333}")
    return (f'<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{style}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><div class=\"grid\">{''.join(cells)}</div>"
            "</body></html>")
