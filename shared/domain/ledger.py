"""Stock ledger arithmetic: the rules, as pure functions over plain values.

The level of a product in a store is its latest count plus the movements after that
count, in ``(hlc, device_id, op_id)`` order. A document (supplier invoice or credit
note) confirmed more than once moves stock once: only the movements of its first
confirmation in that order count, on every replica. Quantities are integer
thousandths, so sums are exact and independent of the order rows arrive in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

OrderKey = tuple[int, uuid.UUID, uuid.UUID]
StockPair = tuple[uuid.UUID, uuid.UUID]  # (store_id, product_id)


@dataclass(frozen=True, slots=True)
class Movement:
    store_id: uuid.UUID
    product_id: uuid.UUID
    order_key: OrderKey
    qty_milli: int
    invoice_key: str | None = None


@dataclass(frozen=True, slots=True)
class Count:
    """An observation: ``qty_milli`` on hand at ``order_key`` (when it was counted)."""

    store_id: uuid.UUID
    product_id: uuid.UUID
    order_key: OrderKey
    qty_milli: int


def first_confirmations(movements: Iterable[Movement]) -> dict[str, uuid.UUID]:
    """For each document key, the operation id of its first confirmation."""
    first: dict[str, OrderKey] = {}
    for movement in movements:
        key = movement.invoice_key
        if key is not None and (key not in first or movement.order_key < first[key]):
            first[key] = movement.order_key
    return {key: order_key[2] for key, order_key in first.items()}


def counts_toward_stock(movement: Movement, winners: Mapping[str, uuid.UUID]) -> bool:
    key = movement.invoice_key
    return key is None or winners.get(key) == movement.order_key[2]


def stock_levels(
    movements: Iterable[Movement], counts: Iterable[Count] = ()
) -> dict[StockPair, int]:
    """Every (store, product) level in thousandths, from the whole ledger."""
    movement_list = list(movements)
    winners = first_confirmations(movement_list)
    latest: dict[StockPair, Count] = {}
    for count in counts:
        pair = (count.store_id, count.product_id)
        if pair not in latest or count.order_key > latest[pair].order_key:
            latest[pair] = count
    levels: dict[StockPair, int] = {pair: count.qty_milli for pair, count in latest.items()}
    for movement in movement_list:
        pair = (movement.store_id, movement.product_id)
        baseline = latest.get(pair)
        if baseline is not None and movement.order_key <= baseline.order_key:
            continue
        if counts_toward_stock(movement, winners):
            levels[pair] = levels.get(pair, 0) + movement.qty_milli
    return levels


def stock_level(
    movements: Iterable[Movement], counts: Iterable[Count] = (), *, pair: StockPair | None = None
) -> int:
    """One product's level; with ``pair`` None, the ledger must hold a single pair."""
    levels = stock_levels(movements, counts)
    if pair is not None:
        return levels.get(pair, 0)
    if len(levels) > 1:
        raise ValueError("the ledger holds several products: name the pair")
    return next(iter(levels.values()), 0)
