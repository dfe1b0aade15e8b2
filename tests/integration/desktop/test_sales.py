"""The counter's cart on a store PC's SQLCipher database: scans, confirms, reverts, returns."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from desktop.app.counter_errors import (
    AlreadyConfirmed,
    AlreadyReverted,
    EmptyCart,
    NothingToRevert,
    PriceMissing,
    ReasonRequired,
    UnknownCode,
    WeightRequired,
    WholeUnitsOnly,
)
from desktop.app.revert import revert_last
from desktop.app.sales import Cart, customer_return, record_document
from desktop.app.stock_actions import move
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.errors import InexactAmount, ValidationError
from shared.ops.hlc import HybridLogicalClock
from shared.ops.recorder import Replica
from sync.client import outbox_counts
from tests.integration.desktop.counter_data import (
    GALLETITAS_EAN,
    PAN_EAN,
    STORE,
    YERBA_EAN,
    Counter,
    ean13,
    make_counter,
)

CAJERA = uuid.UUID("0190a000-0000-7000-8000-0000000000c1")
WEIGHT_LABEL = ean13("201234500350")  # Queso, 350 g
PRICE_LABEL = ean13("256789004000")  # Jamón, $4000


@pytest.fixture
def counter(make_engine):
    return make_counter(make_engine("sqlcipher"))


def stock(counter, sku, quantity):
    counter.write(move, sku, MovementKind.INTAKE, Decimal(quantity))


def level(counter, sku):
    with counter.read() as session:
        row = session.get(t.StockLevel, (STORE, counter.products[sku]))
        return row.qty_milli if row is not None else 0


def movements(counter, document_id):
    with counter.read() as session:
        return session.scalars(select(t.StockMovement).where(
            t.StockMovement.document_id == document_id).order_by(t.StockMovement.hlc)).all()


def scan(counter, cart, *codes_and_quantities):
    rows = []
    with counter.read() as session:
        for item in codes_and_quantities:
            code, quantity = item if isinstance(item, tuple) else (item, None)
            rows.append(cart.add(session, code, quantity))
    return rows


def test_repeated_scans_add_to_one_line_and_the_totals_add_up(counter):
    cart = Cart(STORE)
    rows = scan(counter, cart, YERBA_EAN, GALLETITAS_EAN, "7 790001 000019", ("Y1", "2"))
    assert rows == [0, 1, 0, 0]  # a scan, a typed code in groups, a sku: the same line
    yerba, galletitas = cart.lines
    assert (yerba.sku, yerba.name, yerba.qty_milli, yerba.quantity) == ("Y1", "Yerba 1 kg", 4000, 4)
    assert (yerba.unit_price_cents, yerba.amount_cents) == (250_000, 1_000_000)
    assert (galletitas.product_id, galletitas.matched_by) == (counter.products["G1"], "barcode")
    totals = cart.totals
    assert (totals.lines, totals.items, totals.amount_cents, totals.unpriced) == (2, 5, 1_120_050, 0)
    assert totals.amount == Decimal("11200.50")

    assert cart.set_quantity(1, "3").amount == Decimal("3601.50")
    assert cart.remove(0).sku == "Y1"
    assert [line.sku for line in cart] == ["G1"] and cart.totals.amount_cents == 360_150
    first_document = cart.document_id
    cart.clear()
    assert len(cart) == 0 and cart.totals.amount_cents == 0
    assert cart.document_id != first_document


def test_a_weighed_product_takes_a_typed_weight(counter):
    cart = Cart(STORE)
    with counter.read() as session:
        with pytest.raises(WeightRequired) as missing:
            cart.add(session, PAN_EAN)
        assert missing.value.sku == "P1" and len(cart) == 0
        row = cart.add(session, PAN_EAN, "0,750")
        line = cart.lines[row]
        assert (line.qty_milli, line.quantity, line.weighed) == (750, Decimal("0.750"), True)
        assert line.amount_cents == 225_000  # 0.750 kg x $3000
        cart.add(session, "P1", Decimal("0.5"))  # the same product: one line
        with pytest.raises(InexactAmount):
            cart.add(session, PAN_EAN, "0,0005")  # finer than a gram
    assert len(cart) == 1 and cart.lines[0].qty_milli == 1250
    assert cart.totals.amount_cents == 375_000 and cart.totals.items == 1


def test_scale_labels_read_a_weight_or_a_price(counter):
    cart = Cart(STORE)
    odd_price = ean13("256789003333")  # $3333 of ham at $10000/kg
    rows = scan(counter, cart, WEIGHT_LABEL, WEIGHT_LABEL, PRICE_LABEL, odd_price)
    assert rows == [0, 1, 2, 3]  # each label is a package of its own
    queso, _, jamon, odd = cart.lines
    assert (queso.sku, queso.qty_milli, queso.amount_cents) == ("Q1", 350, 280_000)
    assert queso.from_label and queso.label_amount_cents is None
    assert (jamon.sku, jamon.qty_milli, jamon.amount_cents) == ("J1", 400, 400_000)
    assert (odd.qty_milli, odd.amount_cents) == (333, 333_300)  # the label's amount is paid
    with pytest.raises(ValidationError, match="price label"):
        cart.set_quantity(2, "1")
    with counter.read() as session, pytest.raises(ValidationError, match="own weight"):
        cart.add(session, WEIGHT_LABEL, "1")
    assert cart.totals.amount_cents == 280_000 * 2 + 400_000 + 333_300

    stock(counter, "Q1", "2")
    receipt = counter.write(cart.confirm)
    rows_written = movements(counter, receipt.document_id)
    assert [(row.product_id, row.qty_milli) for row in rows_written] == [
        (counter.products["Q1"], -350), (counter.products["Q1"], -350),
        (counter.products["J1"], -400), (counter.products["J1"], -333)]
    assert level(counter, "Q1") == 1300 and level(counter, "J1") == -733


def test_counted_products_refuse_fractions(counter):
    cart = Cart(STORE)
    with counter.read() as session:
        with pytest.raises(WholeUnitsOnly, match="Y1"):
            cart.add(session, YERBA_EAN, "1,5")
        row = cart.add(session, YERBA_EAN)
        with pytest.raises(ValidationError, match="above zero"):
            cart.add(session, YERBA_EAN, 0)
        with pytest.raises(ValidationError, match="barcode scanned"):
            cart.add(session, YERBA_EAN, YERBA_EAN)  # scanned into the quantity field
    with pytest.raises(WholeUnitsOnly):
        cart.set_quantity(row, Decimal("0.5"))
    with pytest.raises(ValidationError, match="no line 3"):
        cart.set_quantity(2, 1)
    assert cart.lines[0].qty_milli == 1000


def test_confirm_records_one_movement_per_line_as_one_document(counter):
    stock(counter, "Y1", 10)
    stock(counter, "G1", 5)
    cart = Cart(STORE)
    scan(counter, cart, YERBA_EAN, ("Y1", 2), (GALLETITAS_EAN, 2))
    receipt = counter.write(cart.confirm, MovementKind.SALE, user_id=CAJERA)

    assert receipt.kind is MovementKind.SALE and receipt.document_id == cart.document_id
    assert [(line.sku, line.quantity, line.level) for line in receipt.lines] == [
        ("Y1", 3, 7), ("G1", 2, 3)]
    assert receipt.amount == Decimal("9901.00") and receipt.negative_lines == ()
    rows = movements(counter, receipt.document_id)
    assert [(row.kind, row.qty_milli, row.reference, row.user_id) for row in rows] == [
        (MovementKind.SALE, -3000, "counter", CAJERA), (MovementKind.SALE, -2000, "counter", CAJERA)]
    assert len({row.occurred_at for row in rows}) == 1
    assert len({row.device_id for row in rows}) == 1 and rows[0].device_id == counter.replica.device_id
    with counter.read() as session:
        assert outbox_counts(session)["pending"] == 4  # two intakes, two sale lines

    with pytest.raises(AlreadyConfirmed):  # the confirm key pressed twice
        counter.write(cart.confirm, MovementKind.SALE)
    assert len(movements(counter, receipt.document_id)) == 2 and level(counter, "Y1") == 7000
    cart.clear()
    with pytest.raises(EmptyCart):
        counter.write(cart.confirm)


def test_a_sale_below_zero_is_kept_and_flagged(counter):
    stock(counter, "Y1", 1)
    stock(counter, "G1", 5)
    cart = Cart(STORE)
    scan(counter, cart, (YERBA_EAN, 3), GALLETITAS_EAN)
    receipt = counter.write(cart.confirm)
    assert [(line.sku, line.level_milli, line.negative) for line in receipt.lines] == [
        ("Y1", -2000, True), ("G1", 4000, False)]
    assert [line.sku for line in receipt.negative_lines] == ["Y1"]
    assert level(counter, "Y1") == -2000  # recorded, not refused


def test_stock_outs_other_than_sales_need_a_reason(counter):
    stock(counter, "Y1", 10)
    cart = Cart(STORE)
    scan(counter, cart, (YERBA_EAN, 2))
    for blank in (None, "   "):
        with pytest.raises(ReasonRequired):
            counter.write(cart.confirm, MovementKind.WASTE, blank)
    with pytest.raises(ValidationError, match="not a sale or stock-out"):
        counter.write(cart.confirm, MovementKind.INTAKE, "no")
    assert level(counter, "Y1") == 10_000  # nothing was written

    waste = counter.write(cart.confirm, MovementKind.WASTE, "  rotura  en góndola ")
    cart.clear()
    scan(counter, cart, YERBA_EAN)
    internal = counter.write(cart.confirm, MovementKind.ADJUSTMENT, "consumo interno")
    rows = movements(counter, waste.document_id) + movements(counter, internal.document_id)
    assert [(row.kind, row.qty_milli, row.reason) for row in rows] == [
        (MovementKind.WASTE, -2000, "rotura en góndola"),
        (MovementKind.ADJUSTMENT, -1000, "consumo interno")]
    assert level(counter, "Y1") == 7000


def test_a_sale_needs_every_line_priced(counter):
    cart = Cart(STORE)
    unpriced_code = ean13("779000900001")
    rows = scan(counter, cart, unpriced_code, YERBA_EAN)
    assert cart.lines[0].unit_price_cents is None and cart.totals.unpriced == 1
    with pytest.raises(PriceMissing) as missing:
        counter.write(cart.confirm)
    assert missing.value.skus == ["S1"]
    with pytest.raises(ValidationError, match="shelf price"):
        cart.set_price(rows[1], "1")
    assert cart.set_price(rows[0], "1.234,50").amount_cents == 123_450
    receipt = counter.write(cart.confirm)
    assert receipt.amount_cents == 123_450 + 250_000


def test_revert_last_restores_the_levels_once(counter):
    stock(counter, "Y1", 10)
    stock(counter, "Q1", 2)
    with pytest.raises(NothingToRevert):
        counter.write(revert_last)
    cart = Cart(STORE)
    scan(counter, cart, (YERBA_EAN, 3), WEIGHT_LABEL)
    sale = counter.write(cart.confirm)
    assert (level(counter, "Y1"), level(counter, "Q1")) == (7000, 1650)

    undo = counter.write(revert_last, CAJERA, reason="cobro equivocado")
    assert undo.reverts and undo.document_id == sale.document_id and undo.kind is MovementKind.SALE
    assert [(line.sku, line.qty_milli, line.level_milli) for line in undo.lines] == [
        ("Y1", 3000, 10_000), ("Q1", 350, 2000)]
    assert undo.amount == Decimal("10300.00")  # 3 x $2500 + 0.350 kg x $8000
    assert (level(counter, "Y1"), level(counter, "Q1")) == (10_000, 2000)
    rows = movements(counter, sale.document_id)
    assert [(row.kind, row.qty_milli, row.reference) for row in rows] == [
        (MovementKind.SALE, -3000, "counter"), (MovementKind.SALE, -350, "counter"),
        (MovementKind.SALE, 3000, "revert"), (MovementKind.SALE, 350, "revert")]
    assert {row.user_id for row in rows[2:]} == {CAJERA}
    assert {row.reason for row in rows[2:]} == {"cobro equivocado"}
    with counter.read() as session:
        audit = session.scalars(select(t.AuditEvent)).all()
    assert [(event.action, event.entity_id, event.user_id, event.device_id) for event in audit] == [
        ("counter.document_reverted", sale.document_id, CAJERA, counter.replica.device_id)]
    assert audit[0].details["lines"] == 2 and len(audit[0].details["operations"]) == 2

    with pytest.raises(AlreadyReverted) as again:
        counter.write(revert_last)
    assert again.value.document_id == sale.document_id
    assert (level(counter, "Y1"), level(counter, "Q1")) == (10_000, 2000)
    assert len(movements(counter, sale.document_id)) == 4


def test_revert_last_takes_this_pcs_last_counter_document(counter):
    stock(counter, "Y1", 10)
    mine = Cart(STORE)
    scan(counter, mine, YERBA_EAN)
    my_sale = counter.write(mine.confirm)
    # later: a sale on another PC of the store, pulled here, and a customer return here
    other_pc = Counter(counter.engine, Replica(uuid.uuid4(), HybridLogicalClock()),
                       counter.products)
    theirs = Cart(STORE)
    scan(counter, theirs, (YERBA_EAN, 4))
    other_pc.write(record_document, MovementKind.SALE, theirs.lines, document_id=uuid.uuid4(),
                   reference="counter", reason=None, user_id=None)
    counter.write(customer_return, "Y1", 1, "fallado")
    assert level(counter, "Y1") == 6000

    undo = counter.write(revert_last)
    assert undo.document_id == my_sale.document_id and undo.lines[0].qty_milli == 1000
    assert level(counter, "Y1") == 7000
    with pytest.raises(AlreadyReverted):
        counter.write(revert_last)
    with counter.read() as session:
        reverted = session.scalar(select(func.count()).select_from(t.StockMovement).where(
            t.StockMovement.reference == "revert"))
    assert reverted == 1


def test_a_customer_return_needs_a_reason_and_adds_stock(counter):
    stock(counter, "Y1", 1)
    for blank in ("", "  "):
        with pytest.raises(ReasonRequired):
            counter.write(customer_return, YERBA_EAN, 2, blank)
    assert level(counter, "Y1") == 1000
    back = counter.write(customer_return, YERBA_EAN, "2", "vencido", user_id=CAJERA)
    assert back.kind is MovementKind.CUSTOMER_RETURN and back.amount == Decimal("5000.00")
    assert [(line.sku, line.qty_milli, line.level_milli) for line in back.lines] == [
        ("Y1", 2000, 3000)]
    label = counter.write(customer_return, WEIGHT_LABEL, None, "olor raro")
    assert label.lines[0].qty_milli == 350 and label.amount_cents == 280_000
    rows = movements(counter, back.document_id) + movements(counter, label.document_id)
    assert [(row.kind, row.qty_milli, row.reason, row.reference) for row in rows] == [
        (MovementKind.CUSTOMER_RETURN, 2000, "vencido", "return"),
        (MovementKind.CUSTOMER_RETURN, 350, "olor raro", "return")]
    assert rows[0].user_id == CAJERA
    with pytest.raises(UnknownCode):
        counter.write(customer_return, "nada", 1, "no existe")
    with pytest.raises(NothingToRevert):  # a return is not a counter document
        counter.write(revert_last)


def test_a_sale_and_its_revert_on_every_backend(engine):
    counter = make_counter(engine)
    stock(counter, "G1", 1)
    cart = Cart(STORE)
    scan(counter, cart, (GALLETITAS_EAN, 2), WEIGHT_LABEL, PRICE_LABEL)
    sale = counter.write(cart.confirm)
    assert [line.level_milli for line in sale.lines] == [-1000, -350, -400]
    assert sale.amount_cents == 240_100 + 280_000 + 400_000
    undo = counter.write(revert_last)
    assert [line.level_milli for line in undo.lines] == [1000, 0, 0]
    with pytest.raises(AlreadyReverted):
        counter.write(revert_last)
