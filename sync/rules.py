"""Who may write what, and who may see what: pure rules over operations.

ARCHITECTURE.md "Who may write what": a store (its PCs, its edge) writes its own
movements, counts, returns, invoice records and confirmations, the supplier-code
mappings it confirms, and provisional products and suppliers (with their barcodes)
created at the counter; HQ writes the catalog, prices, pricing rules, users and roles.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from shared.ops.model import Operation, OpKind


class RefusalCode(StrEnum):
    MALFORMED = "malformed"
    FORBIDDEN_ENTITY = "forbidden_entity"
    WRONG_STORE = "wrong_store"
    WRONG_DEVICE = "wrong_device"
    CLOCK_AHEAD = "clock_ahead"


@dataclass(frozen=True)
class Refusal:
    code: RefusalCode
    reason: str


#: Ledger rows a store appends for itself.
STORE_APPENDS = frozenset({"stock_movement", "count_entry", "invoice_confirmation"})
#: Records a store keeps for itself.
STORE_RECORDS = frozenset({"count_session", "supplier_invoice", "invoice_line",
                           "supplier_product_code"})
#: Catalog records a store may create provisionally (HQ promotes or merges them).
PROVISIONAL_RECORDS = frozenset({"product", "supplier"})
#: Fields of a provisional record only HQ sets.
HQ_ONLY_FIELDS = frozenset({"archived", "merged_into", "last_cost_cents"})
#: Store records central copies chain-wide as it accepts them, so every store learns
#: them: a supplier's code for a product, confirmed at any store, serves every store.
CHAIN_WIDE_COPIES = frozenset({"supplier_product_code"})
#: Of another store's (or HQ's) record in CHAIN_WIDE_COPIES, the fields a store may set.
SHARED_RECORD_FIELDS = frozenset({"product_id"})
#: Chain-wide (store_id null) entities a store does not receive. The inflation index is
#: not among them: it is the public monthly price index, and a store PC's demand
#: forecasts read it offline exactly as HQ's training does.
HQ_PRIVATE = frozenset({"user", "pricing_rule"})


def authorize_store_write(
    op: Operation, store_id: uuid.UUID, device_id: uuid.UUID | None
) -> Refusal | None:
    """None when a credential of ``store_id`` may push ``op``, else why not.

    ``device_id`` is the pushing PC (it pushes only its own operations); None for an
    edge node, which forwards its store's PCs' operations with their original devices.
    """
    if device_id is not None and op.device_id != device_id:
        return Refusal(RefusalCode.WRONG_DEVICE,
                       "an operation of another device (a replaced PC's operations are"
                       " accepted once HQ has revoked it)")
    if op.store_id != store_id:
        return Refusal(RefusalCode.WRONG_STORE, "the operation belongs to another store")
    payload_store = op.payload.get("store_id")
    if payload_store is not None and str(payload_store) != str(store_id):
        return Refusal(RefusalCode.WRONG_STORE, "the row belongs to another store")
    if op.kind is OpKind.APPEND:
        if op.entity in STORE_APPENDS:
            return None
        return Refusal(RefusalCode.FORBIDDEN_ENTITY, f"a store may not append {op.entity}")
    if op.entity in STORE_RECORDS:
        return None
    if op.entity in PROVISIONAL_RECORDS:
        if op.payload.get("provisional") is not True:
            return Refusal(RefusalCode.FORBIDDEN_ENTITY,
                           f"a store may only create a provisional {op.entity}")
        touched = sorted(HQ_ONLY_FIELDS & set(op.payload))
        if touched:
            return Refusal(RefusalCode.FORBIDDEN_ENTITY, f"only HQ sets {', '.join(touched)}")
        return None
    if op.entity == "barcode":
        return None  # the barcode of a provisional product, scoped to the store
    return Refusal(RefusalCode.FORBIDDEN_ENTITY, f"only HQ writes {op.entity}")


def visible_to_store(op: Operation, store_id: uuid.UUID) -> bool:
    """Whether a store's replicas receive ``op`` (its own data and the shared catalog)."""
    if op.store_id is None:
        return op.entity not in HQ_PRIVATE
    return op.store_id == store_id
