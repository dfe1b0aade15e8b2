"""The counter: a sale or stock-out cart, confirmed as one document.

The "Venta / salida" screen holds a :class:`Cart`. Scans become lines in memory;
nothing is written until :meth:`Cart.confirm`, which records one stock movement per
line in one transaction, all sharing the cart's ``document_id`` (reference
``"counter"``), and returns a :class:`Receipt`. A sale that drives stock below zero is
recorded (it happened) and the receipt flags those lines. The document can be undone
as a whole by :func:`desktop.app.revert.revert_last`.

Keyboard-first usage (``store`` is a :class:`~desktop.app.store.StoreData`; each call
that takes a session runs on a worker thread, the cart's own methods on the UI thread)::

    cart = Cart(store.store_id)
    with store.transaction() as session:              # scanner: EAN + Enter
        line = cart.resolve(session, "7790001000019")  # reads only
    row = cart.put(line)                               # merges repeated scans
    cart.set_quantity(row, "3")                        # typed: 3 units, "0,750" kg
    cart.totals.amount                                 # Decimal("7500.00")
    receipt = store.write(cart.confirm, MovementKind.SALE, user_id=user.id)
    cart.clear()                                       # after the write committed

``cart.add(session, code, quantity)`` is resolve + put in one call (tests, the CLI).
An unknown code raises UnknownCode (offer a provisional product: its ``barcode``), a
weighed product scanned without a weight WeightRequired (ask for it, add again).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.counter_errors import (
    AlreadyConfirmed,
    EmptyCart,
    PriceMissing,
    ReasonRequired,
)
from desktop.app.scanning import CartLine, Quantity, quantity_milli, resolve_code
from shared.db import tables as t
from shared.db.replica_meta import read_meta, write_meta
from shared.domain.barcodes import DEFAULT_SCALE_LAYOUT, ScaleLayout
from shared.domain.enums import MovementKind, Unit
from shared.domain.errors import ValidationError
from shared.domain.ids import new_id
from shared.domain.numbers import cents_to_amount, milli_to_quantity, parse_decimal, to_cents
from shared.ops.recorder import Recorder

#: What the "Venta / salida" screen records. ADJUSTMENT there is any other stock-out
#: (internal use, samples, a theft found): always recorded as a negative adjustment.
STOCK_OUT_KINDS = (MovementKind.SALE, MovementKind.WASTE, MovementKind.ADJUSTMENT,
                   MovementKind.SUPPLIER_RETURN)
#: Stock movements' ``reference`` for a cart's document, its revert, a customer return.
COUNTER, REVERT, RETURN = "counter", "revert", "return"
MAX_REASON = 200  # stock_movements.reason
#: ``replica_meta`` key (this PC only, never replicated): its last counter document and
#: the products it moved, so the confirm guard and the revert read a few index entries
#: instead of scanning the ledger.
LAST_DOCUMENT_KEY = "counter_last_document"


@dataclass(frozen=True)
class CartTotals:
    lines: int
    items: int  # articles: counted units, plus one per weighed line
    amount_cents: int  # priced lines only
    unpriced: int  # lines without a price, not in ``amount_cents``

    @property
    def amount(self) -> Decimal:
        return cents_to_amount(self.amount_cents)


@dataclass(frozen=True)
class ReceiptLine:
    product_id: uuid.UUID
    sku: str
    name: str
    unit: Unit
    qty_milli: int  # as moved, above zero; ``Receipt.kind`` and ``reverts`` give the sign
    unit_price_cents: int | None
    amount_cents: int | None
    level_milli: int  # the store's level of the product after the document

    @property
    def quantity(self) -> int | Decimal:
        return milli_to_quantity(self.qty_milli)

    @property
    def level(self) -> int | Decimal:
        return milli_to_quantity(self.level_milli)

    @property
    def negative(self) -> bool:
        """Stock is below zero after this document: recorded, and flagged for review."""
        return self.level_milli < 0

    @property
    def amount(self) -> Decimal | None:
        return None if self.amount_cents is None else cents_to_amount(self.amount_cents)


@dataclass(frozen=True)
class Receipt:
    """What a confirmed document did: its lines, total and the levels after it."""

    document_id: uuid.UUID
    kind: MovementKind
    lines: tuple[ReceiptLine, ...]
    occurred_at: datetime
    reason: str | None = None
    #: this receipt undoes document ``document_id`` (opposite movements)
    reverts: bool = False

    @property
    def amount_cents(self) -> int:
        return sum(line.amount_cents or 0 for line in self.lines)

    @property
    def amount(self) -> Decimal:
        return cents_to_amount(self.amount_cents)

    @property
    def negative_lines(self) -> tuple[ReceiptLine, ...]:
        return tuple(line for line in self.lines if line.negative)


class Cart:
    """The lines of one sale or stock-out, in memory until :meth:`confirm`.

    Lines are addressed by their row (0-based, in the order shown). A repeated scan of
    the same product adds to its line; a scale label is a package of its own and always
    makes a new line. Not thread-safe: change it on one thread (the UI's) only.
    """

    def __init__(self, store_id: uuid.UUID, *, day: date | None = None,
                 layout: ScaleLayout = DEFAULT_SCALE_LAYOUT) -> None:
        self.store_id = store_id
        self.day = day  # the day prices are read for; None: today, at each scan
        self.layout = layout
        self._lines: list[CartLine] = []
        #: the document this cart confirms as; :meth:`clear` starts a new one
        self.document_id = new_id()

    # --- reading ------------------------------------------------------------------------

    @property
    def lines(self) -> tuple[CartLine, ...]:
        return tuple(self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[CartLine]:
        return iter(tuple(self._lines))

    @property
    def totals(self) -> CartTotals:
        items = sum(1 if line.weighed else line.qty_milli // 1000 for line in self._lines)
        priced = [line.amount_cents for line in self._lines]
        return CartTotals(len(self._lines), items, sum(c for c in priced if c is not None),
                          sum(1 for c in priced if c is None))

    # --- scanning -----------------------------------------------------------------------

    def resolve(self, session: Session, code: str, quantity: Quantity | None = None) -> CartLine:
        """The line ``code`` makes (see :func:`~desktop.app.scanning.resolve_code`);
        reads the database, leaves the cart alone."""
        return resolve_code(session, self.store_id, code, quantity, day=self.day,
                            layout=self.layout)

    def put(self, line: CartLine) -> int:
        """Add a resolved line; returns its row (a repeated product's existing row)."""
        if not line.from_label:
            for row, existing in enumerate(self._lines):
                if existing.product_id == line.product_id and not existing.from_label:
                    self._lines[row] = existing.with_quantity(existing.qty_milli + line.qty_milli)
                    return row
        self._lines.append(line)
        return len(self._lines) - 1

    def add(self, session: Session, code: str, quantity: Quantity | None = None) -> int:
        """:meth:`resolve` then :meth:`put`; returns the row that changed."""
        return self.put(self.resolve(session, code, quantity))

    # --- editing ------------------------------------------------------------------------

    def _line(self, row: int) -> CartLine:
        if not 0 <= row < len(self._lines):
            raise ValidationError(f"the cart has no line {row + 1}")
        return self._lines[row]

    def set_quantity(self, row: int, quantity: Quantity) -> CartLine:
        """A typed quantity for a line (units, or kg for weighed goods)."""
        line = self._line(row)
        if line.label_amount_cents is not None:
            raise ValidationError("a price label's quantity comes from its price")
        self._lines[row] = line.with_quantity(quantity_milli(quantity))
        return self._lines[row]

    def set_price(self, row: int, price: Decimal | int | str) -> CartLine:
        """A price typed at the counter (VAT included) for a line whose product has no
        shelf price; a product with a shelf price keeps it."""
        line = self._line(row)
        if line.unit_price_cents is not None and not line.manual_price:
            raise ValidationError(f"{line.sku} has a shelf price")
        cents = to_cents(parse_decimal(price) if isinstance(price, str) else price)
        if cents <= 0:
            raise ValidationError("the price must be above zero")
        self._lines[row] = replace(line, unit_price_cents=cents, manual_price=True)
        return self._lines[row]

    def remove(self, row: int) -> CartLine:
        line = self._line(row)
        del self._lines[row]
        return line

    def clear(self) -> None:
        """Empty the cart and start a new document (after a confirm, or to cancel)."""
        self._lines.clear()
        self.document_id = new_id()

    # --- confirming ---------------------------------------------------------------------

    def confirm(
        self, session: Session, recorder: Recorder, store_id: uuid.UUID,
        kind: MovementKind = MovementKind.SALE, reason: str | None = None,
        user_id: uuid.UUID | None = None,
    ) -> Receipt:
        """Record the cart: one movement per line, in one transaction, one document.

        ``kind`` is one of :data:`STOCK_OUT_KINDS`; all but a sale need a ``reason``
        (ReasonRequired). A sale needs every line priced (PriceMissing lists the skus
        without; :meth:`set_price`). Stock driven below zero is recorded and flagged in
        the receipt. The cart is left as it was: :meth:`clear` it once the transaction
        has committed; confirming this PC's last document again raises
        AlreadyConfirmed, so a second press of the key records nothing twice. Runs inside
        ``StoreData.write``: ``store.write(cart.confirm, kind, reason, user_id=...)``.
        """
        if store_id != self.store_id:
            raise ValidationError("this cart belongs to another store")
        if not self._lines:
            raise EmptyCart("the cart is empty")
        if kind not in STOCK_OUT_KINDS:
            raise ValidationError(f"{kind.name} is not a sale or stock-out")
        why = checked_reason(reason, required=kind is not MovementKind.SALE)
        if kind is MovementKind.SALE:
            unpriced = [line.sku for line in self._lines if line.amount_cents is None]
            if unpriced:
                raise PriceMissing(unpriced)
        last = last_document(session)
        if last is not None and last[0] == self.document_id:
            raise AlreadyConfirmed(self.document_id)
        receipt = record_document(session, recorder, store_id, kind, self._lines,
                                  document_id=self.document_id, reference=COUNTER,
                                  reason=why, user_id=user_id)
        _remember(session, self.document_id, [line.product_id for line in self._lines])
        return receipt


def checked_reason(reason: str | None, *, required: bool) -> str | None:
    why = " ".join((reason or "").split()) or None
    if required and why is None:
        raise ReasonRequired("say why (a reason is required)")
    if why is not None and len(why) > MAX_REASON:
        raise ValidationError(f"the reason is longer than {MAX_REASON} characters")
    return why


def last_document(session: Session) -> tuple[uuid.UUID, list[uuid.UUID]] | None:
    """This PC's last confirmed counter document and the products it moved."""
    stored = read_meta(session, LAST_DOCUMENT_KEY)
    if stored is None:
        return None
    value = json.loads(stored)
    return uuid.UUID(value["document_id"]), [uuid.UUID(p) for p in value["product_ids"]]


def _remember(session: Session, document_id: uuid.UUID, product_ids: list[uuid.UUID]) -> None:
    value = json.dumps({"document_id": str(document_id),
                        "product_ids": sorted({str(p) for p in product_ids})})
    write_meta(session, LAST_DOCUMENT_KEY, value)


def levels(session: Session, store_id: uuid.UUID,
           product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The cached levels (refreshed by the write itself) in thousandths."""
    ids = list(set(product_ids))
    rows = session.execute(select(t.StockLevel.product_id, t.StockLevel.qty_milli).where(
        t.StockLevel.store_id == store_id, t.StockLevel.product_id.in_(ids)))
    return {row.product_id: row.qty_milli for row in rows}


def record_document(
    session: Session, recorder: Recorder, store_id: uuid.UUID, kind: MovementKind,
    lines: Iterable[CartLine], *, document_id: uuid.UUID, reference: str,
    reason: str | None, user_id: uuid.UUID | None, sign: int | None = None,
    occurred_at: datetime | None = None,
) -> Receipt:
    """Append one movement per line, applied together, sharing ``document_id``.

    The quantity's sign is ``sign`` when given (a revert), else the kind's (an
    adjustment here is a stock-out: negative).
    """
    if user_id is not None:
        recorder.user_id = user_id
    direction = sign if sign is not None else (kind.sign or -1)
    moment = occurred_at or datetime.now(UTC)
    made = list(lines)
    with recorder.batch():
        for line in made:
            recorder.append("stock_movement", {
                "store_id": store_id, "product_id": line.product_id, "kind": kind,
                "qty_milli": direction * line.qty_milli, "reason": reason,
                "reference": reference, "document_id": document_id, "occurred_at": moment,
            }, store_id=store_id)
    after = levels(session, store_id, (line.product_id for line in made))
    return Receipt(document_id, kind, tuple(
        ReceiptLine(line.product_id, line.sku, line.name, line.unit, line.qty_milli,
                    line.unit_price_cents, line.amount_cents, after.get(line.product_id, 0))
        for line in made
    ), moment, reason, reverts=reference == REVERT)


def customer_return(
    session: Session, recorder: Recorder, store_id: uuid.UUID, code: str,
    quantity: Quantity | None, reason: str, user_id: uuid.UUID | None = None, *,
    layout: ScaleLayout = DEFAULT_SCALE_LAYOUT,
) -> Receipt:
    """A customer brings goods back ("Devolución"): stock goes up, with a reason.

    ``code`` and ``quantity`` read as in a cart (a scale label brings its weight;
    counted goods default to one unit). The receipt's amount is today's shelf price of
    what came back, what the screen shows to refund. Its own document (reference
    ``"return"``): :func:`~desktop.app.revert.revert_last` does not undo it.
    """
    why = checked_reason(reason, required=True)
    line = resolve_code(session, store_id, code, quantity, layout=layout)
    return record_document(session, recorder, store_id, MovementKind.CUSTOMER_RETURN, [line],
                           document_id=new_id(), reference=RETURN, reason=why,
                           user_id=user_id)
