"""Domain conflicts central surfaces for review, computed from the ledger as it stands.

Reading them from the current ledger means a late operation recomputes them by itself:
a duplicate confirmation that arrives first by the clock takes the "counted" place, and
a late intake lifts a level back above zero.

Each conflict has a stable id built from what it is about (the document key; the store
and product) and a fingerprint of its state: the confirmations of the document in
order; the level and the number of ledger rows of the pair. A review decision keeps the
fingerprint it was taken on (:mod:`central.sync.decisions`), so a later operation that
changes the conflict reopens it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.errors import NotFound
from shared.domain.numbers import milli_to_quantity

StockPair = tuple[uuid.UUID, uuid.UUID]


class ConflictKind(StrEnum):
    DUPLICATE_DOCUMENT = "duplicate_document"
    NEGATIVE_STOCK = "negative_stock"


@dataclass(frozen=True)
class ConflictRef:
    """What a conflict is about: a document key, or a store and a product."""

    kind: ConflictKind
    invoice_key: str | None = None
    store_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None

    @property
    def id(self) -> str:
        if self.kind is ConflictKind.DUPLICATE_DOCUMENT:
            return f"{self.kind.value}:{self.invoice_key}"
        return f"{self.kind.value}:{self.store_id}:{self.product_id}"

    @classmethod
    def parse(cls, conflict_id: str) -> ConflictRef:
        """The reference an id names; ValueError when it names none."""
        kind, _, rest = conflict_id.partition(":")
        if kind == ConflictKind.DUPLICATE_DOCUMENT and rest:
            return cls(ConflictKind.DUPLICATE_DOCUMENT, invoice_key=rest)
        if kind == ConflictKind.NEGATIVE_STOCK:
            store, _, product = rest.partition(":")
            return cls(ConflictKind.NEGATIVE_STOCK, store_id=uuid.UUID(store),
                       product_id=uuid.UUID(product))
        raise ValueError(f"not a conflict id: {conflict_id!r}")


@dataclass(frozen=True)
class Conflict:
    ref: ConflictRef
    fingerprint: str
    stores: frozenset[str | None]  # the codes of the stores involved (for ?store=)
    body: dict[str, Any]


def fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def duplicate_documents(session: Session, invoice_key: str | None = None) -> list[Conflict]:
    """Documents confirmed more than once: the first in operation order counts."""
    statement = (
        select(t.InvoiceConfirmation, t.Store.code)
        .outerjoin(t.Store, t.Store.id == t.InvoiceConfirmation.store_id)
        .order_by(t.InvoiceConfirmation.invoice_key, t.InvoiceConfirmation.hlc,
                  t.InvoiceConfirmation.device_id, t.InvoiceConfirmation.op_id)
    )
    if invoice_key is not None:
        statement = statement.where(t.InvoiceConfirmation.invoice_key == invoice_key)
    by_key: dict[str, list[tuple[t.InvoiceConfirmation, str | None]]] = defaultdict(list)
    for confirmation, code in session.execute(statement).all():
        by_key[confirmation.invoice_key].append((confirmation, code))
    conflicts = []
    for key, confirmations in by_key.items():
        if len(confirmations) < 2:
            continue
        (first, first_store), *others = confirmations
        ref = ConflictRef(ConflictKind.DUPLICATE_DOCUMENT, invoice_key=key)
        conflicts.append(Conflict(
            ref, fingerprint(*(c.op_id for c, _ in confirmations)),
            frozenset(code for _, code in confirmations),
            {"id": ref.id, "kind": ref.kind.value, "invoice_key": key,
             "counted": {"op_id": first.op_id, "store": first_store,
                         "device_id": first.device_id, "confirmed_at": first.confirmed_at},
             "not_counted": [{"op_id": c.op_id, "store": code, "device_id": c.device_id,
                              "confirmed_at": c.confirmed_at} for c, code in others]},
        ))
    return conflicts


def _ledger_sizes(session: Session, only: StockPair | None) -> Counter[StockPair]:
    """How many movements and counts each negative pair has (ledger rows only grow)."""
    sizes: Counter[StockPair] = Counter()
    level = t.StockLevel
    for table in (t.StockMovement, t.CountEntry):
        statement = (
            select(table.store_id, table.product_id, func.count())
            .join(level, and_(level.store_id == table.store_id,
                              level.product_id == table.product_id))
            .where(level.qty_milli < 0)
            .group_by(table.store_id, table.product_id)
        )
        if only is not None:
            statement = statement.where(table.store_id == only[0], table.product_id == only[1])
        for store_id, product_id, rows in session.execute(statement):
            sizes[(store_id, product_id)] += rows
    return sizes


def negative_stock(session: Session, only: StockPair | None = None) -> list[Conflict]:
    """Levels below zero: the sales happened and are kept; someone should look."""
    level = t.StockLevel
    statement = (
        select(level.store_id, level.product_id, t.Store.code, t.Product.sku, t.Product.name,
               level.qty_milli)
        .join(t.Store, t.Store.id == level.store_id)
        .join(t.Product, t.Product.id == level.product_id)
        .where(level.qty_milli < 0)
        .order_by(t.Store.code, t.Product.sku, level.product_id)
    )
    if only is not None:
        statement = statement.where(level.store_id == only[0], level.product_id == only[1])
    sizes = _ledger_sizes(session, only)
    conflicts = []
    for store_id, product_id, code, sku, name, qty in session.execute(statement):
        ref = ConflictRef(ConflictKind.NEGATIVE_STOCK, store_id=store_id, product_id=product_id)
        conflicts.append(Conflict(
            ref, fingerprint(qty, sizes[(store_id, product_id)]), frozenset({code}),
            {"id": ref.id, "kind": ref.kind.value, "store": code, "store_id": store_id,
             "product_id": product_id, "sku": sku, "name": name,
             "quantity": milli_to_quantity(qty)},
        ))
    return conflicts


def current_conflicts(session: Session, store_code: str | None = None) -> list[Conflict]:
    items: Iterable[Conflict] = duplicate_documents(session) + negative_stock(session)
    if store_code is not None:
        items = (item for item in items if store_code in item.stores)
    return list(items)


def find_conflict(session: Session, ref: ConflictRef) -> Conflict:
    """The conflict ``ref`` names as the ledger stands now; NotFound when there is none."""
    if ref.kind is ConflictKind.DUPLICATE_DOCUMENT:
        found = duplicate_documents(session, ref.invoice_key)
    else:
        assert ref.store_id is not None and ref.product_id is not None
        found = negative_stock(session, (ref.store_id, ref.product_id))
    if not found:
        raise NotFound(f"no conflict {ref.id}: the ledger shows none now")
    return found[0]

