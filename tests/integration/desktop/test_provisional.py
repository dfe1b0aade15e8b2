"""An unknown barcode at the counter becomes a provisional product, sellable at once."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from desktop.app.counter_errors import UnknownCode
from desktop.app.provisional import create_provisional_product
from desktop.app.sales import Cart
from shared.db import tables as t
from shared.domain.enums import Unit
from shared.domain.errors import AlreadyExists, InvalidBarcode, ValidationError
from shared.ops.model import Operation, OpKind
from shared.services.catalog import find_product
from sync.rules import HQ_ONLY_FIELDS, authorize_store_write
from tests.integration.desktop.counter_data import STORE, YERBA_EAN, ean13, make_counter

UNKNOWN = ean13("779999000001")


@pytest.fixture
def counter(make_engine):
    return make_counter(make_engine("sqlcipher"))


def as_operation(row):
    return Operation(op_id=row.op_id, hlc=row.hlc, device_id=row.device_id,
                     user_id=row.user_id, kind=OpKind(row.kind), entity=row.entity,
                     entity_id=row.entity_id, store_id=row.store_id, payload=row.payload)


def operations_of(counter, entity_id):
    with counter.read() as session:
        return session.scalars(select(t.OperationRow).where(
            t.OperationRow.entity_id == entity_id)).all()


def test_an_unknown_barcode_becomes_a_provisional_product_and_sells(counter):
    cart = Cart(STORE)
    with counter.read() as session, pytest.raises(UnknownCode) as unknown:
        cart.add(session, f" {UNKNOWN} ")
    assert (unknown.value.code, unknown.value.barcode) == (UNKNOWN, UNKNOWN)

    made = counter.write(create_provisional_product, unknown.value.barcode,
                         "  Alfajor   triple ", "unidad", "1.500,00")
    assert (made.sku, made.name, made.unit, made.barcode) == (
        f"PROV-{UNKNOWN}", "Alfajor triple", Unit.UNIT, UNKNOWN)
    assert made.price == Decimal("1500.00")
    with counter.read() as session:
        product = session.get(t.Product, made.product_id)
        barcode = session.scalars(select(t.Barcode).where(t.Barcode.code == UNKNOWN)).one()
        assert find_product(session, UNKNOWN).product.id == made.product_id
        # a store writes no prices: the typed one stays on this PC
        assert made.product_id not in set(session.scalars(select(t.Price.product_id)))
    assert (product.provisional, product.archived, product.merged_into,
            product.last_cost_cents) == (True, None, None, None)
    assert barcode.product_id == made.product_id
    ops = operations_of(counter, made.product_id) + operations_of(counter, barcode.id)
    assert [(op.entity, op.store_id) for op in ops] == [("product", STORE), ("barcode", STORE)]
    assert not HQ_ONLY_FIELDS & set(ops[0].payload)
    assert all(authorize_store_write(as_operation(op), STORE, counter.replica.device_id) is None
               for op in ops)

    with counter.read() as session:
        row = cart.add(session, UNKNOWN)
        cart.add(session, UNKNOWN)
    line = cart.lines[row]
    assert (line.product_id, line.qty_milli, line.unit_price_cents) == (made.product_id, 2000,
                                                                        150_000)
    receipt = counter.write(cart.confirm)
    assert receipt.amount == Decimal("3000.00")
    assert receipt.lines[0].level_milli == -2000 and receipt.lines[0].negative

    with pytest.raises(AlreadyExists, match=f"PROV-{UNKNOWN}"):
        counter.write(create_provisional_product, UNKNOWN, "Otro", "unidad")


def test_an_unknown_scale_item_is_registered_by_its_item_and_sold_by_weight(counter):
    label = ean13("209999900250")  # 250 g of an item the scale knows and the catalog not
    cart = Cart(STORE)
    with counter.read() as session, pytest.raises(UnknownCode) as unknown:
        cart.add(session, label)
    item = ean13("209999900000")
    assert unknown.value.barcode == item
    with pytest.raises(ValidationError, match="weight label"):
        counter.write(create_provisional_product, label, "Salame", "unidad")
    made = counter.write(create_provisional_product, label, "Salame", Unit.KG, Decimal(9000))
    assert made.barcode == item
    with counter.read() as session:
        cart.add(session, ean13("209999900500"))
    assert [(line.product_id, line.qty_milli, line.amount_cents) for line in cart.lines] == [
        (made.product_id, 500, 450_000)]


def test_bad_input_makes_no_product(counter):
    mistyped = UNKNOWN[:-1] + str((int(UNKNOWN[-1]) + 1) % 10)
    cart = Cart(STORE)
    with counter.read() as session:
        with pytest.raises(InvalidBarcode):  # a misread, not an unknown product
            cart.add(session, mistyped)
        with pytest.raises(UnknownCode) as typed:
            cart.add(session, "ALFAJOR")
    assert typed.value.barcode is None  # not a barcode: nothing to create
    with pytest.raises(InvalidBarcode, match="check digit"):
        counter.write(create_provisional_product, mistyped, "Alfajor", "unidad")
    with pytest.raises(ValidationError, match="name"):
        counter.write(create_provisional_product, UNKNOWN, "   ", "unidad")
    with pytest.raises(ValidationError, match="unit"):
        counter.write(create_provisional_product, UNKNOWN, "Alfajor", "litro")
    with pytest.raises(ValidationError, match="above zero"):
        counter.write(create_provisional_product, UNKNOWN, "Alfajor", "unidad", 0)
    with pytest.raises(AlreadyExists, match="Y1"):
        counter.write(create_provisional_product, YERBA_EAN, "Yerba otra", "unidad")
    with counter.read() as session:
        assert session.scalars(select(t.Product).where(t.Product.provisional.is_(True))).all() == []
