"""Matching a read invoice's lines to this replica's products (store PC or central).

The ranking is pure (:mod:`shared.domain.invoice_matching`); this module reads what it
needs in a few queries per invoice — the supplier's remembered codes for the printed
codes, the barcodes for the printed EANs — and keeps the description index of the
catalog between invoices (:func:`description_index`), so a line never scans the
product table. Usage::

    matches = match_lines(session, reading.lines, supplier_id)   # one LineMatch per line

A remembered code or barcode that points at a product merged into another leads to the
one it was merged into; one that points at a product this replica does not hold (a
provisional product of another store, until HQ promotes it) is ignored.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.invoice_matching import (
    CANDIDATES,
    CatalogEntry,
    DescriptionIndex,
    LineMatch,
    match_line,
)
from shared.services.invoices import supplier_codes
from shared.services.stock import visible_products

#: A cached description index is trusted this long while the catalog's stamp holds.
INDEX_MAX_AGE_SECONDS = 60.0
_MERGE_HOPS = 8


class ReadLineText(Protocol):
    """What matching reads of a line (``shared.ocr.model.ReadLine`` has it)."""

    code: str | None
    description: str | None
    ean: str | None


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[object, ...], float, DescriptionIndex]] = {}


def _stamp(session: Session) -> tuple[object, ...]:
    """Cheap facts that change when products are added or removed."""
    count = session.scalar(select(func.count()).select_from(t.Product)
                           .where(visible_products()))
    newest = session.scalar(select(t.Product.id).where(visible_products())
                            .order_by(t.Product.id.desc()).limit(1))  # PostgreSQL: no max(uuid)
    return (int(count or 0), newest)


def load_description_index(session: Session) -> DescriptionIndex:
    """Every live, unmerged product's name, in one query."""
    rows = session.execute(
        select(t.Product.id, t.Product.sku, t.Product.name)
        .where(visible_products(), t.Product.merged_into.is_(None))
        .order_by(t.Product.id))
    return DescriptionIndex(CatalogEntry(row.id, row.sku or "", row.name or "")
                            for row in rows if row.name)


def description_index(session: Session) -> DescriptionIndex:
    """The catalog's description index, rebuilt when products were added or removed (or
    after ``INDEX_MAX_AGE_SECONDS``, for renames). One per database, shared by threads."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    stamp = _stamp(session)
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == stamp and now - cached[1] < INDEX_MAX_AGE_SECONDS:
        return cached[2]
    index = load_description_index(session)
    with _cache_lock:
        _cache[key] = (stamp, now, index)
    return index


def forget_description_indexes() -> None:
    """Drop every cached index (tests, or after a bulk import)."""
    with _cache_lock:
        _cache.clear()


def live_entries(session: Session,
                 product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CatalogEntry]:
    """Each id's live product as a catalog entry, a merged one's target in its place;
    ids of products that are deleted, archived or unknown here are left out."""
    wanted = set(product_ids)
    found: dict[uuid.UUID, CatalogEntry] = {}
    pointing = {product_id: product_id for product_id in wanted}  # asked id -> current id
    for _ in range(_MERGE_HOPS):
        if not pointing:
            break
        rows = {row.id: row for row in session.execute(
            select(t.Product.id, t.Product.sku, t.Product.name, t.Product.merged_into,
                   t.Product.archived)
            .where(t.Product.id.in_(set(pointing.values())), t.Product.deleted.is_(False)))}
        following: dict[uuid.UUID, uuid.UUID] = {}
        for asked, current in pointing.items():
            row = rows.get(current)
            if row is None:
                continue
            if row.merged_into is not None:
                following[asked] = row.merged_into
            elif not row.archived and row.sku is not None:
                found[asked] = CatalogEntry(row.id, row.sku, row.name or row.sku)
        pointing = following
    return found


def _by_code(session: Session, supplier_id: uuid.UUID | None,
             codes: set[str]) -> dict[str, CatalogEntry]:
    if supplier_id is None or not codes:
        return {}
    remembered = supplier_codes(session, supplier_id, codes)
    mapped = {code: row.product_id for code, row in remembered.items()
              if row.product_id is not None}
    entries = live_entries(session, mapped.values())
    return {code: entries[product_id] for code, product_id in mapped.items()
            if product_id in entries}


def _ean_variants(ean: str) -> set[str]:
    digits = "".join(ch for ch in ean if ch.isdigit())
    if not digits:
        return set()
    bare = digits.lstrip("0") or "0"
    # Barcodes are stored as printed: an EAN-13 may come as its GTIN-14, a UPC-A as EAN-13.
    return {digits, bare, *(bare.zfill(width) for width in (8, 12, 13, 14) if width >= len(bare))}


def _by_ean(session: Session, eans: set[str]) -> dict[str, CatalogEntry]:
    variants: dict[str, str] = {}
    for ean in eans:
        for variant in _ean_variants(ean):
            variants.setdefault(variant, ean)
    if not variants:
        return {}
    rows = session.execute(
        select(t.Barcode.code, t.Barcode.product_id)
        .where(t.Barcode.code.in_(sorted(variants)), t.Barcode.deleted.is_(False))
        .order_by(t.Barcode.id)).all()
    entries = live_entries(session, [row.product_id for row in rows if row.product_id])
    found: dict[str, CatalogEntry] = {}
    for row in rows:
        entry = entries.get(row.product_id) if row.product_id else None
        if entry is not None:
            printed = variants[row.code]
            found.setdefault(printed, entry)
            found.setdefault(printed.lstrip("0"), entry)
    return found


def match_lines(
    session: Session, lines: Sequence[ReadLineText], supplier_id: uuid.UUID | None, *,
    index: DescriptionIndex | None = None, limit: int = CANDIDATES,
) -> list[LineMatch]:
    """One :class:`LineMatch` per line, in order (supplier code, EAN, description)."""
    codes = {line.code.strip() for line in lines if line.code and line.code.strip()}
    eans = {_digits(line.ean) for line in lines if line.ean and _digits(line.ean)}
    by_code = _by_code(session, supplier_id, codes)
    by_ean = _by_ean(session, eans)
    needs_text = any(
        not (line.code and line.code.strip() in by_code)
        and not (line.ean and _digits(line.ean) in by_ean) and line.description
        for line in lines)
    if index is None and needs_text:
        index = description_index(session)
    return [match_line(code=line.code, ean=_digits(line.ean) if line.ean else None,
                       description=line.description, by_code=by_code, by_ean=by_ean,
                       index=index, limit=limit) for line in lines]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
