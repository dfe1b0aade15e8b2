"""Rows into JSON-ready dicts: amounts as two-decimal Decimals, quantities exact.

Responses are written by ``shared.domain.jsonout.dumps``, so no value goes through float.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.numbers import cents_to_amount, milli_to_quantity


def amount(cents: int | None) -> Decimal | None:
    return None if cents is None else cents_to_amount(cents)


def quantity(milli: int | None) -> int | Decimal | None:
    return None if milli is None else milli_to_quantity(milli)


def kind_name(kind: int) -> str:
    try:
        return MovementKind(kind).name.lower()
    except ValueError:
        return str(kind)


def product(row: t.Product, barcodes: list[str]) -> dict[str, Any]:
    return {
        "id": row.id, "sku": row.sku, "name": row.name, "category": row.category,
        "unit": row.unit, "vat_rate": row.vat_rate, "min_stock": quantity(row.min_stock_milli),
        "last_cost": amount(row.last_cost_cents), "supplier_id": row.supplier_id,
        "provisional": bool(row.provisional), "archived": bool(row.archived),
        "merged_into": row.merged_into, "barcodes": barcodes,
    }


def supplier(row: t.Supplier) -> dict[str, Any]:
    return {
        "id": row.id, "cuit": row.cuit, "name": row.name, "provisional": bool(row.provisional),
        "archived": bool(row.archived), "merged_into": row.merged_into,
    }


def price(row: t.Price, store_codes: dict[uuid.UUID, str | None]) -> dict[str, Any]:
    return {
        "id": row.id, "product_id": row.product_id,
        "store": None if row.store_id is None else store_codes.get(row.store_id),
        "price": amount(row.price_cents), "effective_from": row.effective_from,
    }
