"""Which cached reads a committed unit of work makes stale.

Every write goes through ``Database.write`` and its Recorder, so the operations it made
say what changed: stock movements make their store's stock stale; catalog records
(products, barcodes, suppliers, prices) make the catalog pages stale and every store's
stock snapshot too, since it lists every visible product.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from shared.ops.model import Operation

CATALOG = "catalog"
STOCK_ENTITIES = frozenset({"stock_movement", "count_entry", "invoice_confirmation"})
CATALOG_ENTITIES = frozenset({"product", "barcode", "supplier", "price",
                              "supplier_product_code", "store"})


def stock_namespace(store_id: uuid.UUID | str) -> str:
    return f"stock:{store_id}"


def stale_namespaces(ops: Iterable[Operation], all_stores: Iterable[uuid.UUID]) -> list[str]:
    namespaces: dict[str, None] = {}
    catalog = False
    for op in ops:
        if op.entity in CATALOG_ENTITIES:
            catalog = True
        elif op.entity in STOCK_ENTITIES:
            store = op.payload.get("store_id") or op.store_id
            if store:
                namespaces[stock_namespace(store)] = None
    if catalog:
        namespaces[CATALOG] = None
        namespaces.update({stock_namespace(store): None for store in all_stores})
    return list(namespaces)
