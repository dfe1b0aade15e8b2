"""Import a products CSV into the catalog through operations, in batches.

Re-importing updates products by sku and writes only what changed: an unchanged row
makes no operation, so importing the same file twice is cheap and idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.catalog.products_csv import ProductRow, RowError
from shared.db import tables as t
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder

BATCH_ROWS = 1000


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    suppliers_created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Catalog:
    """What the import needs to know of the current catalog, loaded once."""

    products: dict[str, tuple[uuid.UUID, dict[str, Any]]]
    barcodes: dict[str, uuid.UUID]  # code -> product id
    suppliers: dict[str, uuid.UUID]  # cuit -> supplier id
    prices: dict[uuid.UUID, int]  # product id -> current chain-wide price
    skus: dict[uuid.UUID, str]


_PRODUCT_FIELDS = ("name", "category", "unit", "vat_rate", "min_stock_milli", "supplier_id",
                   "last_cost_cents", "archived")


def _load(session: Session) -> _Catalog:
    products: dict[str, tuple[uuid.UUID, dict[str, Any]]] = {}
    columns = [getattr(t.Product, name) for name in _PRODUCT_FIELDS]
    rows = session.execute(
        select(t.Product.id, t.Product.sku, *columns)
        .where(t.Product.deleted.is_(False))
        .order_by(t.Product.id)
    )
    for row in rows:
        if row.sku is not None and row.sku not in products:  # the oldest id wins a tie
            products[row.sku] = (row.id, {name: getattr(row, name) for name in _PRODUCT_FIELDS})
    barcodes = {
        row.code: row.product_id
        for row in session.execute(
            select(t.Barcode.code, t.Barcode.product_id)
            .where(t.Barcode.deleted.is_(False))
            .order_by(t.Barcode.id)
        )
        if row.code is not None
    }
    suppliers = {
        row.cuit: row.id
        for row in session.execute(
            select(t.Supplier.cuit, t.Supplier.id).where(t.Supplier.deleted.is_(False))
            .order_by(t.Supplier.id.desc())
        )
        if row.cuit
    }
    prices: dict[uuid.UUID, int] = {}
    for row in session.execute(
        select(t.Price.product_id, t.Price.price_cents)
        .where(t.Price.store_id.is_(None))
        .order_by(t.Price.effective_from, t.Price.hlc, t.Price.device_id, t.Price.op_id)
    ):
        prices[row.product_id] = row.price_cents
    skus = {product_id: sku for sku, (product_id, _) in products.items()}
    return _Catalog(products, barcodes, suppliers, prices, skus)


def _batches(items: Iterable[ProductRow | RowError], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class _Importer:
    def __init__(self, recorder: Recorder, catalog: _Catalog, today: date) -> None:
        self.recorder = recorder
        self.catalog = catalog
        self.today = today
        self.report = ImportReport()

    def supplier_for(self, cuit: str | None) -> uuid.UUID | None:
        if cuit is None:
            return None
        supplier_id = self.catalog.suppliers.get(cuit)
        if supplier_id is None:
            supplier_id = new_id()
            # Named by its CUIT until someone names it (CONTRACTS.md).
            self.recorder.upsert("supplier", supplier_id, {
                "cuit": cuit, "name": cuit, "provisional": False, "archived": False,
            }, creates=True)
            self.catalog.suppliers[cuit] = supplier_id
            self.report.suppliers_created += 1
        return supplier_id

    def barcode_conflict(self, row: ProductRow, product_id: uuid.UUID | None) -> str | None:
        for code in row.eans:
            owner = self.catalog.barcodes.get(code)
            if owner is not None and owner != product_id:
                return f"barcode {code} already belongs to sku {self.catalog.skus.get(owner, '?')}"
        return None

    def import_row(self, row: ProductRow) -> None:
        existing = self.catalog.products.get(row.sku)
        product_id = existing[0] if existing else new_id()
        conflict = self.barcode_conflict(row, existing[0] if existing else None)
        if conflict:
            self.report.errors.append(RowError(row.line, conflict))
            return
        wanted: dict[str, Any] = {
            "name": row.name, "category": row.category, "unit": row.unit.value,
            "vat_rate": row.vat_rate.value, "archived": False,
        }
        if row.min_stock_milli is not None:
            wanted["min_stock_milli"] = row.min_stock_milli
        if row.cost_cents is not None:
            wanted["last_cost_cents"] = row.cost_cents
        if row.supplier_cuit is not None:
            wanted["supplier_id"] = self.supplier_for(row.supplier_cuit)
        if existing is None:
            changes = {"sku": row.sku, "provisional": False, **wanted}
        else:
            changes = {k: v for k, v in wanted.items() if existing[1].get(k) != v}
        touched = bool(changes)
        if changes:
            self.recorder.upsert("product", product_id, changes, creates=existing is None)
        for code in row.eans:
            if code not in self.catalog.barcodes:
                self.recorder.upsert("barcode", new_id(), {"code": code, "product_id": product_id},
                                     creates=True)
                self.catalog.barcodes[code] = product_id
                touched = True
        if row.price_cents is not None and self.catalog.prices.get(product_id) != row.price_cents:
            self.recorder.append("price", {
                "product_id": product_id, "store_id": None, "price_cents": row.price_cents,
                "effective_from": self.today,
            })
            self.catalog.prices[product_id] = row.price_cents
            touched = True
        known = existing[1] if existing else {}
        self.catalog.products[row.sku] = (product_id, {**known, **wanted})
        self.catalog.skus[product_id] = row.sku
        if existing is None:
            self.report.created += 1
        elif touched:
            self.report.updated += 1
        else:
            self.report.unchanged += 1


def import_products(
    session: Session, recorder: Recorder, rows: Iterable[ProductRow | RowError], *, today: date,
    progress: Callable[[int], None] | None = None, batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import ``rows``; bad rows land in the report, good ones in the catalog."""
    importer = _Importer(recorder, _load(session), today)
    for batch in _batches(rows, batch_rows):
        with recorder.batch():
            for item in batch:
                if isinstance(item, RowError):
                    importer.report.errors.append(item)
                else:
                    importer.import_row(item)
        if progress is not None:
            progress(len(batch))
    return importer.report
